"""The page a share link opens: the file's preview, name, size and a download button.

Built on the server from escaped text (no script at all), served with a policy that allows
only Drive2's own stylesheet and images, and with no Referer sent onwards, so the link's
token does not travel to other sites.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

SHARE_PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

SHARE_PAGE_HEADERS = {
    "Content-Security-Policy": SHARE_PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
}

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_size(n: int) -> str:
    """Binary units, as the web app shows them."""
    value = float(n)
    for unit in _UNITS:
        if value < 1024 or unit == _UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "B" or value >= 100 else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover - the loop always returns


_KINDS = [
    ("image/", "Photo"),
    ("video/", "Video"),
    ("audio/", "Audio"),
    ("application/pdf", "PDF"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml", "Word"),
    ("application/msword", "Word"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml", "Excel"),
    ("application/vnd.ms-excel", "Excel"),
    ("application/vnd.openxmlformats-officedocument.presentationml", "PowerPoint"),
    ("application/vnd.ms-powerpoint", "PowerPoint"),
    ("application/vnd.oasis.opendocument", "Document"),
    ("text/", "Text"),
    ("message/rfc822", "Email"),
]


def short_type(content_type: str) -> str:
    for prefix, label in _KINDS:
        if content_type.startswith(prefix):
            return label
    return "File"


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{escape(title)} · Drive2</title>"
        '<link rel="icon" href="/static/icon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/share.css"></head>'
        f'<body><main class="share">{body}</main></body></html>\n'
    )


_BRAND = '<p class="brand"><img src="/static/icon.svg" alt="" width="24" height="24"> Drive2</p>'


def share_page(
    token: str,
    filename: str,
    content_type: str,
    size_bytes: int,
    has_thumbnail: bool,
    expires_at: datetime | None,
    timezone: str,
) -> str:
    base = f"/s/{escape(token, quote=True)}"
    name = escape(filename)
    preview = (
        f'<figure class="share-preview"><img src="{base}/thumbnail" '
        f'alt="Preview of {escape(filename, quote=True)}"></figure>'
        if has_thumbnail
        else f'<p class="share-kind" aria-hidden="true">{escape(short_type(content_type))}</p>'
    )
    until = (
        "This link works until "
        + escape(expires_at.astimezone(ZoneInfo(timezone)).strftime("%d %B %Y, %H:%M"))
        + f" ({escape(timezone)} time)."
        if expires_at
        else "This link works until its owner revokes it."
    )
    facts = f"{short_type(content_type)} · {human_size(size_bytes)}"
    body = (
        f"{_BRAND}{preview}<h1>{name}</h1>"
        f'<p class="facts">{escape(facts)}</p>'
        f'<p><a class="button" href="{base}/download" download>Download</a></p>'
        f'<p class="hint">Shared with you through Drive2. {until}</p>'
    )
    return _page(filename, body)


def unavailable_page(message: str) -> str:
    return _page(
        "Link not available",
        f'{_BRAND}<h1>This link does not work</h1><p class="hint">{escape(message)}</p>',
    )
