"""Register, login and bearer tokens through the HTTP interface."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import build_container
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login

FILE_ROUTES = [
    ("GET", "/api/v1/files"),
    ("POST", "/api/v1/files/upload"),
    ("GET", "/api/v1/users/me"),
    ("GET", "/api/v1/files/00000000-0000-0000-0000-000000000000"),
    ("GET", "/api/v1/files/00000000-0000-0000-0000-000000000000/status"),
    ("GET", "/api/v1/files/00000000-0000-0000-0000-000000000000/download"),
    ("GET", "/api/v1/files/00000000-0000-0000-0000-000000000000/text"),
    ("GET", "/api/v1/files/00000000-0000-0000-0000-000000000000/thumbnail"),
    ("POST", "/api/v1/files/00000000-0000-0000-0000-000000000000/reprocess"),
    ("PATCH", "/api/v1/files/00000000-0000-0000-0000-000000000000"),
    ("DELETE", "/api/v1/files/00000000-0000-0000-0000-000000000000"),
]


def test_register_answers_201_and_the_same_again_for_a_taken_email(client: TestClient) -> None:
    # Issue 13 overrides DESIGN.md's 409: a taken email must not be confirmed to exist.
    body = {"email": "Ann@Example.com", "password": "long enough password"}
    first = client.post("/api/v1/auth/register", json=body)
    assert first.status_code == 201
    assert first.json()["email"] == "ann@example.com"
    assert len(first.json()["id"]) == 36
    again = client.post("/api/v1/auth/register", json={**body, "email": "ann@example.com"})
    assert again.status_code == 201
    assert again.json()["email"] == "ann@example.com" and len(again.json()["id"]) == 36


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "long enough password"},
        {"email": "a@example.com", "password": "short"},
        {"email": "a@example.com"},
        {},
    ],
)
def test_register_rejects_bad_input_with_422_and_a_string_detail(
    client: TestClient, body: dict[str, str]
) -> None:
    r = client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 422
    assert isinstance(r.json()["detail"], str) and r.json()["detail"]


def test_login_with_wrong_password_or_unknown_email_is_401(client: TestClient) -> None:
    register_and_login(client, "bob@example.com")
    for username, password in (("bob@example.com", "wrong password"), ("nobody@x.io", "whatever1")):
        r = client.post("/api/v1/auth/login", data={"username": username, "password": password})
        assert r.status_code == 401
        assert r.json() == {"detail": "incorrect email or password"}


def test_me_shows_the_user_and_storage(client: TestClient) -> None:
    headers = register_and_login(client, "carol@example.com")
    r = client.get("/api/v1/users/me", headers=headers)
    assert r.status_code == 200
    me = r.json()
    assert me["email"] == "carol@example.com"
    assert me["storage_used_bytes"] == 0
    assert me["storage_quota_bytes"] > 0
    assert me["line_user_id"] is None
    client.post("/api/v1/files/upload", headers=headers, files={"file": ("a.txt", b"12345")})
    assert client.get("/api/v1/users/me", headers=headers).json()["storage_used_bytes"] == 5


@pytest.mark.parametrize(("method", "path"), FILE_ROUTES)
def test_every_user_route_needs_a_token(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, path)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def _forged_tokens(secret: str, user_id: str) -> dict[str, str]:
    now = int(time.time())
    good = {"sub": user_id, "iat": now, "exp": now + 600, "typ": "access"}
    return {
        "garbage": "not.a.jwt",
        "wrong-secret": jwt.encode(good, "another-secret-" + "y" * 40, algorithm="HS256"),
        "expired": jwt.encode({**good, "exp": now - 10}, secret, algorithm="HS256"),
        "alg-none": jwt.encode(good, None, algorithm="none"),
        "no-exp": jwt.encode({k: v for k, v in good.items() if k != "exp"}, secret, "HS256"),
        "unknown-user": jwt.encode({**good, "sub": "nobody"}, secret, algorithm="HS256"),
        "wrong-type": jwt.encode({**good, "typ": "refresh"}, secret, algorithm="HS256"),
    }


def test_bad_tokens_are_refused(client: TestClient) -> None:
    headers = register_and_login(client)
    me = client.get("/api/v1/users/me", headers=headers).json()
    secret = client.app.state.container.settings.resolved_jwt_secret()  # type: ignore[attr-defined]
    for name, token in _forged_tokens(secret, me["id"]).items():
        r = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, name
    basic = client.get("/api/v1/users/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_signed(header: dict[str, str], claims: dict[str, object], secret: str) -> str:
    """A token signed with HMAC-SHA256 whatever its header claims, as an attacker can make."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _hostile_tokens(secret: str, user_id: str, valid: str) -> dict[str, str]:
    now = int(time.time())
    good = {"sub": user_id, "iat": now, "exp": now + 600, "typ": "access"}
    head, payload, signature = valid.split(".")
    other = {**good, "sub": "00000000-0000-0000-0000-000000000000"}
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return {
        "signature-flipped": f"{head}.{payload}.{flipped}",
        "payload-swapped": f"{head}.{_b64(json.dumps(other).encode())}.{signature}",
        "signature-dropped": f"{head}.{payload}.",
        "wrong-secret": jwt.encode(good, "not-the-secret-" + "z" * 40, algorithm="HS256"),
        "expired": jwt.encode({**good, "iat": now - 7200, "exp": now - 3600}, secret, "HS256"),
        "alg-none": jwt.encode(good, None, algorithm="none"),
        "alg-none-unsigned-dot": f"{none_header}.{payload}.",
        "header-says-RS256": _hand_signed({"alg": "RS256", "typ": "JWT"}, good, secret),
        "header-says-HS512": _hand_signed({"alg": "HS512", "typ": "JWT"}, good, secret),
        "really-HS512": jwt.encode(good, secret, algorithm="HS512"),
        "nonexistent-user": jwt.encode(other, secret, algorithm="HS256"),
        "garbage": "garbage",
        "three-dots-garbage": "a.b.c",
        "empty": "",
        "huge": "x" * 20_000,
    }


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize(
    "route", ["/api/v1/users/me", "/api/v1/files", "/api/v1/search?q=anything"]
)
def test_hostile_tokens_are_401_with_a_detail(client: TestClient, route: str) -> None:
    headers = register_and_login(client)
    me = client.get("/api/v1/users/me", headers=headers).json()
    secret = client.app.state.container.settings.resolved_jwt_secret()  # type: ignore[attr-defined]
    valid = headers["Authorization"].removeprefix("Bearer ")
    assert client.get(route, headers=headers).status_code == 200  # the route itself works
    for name, token in _hostile_tokens(secret, me["id"], valid).items():
        r = client.get(route, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, (name, r.status_code, r.text)
        assert isinstance(r.json()["detail"], str), name
        assert r.headers["www-authenticate"] == "Bearer", name
    for authorization in (valid, f"Token {valid}", f"Basic {valid}", "Bearer", f"Bearer{valid}"):
        r = client.get(route, headers={"Authorization": authorization})
        assert r.status_code == 401, authorization[:20]


def test_a_token_of_a_deleted_user_is_401(client: TestClient) -> None:
    headers = register_and_login(client)
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    me = client.get("/api/v1/users/me", headers=headers).json()
    engine = client.app.state.container.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        assert conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": me["id"]}).rowcount
    r = client.get("/api/v1/users/me", headers=headers)
    assert r.status_code == 401
    assert r.json() == {"detail": "invalid or expired token"}


@pytest.fixture
def throttled_client(make_settings: SettingsFactory) -> Iterator[TestClient]:
    # A 10 s window: short enough to wait out, long enough that a few slow password checks on
    # a busy machine (the suite runs in parallel) still fall inside it.
    settings = make_settings(
        LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_IP=8, LOGIN_WINDOW_SECONDS=10
    )
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with TestClient(create_app(container)) as client:
        yield client
    container.close()


def _login(client: TestClient, email: str, password: str) -> Any:
    return client.post("/api/v1/auth/login", data={"username": email, "password": password})


def test_failed_logins_are_throttled_per_email_with_retry_after(
    throttled_client: TestClient,
) -> None:
    client = throttled_client
    register_and_login(client, "ann@example.com")
    for _ in range(3):
        assert _login(client, "ann@example.com", "wrong password").status_code == 401
    for password in ("wrong password", "correct horse battery"):  # even the right one waits
        r = _login(client, "  ANN@example.com", password)
        assert r.status_code == 429, r.text
        assert r.json() == {"detail": "too many failed sign-ins; try again later"}
        assert 1 <= int(r.headers["retry-after"]) <= 10
    # Another account from the same address is not locked by Ann's failures.
    register_and_login(client, "bob@example.com")
    time.sleep(10.2)  # the window slides past the failures
    assert _login(client, "ann@example.com", "correct horse battery").status_code == 200


def test_a_success_clears_the_email_count(throttled_client: TestClient) -> None:
    client = throttled_client
    register_and_login(client, "carl@example.com")
    for _ in range(2):
        assert _login(client, "carl@example.com", "wrong password").status_code == 401
    assert _login(client, "carl@example.com", "correct horse battery").status_code == 200
    for _ in range(2):  # two more are allowed again, not one
        assert _login(client, "carl@example.com", "wrong password").status_code == 401
    assert _login(client, "carl@example.com", "correct horse battery").status_code == 200


def test_failures_across_many_emails_throttle_the_address(make_settings: SettingsFactory) -> None:
    # A long window: eight slow password checks on a busy machine must not outlive it.
    settings = make_settings(LOGIN_MAX_FAILURES_PER_IP=8, LOGIN_WINDOW_SECONDS=600)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with TestClient(create_app(container)) as client:
        _throttle_the_address(client)
    container.close()


def _throttle_the_address(client: TestClient) -> None:
    register_and_login(client, "dora@example.com")
    for i in range(8):
        assert _login(client, f"guess{i}@example.com", "password123").status_code == 401
    r = _login(client, "dora@example.com", "correct horse battery")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
