"""Single-use invite codes (REGISTRATION=invite), kept as hashes only."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class InviteStore(Protocol):
    def add_invite(self, code_hash: str, expires_at: datetime, note: str | None) -> None: ...

    def use_invite(self, code_hash: str, now: datetime) -> bool:
        """Mark the invite used; False when it is unknown, used or expired. Atomic: of two
        requests with one code, exactly one gets True."""
        ...
