"""Accounts by LINE user id (unique in `users`), and the credentials added to them later."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from drive2.adapters.db.repository import _user
from drive2.adapters.db.tables import UserRow, utcnow
from drive2.domain.errors import ConflictError, EmailTakenError, NotFoundError
from drive2.domain.models import User

#: LINE display names are at most 20 characters today; the column leaves room.
MAX_DISPLAY_NAME = 100


def _name(display_name: str | None) -> str | None:
    name = (display_name or "").strip()
    return name[:MAX_DISPLAY_NAME] or None


class SqlAccountStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def _get(self, s: Session, user_id: str) -> UserRow:
        row = s.get(UserRow, user_id)
        if row is None:
            raise NotFoundError("user not found")
        return row

    def user_by_line_id(self, line_user_id: str) -> User | None:
        with self._session() as s:
            row = s.scalar(select(UserRow).where(UserRow.line_user_id == line_user_id))
            return _user(row) if row else None

    def create_line_user(self, line_user_id: str, display_name: str | None, quota: int) -> User:
        row = UserRow(
            id=str(uuid.uuid4()),
            email=None,
            password_hash=None,
            storage_quota_bytes=quota,
            line_user_id=line_user_id,
            display_name=_name(display_name),
            line_bot_blocked=False,
            created_at=utcnow(),
        )
        try:
            with self._session() as s:
                s.add(row)
        except IntegrityError:
            # The unique line_user_id: a second tab signing in at the same moment made it.
            existing = self.user_by_line_id(line_user_id)
            if existing is None:
                raise
            return existing
        return _user(row)

    def link_line(self, user_id: str, line_user_id: str, display_name: str | None) -> User:
        try:
            with self._session() as s:
                holder = s.scalar(select(UserRow.id).where(UserRow.line_user_id == line_user_id))
                if holder is not None and holder != user_id:
                    raise ConflictError(
                        "this LINE account already signs in to another Drive2 account"
                    )
                row = self._get(s, user_id)
                if row.line_user_id != line_user_id:
                    row.line_user_id = line_user_id
                    row.line_bot_blocked = False
                row.display_name = _name(display_name) or row.display_name
                s.flush()
                return _user(row)
        except IntegrityError:
            raise ConflictError(
                "this LINE account already signs in to another Drive2 account"
            ) from None

    def unlink_line(self, user_id: str) -> User:
        with self._session() as s:
            row = self._get(s, user_id)
            row.line_user_id = None
            row.line_bot_blocked = False
            s.flush()
            return _user(row)

    def set_display_name(self, user_id: str, display_name: str | None) -> None:
        name = _name(display_name)
        if name is None:
            return
        with self._session() as s:
            s.execute(update(UserRow).where(UserRow.id == user_id).values(display_name=name))

    def add_email_password(self, user_id: str, email: str, password_hash: str) -> User:
        try:
            with self._session() as s:
                row = self._get(s, user_id)
                if row.password_hash:
                    raise ConflictError("this account has a password already")
                row.email = email
                row.password_hash = password_hash
                s.flush()
                return _user(row)
        except IntegrityError:
            raise EmailTakenError(f"an account with {email} already exists") from None
