"""Accounts beyond register and sign-in: found by their LINE account, made by signing in
with LINE, linked to and unlinked from LINE, and given an email and password later."""

from __future__ import annotations

from typing import Protocol

from drive2.domain.models import User


class AccountStore(Protocol):
    def user_by_line_id(self, line_user_id: str) -> User | None: ...

    def create_line_user(self, line_user_id: str, display_name: str | None, quota: int) -> User:
        """A new account for this LINE account, with no email or password; the existing one
        when another request made it first."""
        ...

    def link_line(self, user_id: str, line_user_id: str, display_name: str | None) -> User:
        """Make this LINE account the user's. Raises ConflictError when it belongs to
        another account."""
        ...

    def unlink_line(self, user_id: str) -> User: ...

    def set_display_name(self, user_id: str, display_name: str | None) -> None: ...

    def add_email_password(self, user_id: str, email: str, password_hash: str) -> User:
        """Give an account without a password its email and password. Raises
        EmailTakenError, or ConflictError when the account has a password already."""
        ...
