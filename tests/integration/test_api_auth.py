"""Register, login and bearer tokens through the HTTP interface."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi.testclient import TestClient

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


def test_register_answers_201_then_409_for_the_same_email(client: TestClient) -> None:
    body = {"email": "Ann@Example.com", "password": "long enough password"}
    first = client.post("/api/v1/auth/register", json=body)
    assert first.status_code == 201
    assert first.json()["email"] == "ann@example.com"
    assert len(first.json()["id"]) == 36
    again = client.post("/api/v1/auth/register", json={**body, "email": "ann@example.com"})
    assert again.status_code == 409
    assert isinstance(again.json()["detail"], str)


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
