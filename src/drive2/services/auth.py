"""Create accounts, sign in, turn a token back into a user, and sign out.

Every way to sign in (the API's /auth/login, the web app's /auth/session, and any route
added later) goes through `sign_in`, so the login throttle counts them all together.
Tokens carry the user's token version; signing out raises the version in the database, so
every token issued before it (bearer tokens and session cookies alike) stops working.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from drive2.config import Settings
from drive2.domain.emails import checked_email, normalise_email
from drive2.domain.errors import AuthenticationError, InvalidInputError
from drive2.domain.models import User
from drive2.ports.repository import UserRepository
from drive2.services.login_throttle import LoginThrottle

ALGORITHM = "HS256"
T = TypeVar("T")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
_INVALID = "invalid or expired token"


class AuthService:
    def __init__(
        self, users: UserRepository, settings: Settings, throttle: LoginThrottle | None = None
    ) -> None:
        self.users = users
        self.settings = settings
        self.throttle = throttle or LoginThrottle(
            settings.login_max_failures,
            settings.login_max_failures_per_ip,
            settings.login_window_seconds,
        )
        self.hasher = PasswordHasher()
        self._secret = settings.resolved_jwt_secret()
        # Verifying against a real hash when the email is unknown keeps both answers equally
        # slow, so timing does not tell which emails have accounts.
        self._dummy_hash = self.hasher.hash("drive2-timing-equaliser")

    normalise_email = staticmethod(normalise_email)

    @staticmethod
    def check_password(password: str) -> None:
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InvalidInputError(
                f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long"
            )

    def hash_password(self, password: str) -> str:
        self.check_password(password)
        return self.hasher.hash(password)

    def checked_credentials(self, email: str, password: str) -> tuple[str, str]:
        """The normalised, checked email and the password's hash (InvalidInputError else):
        for an account made with LINE adding an email and password."""
        return checked_email(email), self.hash_password(password)

    def register(self, email: str, password: str, quota_bytes: int | None = None) -> User:
        """Create an account (the CLI, and the registration service once it has decided the
        request may). EmailTakenError when the address has one already."""
        address = checked_email(email)
        password_hash = self.hash_password(password)
        quota = quota_bytes
        if quota is None:
            quota = self.settings.default_storage_quota_bytes
        return self.users.create_user(address, password_hash, quota)

    def sign_in(self, email: str, password: str, client_address: str | None) -> User:
        """The one door: throttled per email and per client address (429 before the
        password is even checked once over the limit)."""
        self.throttle.check(email, client_address)
        try:
            user = self._verify(email, password)
        except AuthenticationError:
            self.throttle.failed(email, client_address)
            raise
        self.throttle.succeeded(email)
        return user

    def sign_in_external(self, attempt: Callable[[], T], address: str | None) -> T:
        """A sign-in someone else vouches for (LINE Login, LIFF): `attempt` checks the proof
        and returns the account, or raises AuthenticationError. Failures count against the
        client address in the same throttle as wrong passwords, so forged states and tokens
        cannot be tried without limit."""
        key = f"external-sign-in@{address or 'unknown'}"
        self.throttle.check(key, address)
        try:
            return attempt()
        except AuthenticationError:
            self.throttle.failed(key, address)
            raise

    def _verify(self, email: str, password: str) -> User:
        user = self.users.get_user_by_email(normalise_email(email))
        # An account made with LINE has no password: checked against the dummy all the same,
        # so the answer takes as long as for any other.
        known = user.password_hash if user and user.password_hash else None
        try:
            self.hasher.verify(known or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            raise AuthenticationError("incorrect email or password") from None
        if user is None or known is None:
            raise AuthenticationError("incorrect email or password")
        return user

    def issue_token(self, user: User) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": user.id,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=self.settings.jwt_expire_minutes)).timestamp()),
            "typ": "access",
            "ver": user.token_version,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def login(self, email: str, password: str, client_address: str | None) -> str:
        return self.issue_token(self.sign_in(email, password, client_address))

    def user_from_token(self, token: str) -> User:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "sub", "iat"]},
            )
        except jwt.PyJWTError:
            raise AuthenticationError(_INVALID) from None
        if claims.get("typ") != "access":
            raise AuthenticationError(_INVALID)
        user = self.users.get_user(str(claims["sub"]))
        # Tokens from before versions existed carry none: they count as version 0.
        if user is None or claims.get("ver", 0) != user.token_version:
            raise AuthenticationError(_INVALID)
        return user

    def sign_out(self, token: str | None) -> None:
        """Revoke every token of the token's user (sign-out signs out everywhere). A missing
        or already invalid token is not an error: the caller is signed out either way."""
        if not token:
            return
        try:
            user = self.user_from_token(token)
        except AuthenticationError:
            return
        self.users.revoke_tokens(user.id)
