"""Register, sign in, and turn a bearer token back into a user."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from drive2.config import Settings
from drive2.domain.errors import AuthenticationError, InvalidInputError
from drive2.domain.models import User
from drive2.ports.repository import UserRepository
from drive2.services.login_throttle import LoginThrottle

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
ALGORITHM = "HS256"
T = TypeVar("T")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


class AuthService:
    def __init__(
        self, users: UserRepository, settings: Settings, throttle: LoginThrottle | None = None
    ) -> None:
        self.users = users
        self.settings = settings
        self.throttle = throttle
        self.hasher = PasswordHasher()
        self._secret = settings.resolved_jwt_secret()
        # Verifying against a real hash when the email is unknown keeps both answers equally
        # slow, so timing does not tell which emails have accounts.
        self._dummy_hash = self.hasher.hash("drive2-timing-equaliser")

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    def checked_credentials(self, email: str, password: str) -> tuple[str, str]:
        """The normalised email and the password's hash, or InvalidInputError."""
        email = self.normalise_email(email)
        if len(email) > 320 or not _EMAIL.match(email):
            raise InvalidInputError("email is not a valid address")
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InvalidInputError(
                f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long"
            )
        return email, self.hasher.hash(password)

    def register(self, email: str, password: str, quota_bytes: int | None = None) -> User:
        email, password_hash = self.checked_credentials(email, password)
        quota = quota_bytes
        if quota is None:
            quota = self.settings.default_storage_quota_bytes
        return self.users.create_user(email, password_hash, quota)

    def authenticate(self, email: str, password: str) -> User:
        user = self.users.get_user_by_email(self.normalise_email(email))
        known = user.password_hash if user and user.password_hash else None
        try:
            self.hasher.verify(known or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            raise AuthenticationError("incorrect email or password") from None
        if user is None or known is None:
            raise AuthenticationError("incorrect email or password")
        return user

    def sign_in_external(self, attempt: Callable[[], T], address: str | None) -> T:
        """A sign-in someone else vouches for (LINE Login, LIFF): `attempt` checks the proof
        and returns the account, or raises AuthenticationError. Failures count against the
        client address in the same throttle as wrong passwords, so forged states and tokens
        cannot be tried without limit."""
        key = f"external-sign-in@{address or 'unknown'}"
        if self.throttle is not None:
            self.throttle.check(key, address)
        try:
            return attempt()
        except AuthenticationError:
            if self.throttle is not None:
                self.throttle.failed(key, address)
            raise

    def issue_token(self, user: User) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": user.id,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=self.settings.jwt_expire_minutes)).timestamp()),
            "typ": "access",
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def login(self, email: str, password: str) -> str:
        return self.issue_token(self.authenticate(email, password))

    def user_from_token(self, token: str) -> User:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "sub", "iat"]},
            )
        except jwt.PyJWTError:
            raise AuthenticationError("invalid or expired token") from None
        if claims.get("typ") != "access":
            raise AuthenticationError("invalid or expired token")
        user = self.users.get_user(str(claims["sub"]))
        if user is None:
            raise AuthenticationError("invalid or expired token")
        return user
