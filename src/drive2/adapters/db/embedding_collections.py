"""The embedding_collections table (see ports/embedding_collections.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from drive2.adapters.db.tables import EmbeddingCollectionRow, FileRow
from drive2.domain.models import AiMetadata
from drive2.ports.embedding_collections import RETIRED, SERVING, CollectionState, FileToEmbed

Row = EmbeddingCollectionRow


def _state(row: Row) -> CollectionState:
    return CollectionState(
        model=row.model,
        dimension=row.dimension,
        state=row.state,
        files_total=row.files_total,
        files_done=row.files_done,
        cursor=row.cursor,
        started_at=row.started_at,
        completed_at=row.completed_at,
    )


class SqlEmbeddingCollections:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def all(self) -> list[CollectionState]:
        with self._session() as s:
            return [_state(r) for r in s.scalars(select(Row).order_by(Row.started_at))]

    def get(self, model: str) -> CollectionState | None:
        with self._session() as s:
            row = s.get(Row, model)
            return _state(row) if row else None

    def add(self, model: str, dimension: int, state: str, files_total: int) -> bool:
        try:
            with self._session() as s:
                s.add(
                    Row(
                        model=model,
                        dimension=dimension,
                        state=state,
                        files_total=files_total,
                        files_done=0,
                        completed_at=func.now() if state == SERVING else None,
                    )
                )
        except IntegrityError:
            return False  # another process recorded it first
        return True

    def claim(self, model: str, owner: str, until: datetime, now: datetime) -> bool:
        with self._session() as s:
            result = s.execute(
                update(Row)
                .where(
                    Row.model == model,
                    or_(Row.lease_until.is_(None), Row.lease_until < now, Row.lease_owner == owner),
                )
                .values(lease_owner=owner, lease_until=until)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def advance(self, model: str, owner: str, cursor: str, done: int, until: datetime) -> bool:
        with self._session() as s:
            result = s.execute(
                update(Row)
                .where(Row.model == model, Row.lease_owner == owner)
                .values(cursor=cursor, files_done=done, lease_until=until)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def promote(self, model: str, now: datetime) -> list[CollectionState]:
        with self._session() as s:
            s.execute(
                update(Row)
                .where(Row.model == model)
                .values(state=SERVING, completed_at=now, lease_owner=None, lease_until=None)
            )
            s.execute(update(Row).where(Row.model != model).values(state=RETIRED))
            return [_state(r) for r in s.scalars(select(Row).where(Row.model != model))]

    def remove(self, model: str) -> None:
        with self._session() as s:
            s.execute(delete(Row).where(Row.model == model))

    def _processed(self, user_id: str | None) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [
            FileRow.status == "completed",
            FileRow.text_content.is_not(None),
            FileRow.text_content != "",
        ]
        if user_id is not None:
            where.append(FileRow.user_id == user_id)
        return where

    def files_after(self, cursor: str | None, limit: int, user_id: str | None) -> list[FileToEmbed]:
        where = self._processed(user_id)
        if cursor is not None:
            where.append(FileRow.id > cursor)
        with self._session() as s:
            rows = s.execute(
                select(
                    FileRow.id,
                    FileRow.user_id,
                    FileRow.text_content,
                    FileRow.ai_json,
                    FileRow.metadata_json,
                )
                .where(and_(*where))
                .order_by(FileRow.id)
                .limit(limit)
            ).all()
        return [
            FileToEmbed(
                r[0],
                r[1],
                r[2] or "",
                ai=AiMetadata.from_dict(r[3]) if isinstance(r[3], dict) else None,
                metadata=r[4] if isinstance(r[4], dict) else {},
            )
            for r in rows
        ]

    def count_files(self, user_id: str | None) -> int:
        with self._session() as s:
            found = s.scalar(
                select(func.count()).select_from(FileRow).where(and_(*self._processed(user_id)))
            )
            return int(found or 0)
