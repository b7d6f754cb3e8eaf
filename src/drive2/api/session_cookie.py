"""The web app's sign-in: the JWT in a cookie that scripts and other sites cannot use.

HttpOnly keeps it out of reach of scripts (an injected one cannot steal it), SameSite=Strict
keeps browsers from sending it with requests other sites start, and Secure keeps it off
plain HTTP when the app is served over HTTPS. A request that changes something and is
signed in by the cookie must also carry the X-Drive2-CSRF header: a form on another site
cannot add a header, and a script there cannot either without a CORS preflight Drive2 never
answers. API clients keep sending `Authorization: Bearer`, which needs none of this.
"""

from __future__ import annotations

from fastapi import Request, Response

from drive2.config import Settings

COOKIE_NAME = "drive2_session"
CSRF_HEADER = "X-Drive2-CSRF"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_https(request: Request, settings: Settings) -> bool:
    public = (settings.public_url or "").lower()
    return request.url.scheme == "https" or public.startswith("https://")


def set_session_cookie(
    response: Response, token: str, request: Request, settings: Settings
) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=settings.jwt_expire_minutes * 60,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request, settings),
    )


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE_NAME,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request, settings),
    )


def has_csrf_header(request: Request) -> bool:
    return request.headers.get(CSRF_HEADER, "") == "1"


def csrf_ok(request: Request) -> bool:
    """Whether a cookie-signed request may go on: reads always, changes with the header."""
    return request.method.upper() in SAFE_METHODS or has_csrf_header(request)
