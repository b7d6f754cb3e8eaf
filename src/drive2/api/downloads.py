"""Headers that make a download safe: always an attachment, never sniffed, a safe name."""

from __future__ import annotations

import re
from urllib.parse import quote

_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._ ()-]")


def content_disposition(filename: str) -> str:
    fallback = _ASCII_SAFE.sub("_", filename).strip() or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def safe_headers(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": content_disposition(filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, no-store",
    }
