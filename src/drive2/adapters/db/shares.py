"""SQL implementation of the ShareStore port (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from drive2.adapters.db.tables import ShareLinkRow
from drive2.domain.shares import ShareLink


def _share(row: ShareLinkRow) -> ShareLink:
    return ShareLink(
        id=row.id,
        file_id=row.file_id,
        user_id=row.user_id,
        token_prefix=row.token_prefix,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        download_count=row.download_count,
        last_downloaded_at=row.last_downloaded_at,
    )


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class SqlShareStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def add_share(self, share: ShareLink, token_hash: str) -> None:
        with self._session() as s:
            s.add(
                ShareLinkRow(
                    id=share.id,
                    file_id=share.file_id,
                    user_id=share.user_id,
                    token_hash=token_hash,
                    token_prefix=share.token_prefix,
                    created_at=share.created_at,
                    expires_at=share.expires_at,
                    revoked_at=None,
                    download_count=0,
                )
            )

    def get_share(self, share_id: str) -> ShareLink | None:
        with self._session() as s:
            row = s.get(ShareLinkRow, share_id)
            return _share(row) if row else None

    def share_by_token_hash(self, token_hash: str) -> ShareLink | None:
        with self._session() as s:
            row = s.scalar(select(ShareLinkRow).where(ShareLinkRow.token_hash == token_hash))
            return _share(row) if row else None

    def shares_of_file(self, file_id: str) -> list[ShareLink]:
        with self._session() as s:
            rows = s.scalars(
                select(ShareLinkRow)
                .where(ShareLinkRow.file_id == file_id, ShareLinkRow.revoked_at.is_(None))
                .order_by(ShareLinkRow.created_at.desc(), ShareLinkRow.id)
            )
            return [_share(r) for r in rows]

    def count_open_shares(self, file_id: str, now: datetime) -> int:
        with self._session() as s:
            found = s.scalar(
                select(func.count()).where(
                    ShareLinkRow.file_id == file_id,
                    ShareLinkRow.revoked_at.is_(None),
                    or_(ShareLinkRow.expires_at.is_(None), ShareLinkRow.expires_at > now),
                )
            )
            return int(found or 0)

    def revoke_share(self, share_id: str, when: datetime) -> bool:
        with self._session() as s:
            result = s.execute(
                update(ShareLinkRow)
                .where(ShareLinkRow.id == share_id, ShareLinkRow.revoked_at.is_(None))
                .values(revoked_at=when)
            )
            return bool(_rowcount(result))

    def note_share_download(self, share_id: str, when: datetime) -> None:
        with self._session() as s:
            s.execute(
                update(ShareLinkRow)
                .where(ShareLinkRow.id == share_id)
                .values(download_count=ShareLinkRow.download_count + 1, last_downloaded_at=when)
            )
