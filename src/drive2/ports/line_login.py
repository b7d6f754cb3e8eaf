"""LINE Login v2.1, seen by the sign-in service: the code exchange and the ID-token check.

LINE's verify endpoint checks the token's signature, expiry, audience (the channel id) and
nonce on LINE's side, so Drive2 needs no key material beyond the channel secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class LineLoginError(Exception):
    """LINE refused the request (a used or unknown code, an invalid or expired ID token)."""

    def __init__(self, message: str, error: str | None = None) -> None:
        super().__init__(message)
        self.error = error


class LineLoginUnavailableError(LineLoginError):
    """LINE did not answer, or answered with a server error: trying again later may work."""


@dataclass(frozen=True)
class LineIdClaims:
    """What the verify endpoint answers about a valid ID token."""

    iss: str
    sub: str
    aud: str
    exp: int
    iat: int
    nonce: str | None = None
    name: str | None = None
    picture: str | None = None
    amr: list[str] = field(default_factory=list)


class LineLoginApi(Protocol):
    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> str:
        """The ID token for an authorization code (used up by this call). Raises
        LineLoginError."""
        ...

    def verify_id_token(self, id_token: str, nonce: str | None) -> LineIdClaims:
        """The token's claims, checked by LINE for this channel (and this nonce, when given).
        Raises LineLoginError."""
        ...

    def close(self) -> None: ...
