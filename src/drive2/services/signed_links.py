"""Expiring links to one file's thumbnail, preview or original, for people and servers without a
bearer token: LINE's servers fetch a hero image themselves, and a phone opens "Open file" in
its browser. The signature is an HMAC of (purpose, file id, expiry) with the JWT secret, so a
link works for one file and one purpose until it expires, and every API machine can check it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import urlencode

PURPOSES = ("thumbnail", "preview", "download")


def _mac(secret: str, purpose: str, file_id: str, expires: int) -> str:
    message = f"drive2-link:{purpose}:{file_id}:{expires}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signed_path(
    secret: str, purpose: str, file_id: str, ttl_seconds: int, now: float | None = None
) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    expires = int((time.time() if now is None else now) + ttl_seconds)
    query = urlencode({"exp": expires, "sig": _mac(secret, purpose, file_id, expires)})
    return f"/api/v1/line/files/{file_id}/{purpose}?{query}"


def link_is_valid(
    secret: str, purpose: str, file_id: str, expires: int, signature: str, now: float | None = None
) -> bool:
    if purpose not in PURPOSES or expires < (time.time() if now is None else now):
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters, which anyone can send.
    expected = _mac(secret, purpose, file_id, expires).encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "surrogateescape"))
