"""SQL implementation of the NotificationStore port (SQLite and PostgreSQL).

Every decision that must happen once is a single conditional UPDATE or a unique insert, so
two workers (or a task delivered twice) can race without sending twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from drive2.adapters.db.tables import (
    FileRow,
    LineLinkCodeRow,
    LineWebhookEventRow,
    NotificationRow,
    QuotaAlertStateRow,
    UserRow,
    utcnow,
)
from drive2.domain.models import FileStatus
from drive2.ports.notification_store import (
    DayActivity,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
)

_OPEN = (OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _entry(row: NotificationRow) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        idempotency_key=row.idempotency_key,
        user_id=row.user_id,
        file_id=row.file_id,
        kind=OutboxKind(row.kind),
        status=OutboxStatus(row.status),
        batch_key=row.batch_key,
        attempts=row.attempts,
        payload=dict(row.payload or {}),
        last_error=row.last_error,
    )


class SqlNotificationStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # --- outbox --------------------------------------------------------------------------
    def add_entry(
        self,
        key: str,
        user_id: str,
        kind: OutboxKind,
        file_id: str | None = None,
        payload: dict[str, Any] | None = None,
        grouped: bool = False,
    ) -> bool:
        now = utcnow()
        row = NotificationRow(
            idempotency_key=key,
            user_id=user_id,
            file_id=file_id,
            kind=kind.value,
            payload=payload or {},
            status=(OutboxStatus.PENDING if grouped else OutboxStatus.QUEUED).value,
            batch_key=None if grouped else str(uuid.uuid4()),
            attempts=0,
            next_attempt_at=None,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._session() as s:
                s.add(row)
        except IntegrityError:
            return False
        return True

    def entry(self, key: str) -> OutboxEntry | None:
        with self._session() as s:
            row = s.scalar(select(NotificationRow).where(NotificationRow.idempotency_key == key))
            return _entry(row) if row else None

    def group_pending(self, user_id: str, kind: OutboxKind, limit: int) -> str | None:
        batch_key = str(uuid.uuid4())
        with self._session() as s:
            ids = list(
                s.scalars(
                    select(NotificationRow.id)
                    .where(
                        NotificationRow.user_id == user_id,
                        NotificationRow.kind == kind.value,
                        NotificationRow.status == OutboxStatus.PENDING.value,
                    )
                    .order_by(NotificationRow.id)
                    .limit(limit)
                )
            )
            if not ids:
                return None
            done = s.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.id.in_(ids),
                    NotificationRow.status == OutboxStatus.PENDING.value,
                )
                .values(status=OutboxStatus.QUEUED.value, batch_key=batch_key, updated_at=utcnow())
            )
            return batch_key if _rowcount(done) else None

    def lease_batch(self, batch_key: str, lease_seconds: float) -> list[OutboxEntry]:
        now = utcnow()
        # A second of slack: Celery's countdown and our due time are taken a moment apart.
        due = now + timedelta(seconds=1)
        with self._session() as s:
            taken = s.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.batch_key == batch_key,
                    or_(
                        and_(
                            NotificationRow.status == OutboxStatus.QUEUED.value,
                            or_(
                                NotificationRow.next_attempt_at.is_(None),
                                NotificationRow.next_attempt_at <= due,
                            ),
                        ),
                        # A holder that died: its lease ran out.
                        and_(
                            NotificationRow.status == OutboxStatus.SENDING.value,
                            NotificationRow.next_attempt_at < now,
                        ),
                    ),
                )
                .values(
                    status=OutboxStatus.SENDING.value,
                    next_attempt_at=now + timedelta(seconds=lease_seconds),
                    updated_at=now,
                )
            )
            if not _rowcount(taken):
                return []
            rows = s.scalars(
                select(NotificationRow)
                .where(
                    NotificationRow.batch_key == batch_key,
                    NotificationRow.status == OutboxStatus.SENDING.value,
                )
                .order_by(NotificationRow.id)
            )
            return [_entry(r) for r in rows]

    def open_batches(self, user_id: str, kind: OutboxKind) -> list[str]:
        with self._session() as s:
            keys = s.scalars(
                select(NotificationRow.batch_key)
                .where(
                    NotificationRow.user_id == user_id,
                    NotificationRow.kind == kind.value,
                    NotificationRow.status.in_(_OPEN),
                    NotificationRow.batch_key.is_not(None),
                )
                .order_by(NotificationRow.id)
            )
            return list(dict.fromkeys(k for k in keys if k))

    def finish_batch(self, batch_key: str, status: OutboxStatus, error: str | None) -> None:
        now = utcnow()
        with self._session() as s:
            s.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.batch_key == batch_key,
                    NotificationRow.status.in_(_OPEN),
                )
                .values(
                    status=status.value,
                    last_error=error[:2000] if error else None,
                    sent_at=now if status == OutboxStatus.SENT else None,
                    next_attempt_at=None,
                    updated_at=now,
                )
            )

    def postpone_batch(self, batch_key: str, delay_seconds: float, error: str) -> int:
        now = utcnow()
        with self._session() as s:
            s.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.batch_key == batch_key,
                    NotificationRow.status.in_(_OPEN),
                )
                .values(
                    status=OutboxStatus.QUEUED.value,
                    attempts=NotificationRow.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=delay_seconds),
                    last_error=error[:2000],
                    updated_at=now,
                )
            )
            attempts = s.scalar(
                select(func.max(NotificationRow.attempts)).where(
                    NotificationRow.batch_key == batch_key
                )
            )
            return int(attempts or 0)

    def batches_due(self, overdue_before: datetime) -> list[OutboxEntry]:
        with self._session() as s:
            rows = list(
                s.scalars(
                    select(NotificationRow)
                    .where(
                        or_(
                            and_(
                                NotificationRow.status.in_(_OPEN),
                                or_(
                                    NotificationRow.next_attempt_at < overdue_before,
                                    and_(
                                        NotificationRow.next_attempt_at.is_(None),
                                        NotificationRow.updated_at < overdue_before,
                                    ),
                                ),
                            ),
                            and_(
                                NotificationRow.status == OutboxStatus.PENDING.value,
                                NotificationRow.created_at < overdue_before,
                            ),
                        )
                    )
                    .order_by(NotificationRow.id)
                    .limit(1000)
                )
            )
        seen: set[str] = set()
        out = []
        for row in rows:
            group = row.batch_key or f"pending:{row.user_id}:{row.kind}"
            if group not in seen:
                seen.add(group)
                out.append(_entry(row))
        return out

    # --- account links and webhook events -------------------------------------------------
    def add_link_code(self, code_hash: str, user_id: str, expires_at: datetime) -> None:
        with self._session() as s:
            s.add(
                LineLinkCodeRow(
                    code_hash=code_hash, user_id=user_id, expires_at=expires_at, created_at=utcnow()
                )
            )

    def use_link_code(self, code_hash: str, now: datetime) -> str | None:
        with self._session() as s:
            done = s.execute(
                update(LineLinkCodeRow)
                .where(
                    LineLinkCodeRow.code_hash == code_hash,
                    LineLinkCodeRow.used_at.is_(None),
                    LineLinkCodeRow.expires_at > now,
                )
                .values(used_at=now)
            )
            if not _rowcount(done):
                return None
            return s.scalar(
                select(LineLinkCodeRow.user_id).where(LineLinkCodeRow.code_hash == code_hash)
            )

    def link_line_user(self, user_id: str, line_user_id: str) -> None:
        with self._session() as s:
            s.execute(
                update(UserRow)
                .where(UserRow.line_user_id == line_user_id, UserRow.id != user_id)
                .values(line_user_id=None)
            )
            s.execute(
                update(UserRow)
                .where(UserRow.id == user_id)
                .values(line_user_id=line_user_id, line_bot_blocked=False)
            )

    def set_line_bot_blocked(self, line_user_id: str, blocked: bool) -> None:
        with self._session() as s:
            s.execute(
                update(UserRow)
                .where(UserRow.line_user_id == line_user_id)
                .values(line_bot_blocked=blocked)
            )

    def user_id_for_line_user(self, line_user_id: str) -> str | None:
        with self._session() as s:
            return s.scalar(select(UserRow.id).where(UserRow.line_user_id == line_user_id).limit(1))

    def linked_user_ids(self) -> list[str]:
        with self._session() as s:
            return list(
                s.scalars(
                    select(UserRow.id)
                    .where(UserRow.line_user_id.is_not(None), UserRow.line_bot_blocked.is_(False))
                    .order_by(UserRow.id)
                )
            )

    def remember_event(self, event_id: str) -> bool:
        try:
            with self._session() as s:
                s.add(LineWebhookEventRow(event_id=event_id[:64], received_at=utcnow()))
        except IntegrityError:
            return False
        return True

    def forget_events_before(self, when: datetime) -> int:
        with self._session() as s:
            done = s.execute(
                delete(LineWebhookEventRow).where(LineWebhookEventRow.received_at < when)
            )
            return _rowcount(done)

    # --- quota alerts and the daily summary ---------------------------------------------------
    def _ensure_quota_state(self, user_id: str) -> None:
        with self._session() as s:
            if s.get(QuotaAlertStateRow, user_id) is not None:
                return
        try:
            with self._session() as s:
                s.add(
                    QuotaAlertStateRow(user_id=user_id, level=0, crossings=0, updated_at=utcnow())
                )
        except IntegrityError:
            pass  # another upload made it first

    def raise_quota_level(self, user_id: str, level: int, payload: dict[str, Any]) -> str | None:
        self._ensure_quota_state(user_id)
        now = utcnow()
        with self._session() as s:
            state = QuotaAlertStateRow
            lowered = s.execute(
                update(state)
                .where(state.user_id == user_id, state.level > level)
                .values(level=level, updated_at=now)
            )
            if _rowcount(lowered):
                return None
            raised = s.execute(
                update(state)
                .where(state.user_id == user_id, state.level < level)
                .values(level=level, crossings=state.crossings + 1, updated_at=now)
            )
            if not _rowcount(raised):
                return None
            crossings = s.scalar(select(state.crossings).where(state.user_id == user_id))
            key = f"user:{user_id}:quota:{level}:{crossings}"
            s.add(
                NotificationRow(
                    idempotency_key=key,
                    user_id=user_id,
                    file_id=None,
                    kind=OutboxKind.QUOTA.value,
                    payload={**payload, "threshold": level},
                    status=OutboxStatus.QUEUED.value,
                    batch_key=str(uuid.uuid4()),
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            return key

    def quota_level(self, user_id: str) -> tuple[int, int]:
        with self._session() as s:
            row = s.get(QuotaAlertStateRow, user_id)
            return (row.level, row.crossings) if row else (0, 0)

    def day_activity(self, user_id: str, start: datetime, end: datetime) -> DayActivity:
        with self._session() as s:
            uploaded = s.scalar(
                select(func.count()).where(
                    FileRow.user_id == user_id,
                    FileRow.trashed_at.is_(None),  # trashed files leave the summary
                    FileRow.uploaded_at >= start,
                    FileRow.uploaded_at < end,
                )
            )
            finished = dict(
                s.execute(
                    select(FileRow.status, func.count())
                    .where(
                        FileRow.user_id == user_id,
                        FileRow.trashed_at.is_(None),
                        FileRow.processed_at >= start,
                        FileRow.processed_at < end,
                        FileRow.status.in_([FileStatus.COMPLETED.value, FileStatus.FAILED.value]),
                    )
                    .group_by(FileRow.status)
                ).all()
            )
        return DayActivity(
            uploaded=int(uploaded or 0),
            completed=int(finished.get(FileStatus.COMPLETED.value, 0)),
            failed=int(finished.get(FileStatus.FAILED.value, 0)),
        )
