"""X-Line-Signature: base64 of HMAC-SHA256 over the raw request body, keyed with the channel
secret. Checked on the bytes as received, before anything parses them."""

from __future__ import annotations

import base64
import hashlib
import hmac


def line_signature(channel_secret: str, body: bytes) -> str:
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_is_valid(channel_secret: str | None, body: bytes, signature: str | None) -> bool:
    if not channel_secret or not signature:
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters, which anyone can send.
    expected = line_signature(channel_secret, body).encode()
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "surrogateescape"))
