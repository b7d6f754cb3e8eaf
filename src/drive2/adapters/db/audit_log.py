"""SQL implementation of the AuditLog port: the audit_events table."""

from __future__ import annotations

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from drive2.adapters.db.tables import AuditEventRow, utcnow
from drive2.domain.audit import AuditAction, AuditEntry, AuditEvent, AuditSource

#: Long names are cut to the column's size rather than refused: the record matters more.
_NAME_CHARS = 512


class SqlAuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, events: list[AuditEvent]) -> None:
        if not events:
            return
        now = utcnow()
        rows = [
            {
                "user_id": e.user_id,
                "file_id": e.file_id,
                "filename": e.filename[:_NAME_CHARS] if e.filename else None,
                "action": e.action.value,
                "source": e.source.value,
                "detail": dict(e.detail),
                "at": now,
            }
            for e in events
        ]
        with Session(self.engine) as s, s.begin():
            s.execute(insert(AuditEventRow), rows)

    def entries(
        self, user_id: str, limit: int, offset: int, file_id: str | None = None
    ) -> tuple[list[AuditEntry], int]:
        query = select(AuditEventRow).where(AuditEventRow.user_id == user_id)
        if file_id is not None:
            query = query.where(AuditEventRow.file_id == file_id)
        with Session(self.engine) as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.scalars(
                query.order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [
                AuditEntry(
                    id=r.id,
                    at=r.at,
                    event=AuditEvent(
                        user_id=r.user_id,
                        action=AuditAction(r.action),
                        file_id=r.file_id,
                        filename=r.filename,
                        source=AuditSource(r.source),
                        detail=dict(r.detail or {}),
                    ),
                )
                for r in rows
            ], int(total)
