"""Serves the web app: the page at `/` and its files under `/static/`, with headers that
keep scripts to the app's own and keep other sites from framing it."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from drive2.config import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: What the LIFF SDK (served from /static/vendor/liff, never a CDN) talks to inside LINE:
#: LINE's API (ID-token keys, profile), its OpenID configuration and the SDK's own texts.
#: Scripts stay 'self' only; the SDK's optional extras from LINE's CDN are not loaded.
LIFF_CONNECT_SOURCES = (
    "https://api.line.me",
    "https://access.line.me",
    "https://liffsdk.line-scdn.net",
)


def content_security_policy(liff: bool = False) -> str:
    connect = "connect-src 'self'" + "".join(f" {s}" for s in LIFF_CONNECT_SOURCES if liff)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self'",
            "frame-src 'self'",  # the browser's PDF viewer, on a PDF served inline
            connect,
            "font-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def page_headers(liff: bool = False) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(liff),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


PAGE_HEADERS = page_headers()


def render_index(settings: Settings) -> str:
    """index.html with what the page must know before its first request: whether "Sign in
    with LINE" is offered, and the LIFF app's id (the SDK starts before the app routes)."""
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    login = "on" if settings.line_login_enabled else "off"
    liff_id = settings.liff_id if settings.liff_enabled else ""
    page = page.replace(
        '<meta name="drive2-line-login" content="off">',
        f'<meta name="drive2-line-login" content="{login}">',
    )
    return page.replace(
        '<meta name="drive2-liff-id" content="">',
        f'<meta name="drive2-liff-id" content="{html.escape(liff_id or "", quote=True)}">',
    )


class _StaticFiles(StaticFiles):
    def __init__(self, headers: dict[str, str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._headers = headers

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(self._headers)
        return response


def install_web_app(app: FastAPI, settings: Settings) -> None:
    headers = page_headers(liff=settings.liff_enabled)
    index_page = render_index(settings)

    async def index() -> HTMLResponse:
        return HTMLResponse(index_page, headers=headers)

    app.add_api_route("/", index, methods=["GET"], include_in_schema=False)
    app.mount("/static", _StaticFiles(headers, directory=STATIC_DIR), name="static")
