"""Invite codes in the database: one compare-and-set UPDATE uses a code exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, update
from sqlalchemy.orm import sessionmaker

from drive2.adapters.db.tables import InviteRow, utcnow


class SqlInviteStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def add_invite(self, code_hash: str, expires_at: datetime, note: str | None) -> None:
        with self._sessions() as s, s.begin():
            s.add(
                InviteRow(
                    code_hash=code_hash, created_at=utcnow(), expires_at=expires_at, note=note
                )
            )

    def use_invite(self, code_hash: str, now: datetime) -> bool:
        with self._sessions() as s, s.begin():
            result = s.execute(
                update(InviteRow)
                .where(
                    InviteRow.code_hash == code_hash,
                    InviteRow.used_at.is_(None),
                    InviteRow.expires_at > now,
                )
                .values(used_at=now)
            )
            return bool(getattr(result, "rowcount", 0))
