"""The audit log: a record of what was done to which file, readable by its owner."""

from __future__ import annotations

from typing import Protocol

from drive2.domain.audit import AuditEntry, AuditEvent


class AuditLog(Protocol):
    def record(self, events: list[AuditEvent]) -> None:
        """Append the events (one transaction)."""
        ...

    def entries(
        self, user_id: str, limit: int, offset: int, file_id: str | None = None
    ) -> tuple[list[AuditEntry], int]:
        """The user's entries, newest first, and how many there are."""
        ...
