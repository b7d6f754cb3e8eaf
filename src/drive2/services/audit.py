"""Recording what users do to their files: a row in the audit log the user can read, and the
same as a structured log line for the operator.

A table rather than log lines alone: the owner can read their own history (GET
/api/v1/audit), it survives log rotation, and it still answers "what happened to that file"
after the file is gone. The log line keeps the operator's view in one place with the rest.
Recording never fails the action it describes: the action has happened by then.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from drive2.domain.audit import AuditAction, AuditEntry, AuditEvent, AuditSource
from drive2.domain.models import FileRecord, User
from drive2.ports.audit_log import AuditLog

log = logging.getLogger("drive2.audit")

MAX_PAGE = 200


class Auditor:
    def __init__(self, store: AuditLog) -> None:
        self.store = store

    def record(
        self,
        user_id: str,
        action: AuditAction,
        files: Iterable[FileRecord],
        source: AuditSource = AuditSource.API,
        detail: dict[str, Any] | None = None,
    ) -> None:
        events = [
            AuditEvent(user_id, action, f.id, f.filename, source, dict(detail or {})) for f in files
        ]
        for e in events:
            log.info(
                "audit user=%s action=%s file=%s source=%s",
                e.user_id,
                e.action.value,
                e.file_id,
                e.source.value,
                extra={  # the same as fields, for JSON logs (LOG_JSON=true)
                    "audit_user_id": e.user_id,
                    "audit_action": e.action.value,
                    "audit_file_id": e.file_id,
                    "audit_source": e.source.value,
                },
            )
        try:
            self.store.record(events)
        except Exception:
            log.exception("could not write %d audit events", len(events))

    def entries(
        self, user: User, limit: int, offset: int, file_id: str | None = None
    ) -> tuple[list[AuditEntry], int]:
        return self.store.entries(user.id, max(1, min(limit, MAX_PAGE)), max(0, offset), file_id)
