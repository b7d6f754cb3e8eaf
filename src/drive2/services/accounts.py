"""Settings of the signed-in account: add an email and password to an account made with
LINE, and unlink LINE (the files stay; the account must keep a way to sign in)."""

from __future__ import annotations

from drive2.domain.errors import ConflictError
from drive2.domain.models import User
from drive2.ports.accounts import AccountStore
from drive2.services.auth import AuthService


class AccountService:
    def __init__(self, accounts: AccountStore, auth: AuthService) -> None:
        self.accounts = accounts
        self.auth = auth

    def add_email_password(self, user: User, email: str, password: str) -> User:
        if user.has_password:
            raise ConflictError("this account has a password already")
        email, password_hash = self.auth.checked_credentials(email, password)
        return self.accounts.add_email_password(user.id, email, password_hash)

    def unlink_line(self, user: User) -> User:
        """The account and its files stay; only the LINE account is let go (it can then sign
        in to an account of its own, or be linked to this one again)."""
        if not user.has_password:
            raise ConflictError(
                "add an email and password first: without LINE this account would have no "
                "way to sign in"
            )
        return self.accounts.unlink_line(user.id)
