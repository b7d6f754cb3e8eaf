"""Pure pieces of an OAuth 2.0 / OpenID Connect sign-in: PKCE (RFC 7636), random values,
and the return path a sign-in may send the browser back to."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlsplit

#: RFC 7636 allows 43 to 128 characters; 64 random bytes give 86.
VERIFIER_BYTES = 64
MAX_RETURN_PATH = 2000


def random_token(n_bytes: int = 32) -> str:
    """An unguessable URL-safe value (state, nonce)."""
    return secrets.token_urlsafe(n_bytes)


def code_verifier() -> str:
    return secrets.token_urlsafe(VERIFIER_BYTES)


def code_challenge_s256(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding: the S256 method of RFC 7636."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def safe_return_path(candidate: str | None, default: str = "/") -> str:
    """`candidate` when it is a path on this site ("/", "/#/files/…"), else `default`.

    A sign-in sends the browser wherever this says, so anything that could leave the site
    is refused: absolute URLs, scheme-relative `//host`, backslashes (`/\\host`, which
    browsers read as `//host`), control characters and whitespace.
    """
    if not candidate or len(candidate) > MAX_RETURN_PATH:
        return default
    if not candidate.startswith("/") or candidate.startswith("//"):
        return default
    if "\\" in candidate or any(ord(c) < 0x21 or ord(c) == 0x7F for c in candidate):
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return default
    return candidate
