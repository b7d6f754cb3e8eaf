"""Who may create an account over HTTP, how often, and an answer that tells nobody which
addresses already have one.

REGISTRATION=open lets anyone register, `closed` nobody (operators still create users with
`drive2 user create`), `invite` the holder of a single-use code from `drive2 invite create`.
Each client address may try REGISTRATION_MAX_PER_IP times per REGISTRATION_WINDOW_SECONDS
(counted in this process, like the login throttle). A taken address answers exactly like a
new one — 201 with an id and the address — and the password is hashed either way, so
neither the body nor the timing says the account exists.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from drive2.config import Settings
from drive2.domain.emails import checked_email
from drive2.domain.errors import EmailTakenError, NotAllowedError, TooManyAttemptsError
from drive2.ports.invites import InviteStore
from drive2.services.auth import AuthService
from drive2.services.login_throttle import SlidingWindowCounter

INVITE_BYTES = 16  # 128 random bits: a fast hash is enough to store them


class RegistrationClosedError(NotAllowedError):
    """This server does not take registrations (or not without a valid invite)."""


@dataclass(frozen=True)
class Registered:
    """What the client is told: the same shape whether the account is new or not."""

    id: str
    email: str


@dataclass(frozen=True)
class Invite:
    code: str
    expires_at: datetime


def invite_hash(code: str) -> str:
    return hashlib.sha256(f"drive2-invite:{code.strip()}".encode()).hexdigest()


class RegistrationService:
    def __init__(self, auth: AuthService, invites: InviteStore, settings: Settings) -> None:
        self.auth = auth
        self.invites = invites
        self.settings = settings
        self.attempts = SlidingWindowCounter(settings.registration_window_seconds)

    def register(
        self, email: str, password: str, client_address: str | None, invite_code: str | None
    ) -> Registered:
        mode = self.settings.registration
        if mode == "closed":
            raise RegistrationClosedError("registration is closed on this server")
        self._count_attempt(client_address)
        address = checked_email(email)
        self.auth.check_password(password)
        # The invite is used up even when the address turns out to be taken: keeping it
        # would answer differently for taken addresses.
        if mode == "invite" and not (
            invite_code and self.invites.use_invite(invite_hash(invite_code), datetime.now(UTC))
        ):
            raise RegistrationClosedError("a valid invite code is required to register")
        try:
            # Hashes the password whether or not the address is taken: equal timing.
            user = self.auth.register(address, password)
        except EmailTakenError:
            # A fresh random id, as a new account would get: nothing to tell them apart.
            return Registered(id=str(uuid.uuid4()), email=address)
        return Registered(id=user.id, email=address)

    def _count_attempt(self, client_address: str | None) -> None:
        key = "register:" + (client_address or "unknown")
        wait = self.attempts.wait_seconds(key, self.settings.registration_max_per_ip)
        if wait > 0:
            raise TooManyAttemptsError(
                max(1, math.ceil(wait)), "too many registrations from this address; try later"
            )
        self.attempts.add(key)

    def create_invite(self, valid_days: float, note: str | None = None) -> Invite:
        """A new single-use code (shown once; only its hash is stored)."""
        code = secrets.token_urlsafe(INVITE_BYTES)
        expires = datetime.now(UTC) + timedelta(days=valid_days)
        self.invites.add_invite(invite_hash(code), expires, note)
        return Invite(code=code, expires_at=expires)
