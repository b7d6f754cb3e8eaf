"""Share links: a random token the owner of a file hands to anyone, for one file.

Only a hash of the token is kept, so the database (or a backup of it) cannot open a share;
the token is shown once, when the link is made. 32 random bytes (256 bits) leave nothing to
guess, so an unknown, revoked or expired token can all answer the same 404.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

TOKEN_BYTES = 32
#: Characters of the token kept in clear, so the owner can tell their links apart.
PREFIX_CHARS = 6
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(f"drive2-share:{token}".encode()).hexdigest()


def plausible_token(token: str) -> bool:
    """A cheap shape check before any database look-up."""
    return bool(_TOKEN.match(token))


@dataclass(frozen=True)
class ShareLink:
    id: str
    file_id: str
    user_id: str
    token_prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    download_count: int = 0
    last_downloaded_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
