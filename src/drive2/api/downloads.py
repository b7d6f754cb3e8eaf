"""Headers that make a download safe: always an attachment, never sniffed, a safe name."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Response

_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._ ()-]")


# Types a browser would render or run (markup, script, SVG with script inside) are served as
# bytes: with attachment and nosniff a browser should not render them anyway, but a type that
# says "HTML" is one mistake away from stored cross-site scripting.
_ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "text/ecmascript",
        "application/x-javascript",
        "text/css",
        "multipart/x-mixed-replace",
    }
)


def download_media_type(content_type: str) -> str:
    """The Content-Type a download is served with: the sniffed type, unless it is missing,
    malformed or one a browser would execute."""
    base = content_type.split(";", 1)[0].strip().lower()
    if "/" not in base or base in _ACTIVE_TYPES or base.endswith(("+xml", "+html")):
        return "application/octet-stream"
    return base


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


#: Types a browser may show in the page instead of saving (the web app's PDF viewer).
INLINE_TYPES = frozenset({"application/pdf"})


def inline_headers(filename: str, media_type: str) -> dict[str, str] | None:
    """Headers to show the bytes in the browser's own viewer, for the types in INLINE_TYPES
    only (None for any other). The CSP keeps the document from loading or running anything
    and lets only Drive2's own pages frame it."""
    if media_type not in INLINE_TYPES:
        return None
    disposition = content_disposition(filename).replace("attachment;", "inline;", 1)
    return {
        **safe_headers(filename),
        "Content-Disposition": disposition,
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
        "X-Frame-Options": "SAMEORIGIN",
    }


def head_response(status: int, media_type: str, headers: dict[str, str]) -> Response:
    """What GET would answer, without the body (and without opening the object)."""
    response = Response(status_code=status, media_type=media_type, headers=headers)
    # The declared Content-Length is the GET body's; Response must not replace it with 0.
    response.headers["Content-Length"] = headers["Content-Length"]
    return response
