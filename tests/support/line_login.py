"""Helpers for the LINE Login tests: Drive2's start, LINE's leg over real HTTP against
tests/support/fake_line_login.py, and Drive2's callback, as a browser goes through them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.api import HttpClient

START = "/api/v1/auth/line/start"
CALLBACK = "/api/v1/auth/line/callback"
FLOW_COOKIE = "drive2_line_login"
CSRF = {"X-Drive2-CSRF": "1"}


def start(client: HttpClient, next_path: str | None = None, link: bool = False) -> Any:
    params: dict[str, str] = {}
    if next_path is not None:
        params["next"] = next_path
    if link:
        params["link"] = "true"
    r = client.get(START, params=params, follow_redirects=False)
    assert r.status_code == 302, r.text
    return r


def authorize_query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def line_leg(location: str) -> str:
    """Visit LINE's authorize URL; the path and query LINE sends the browser back to."""
    r = httpx.get(location, follow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    back = urlsplit(r.headers["location"])
    assert back.path == CALLBACK, back
    return f"{back.path}?{back.query}"


def cancel_at_line(location: str) -> str:
    """On LINE's consent page (the fake's `consent_page=True`), press Cancel; the path and
    query LINE sends the browser back to."""
    page = httpx.get(location, timeout=10)
    ticket = page.text.split('name="ticket" value="')[1].split('"')[0]
    base = f"{urlsplit(location).scheme}://{urlsplit(location).netloc}"
    r = httpx.post(
        f"{base}/oauth2/v2.1/authorize/consent",
        data={"ticket": ticket, "answer": "cancel"},
        timeout=10,
    )
    back = urlsplit(r.headers["location"])
    return f"{back.path}?{back.query}"


def sign_in_with_line(client: HttpClient, next_path: str | None = None) -> Any:
    """The whole flow; the callback's answer."""
    callback = line_leg(start(client, next_path).headers["location"])
    return client.get(callback, follow_redirects=False)


def set_flow_cookie(client: Any, value: str) -> None:
    """Put a flow cookie into a TestClient's jar (its host is "testserver.local" there)."""
    client.cookies.set(FLOW_COOKIE, value, domain="testserver.local", path="/api/v1/auth/line/")


def me(client: HttpClient, headers: dict[str, str] | None = None) -> Any:
    return client.get("/api/v1/users/me", headers=headers or {})
