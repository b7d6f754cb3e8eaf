"""Register, sign in, and turn a bearer token back into a user."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from drive2.config import Settings
from drive2.domain.errors import AuthenticationError, InvalidInputError
from drive2.domain.models import User
from drive2.ports.repository import UserRepository

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
ALGORITHM = "HS256"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


class AuthService:
    def __init__(self, users: UserRepository, settings: Settings) -> None:
        self.users = users
        self.settings = settings
        self.hasher = PasswordHasher()
        self._secret = settings.resolved_jwt_secret()
        # Verifying against a real hash when the email is unknown keeps both answers equally
        # slow, so timing does not tell which emails have accounts.
        self._dummy_hash = self.hasher.hash("drive2-timing-equaliser")

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    def register(self, email: str, password: str, quota_bytes: int | None = None) -> User:
        email = self.normalise_email(email)
        if len(email) > 320 or not _EMAIL.match(email):
            raise InvalidInputError("email is not a valid address")
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InvalidInputError(
                f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long"
            )
        quota = quota_bytes
        if quota is None:
            quota = self.settings.default_storage_quota_bytes
        return self.users.create_user(email, self.hasher.hash(password), quota)

    def authenticate(self, email: str, password: str) -> User:
        user = self.users.get_user_by_email(self.normalise_email(email))
        try:
            self.hasher.verify(user.password_hash if user else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            raise AuthenticationError("incorrect email or password") from None
        if user is None:
            raise AuthenticationError("incorrect email or password")
        return user

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
