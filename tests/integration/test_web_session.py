"""The web app's session cookie: HttpOnly and SameSite=Strict, a CSRF header on every
change it signs, the same 404 for another user's file, and bearer tokens unchanged."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login

PASSWORD = "correct horse battery"
CSRF = {"X-Drive2-CSRF": "1"}
MISSING = "00000000-0000-0000-0000-000000000000"


def register(client: TestClient) -> str:
    email = f"web-{uuid.uuid4().hex[:8]}@example.com"
    r = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return email


def start_session(client: TestClient, email: str) -> None:
    r = client.post(
        "/api/v1/auth/session", json={"email": email, "password": PASSWORD}, headers=CSRF
    )
    assert r.status_code == 200, r.text
    assert r.json()["email"] == email
    assert "drive2_session" in client.cookies


def upload(client: TestClient, name: str, data: bytes, headers: dict[str, str]) -> str:
    r = client.post("/api/v1/files/upload", files={"file": (name, data)}, headers=headers)
    assert r.status_code == 202, r.text
    return str(r.json()["file_id"])


def test_sign_in_sets_a_cookie_scripts_and_other_sites_cannot_use(client: TestClient) -> None:
    email = register(client)
    r = client.post(
        "/api/v1/auth/session", json={"email": email, "password": PASSWORD}, headers=CSRF
    )
    assert r.status_code == 200
    assert set(r.json()) == {"id", "email"}  # no token in the page
    cookie = r.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "max-age"} <= attributes
    assert "samesite=strict" in cookie.lower()
    assert "secure" not in attributes  # plain HTTP here; see the HTTPS test below
    assert r.headers["cache-control"] == "no-store"
    me = client.get("/api/v1/users/me")
    assert me.status_code == 200 and me.json()["email"] == email


def test_sign_in_needs_the_csrf_header_and_the_right_password(client: TestClient) -> None:
    email = register(client)
    body = {"email": email, "password": PASSWORD}
    no_header = client.post("/api/v1/auth/session", json=body)
    assert no_header.status_code == 403
    assert "X-Drive2-CSRF" in no_header.json()["detail"]
    assert "drive2_session" not in client.cookies
    wrong = client.post(
        "/api/v1/auth/session", json={**body, "password": "not the password"}, headers=CSRF
    )
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "incorrect email or password"}
    assert (
        client.post("/api/v1/auth/session", json={"email": email}, headers=CSRF).status_code == 422
    )


def test_cookie_reads_freely_but_changes_only_with_the_csrf_header(client: TestClient) -> None:
    start_session(client, register(client))
    assert client.get("/api/v1/files").status_code == 200
    blocked = client.post("/api/v1/files/upload", files={"file": ("a.txt", b"no header")})
    assert blocked.status_code == 403
    assert client.get("/api/v1/files").json()["total"] == 0
    file_id = upload(client, "a.txt", b"with the header", CSRF)
    unsafe = [
        ("PATCH", f"/api/v1/files/{file_id}", {"json": {"filename": "renamed.txt"}}),
        ("POST", f"/api/v1/files/{file_id}/reprocess", {}),
        ("DELETE", f"/api/v1/files/{file_id}", {}),
        ("POST", "/api/v1/auth/logout", {}),
    ]
    for method, path, kwargs in unsafe:
        r = client.request(method, path, **kwargs)
        assert r.status_code == 403, (method, path, r.status_code)
        assert r.json()["detail"] == "the X-Drive2-CSRF header is missing"
    # Nothing happened: same name, still there, still signed in.
    assert client.get(f"/api/v1/files/{file_id}").json()["filename"] == "a.txt"
    for what in ("", "/status", "/text", "/download"):
        assert client.get(f"/api/v1/files/{file_id}{what}").status_code == 200
    renamed = client.patch(
        f"/api/v1/files/{file_id}", json={"filename": "renamed.txt"}, headers=CSRF
    )
    assert renamed.status_code == 200 and renamed.json()["filename"] == "renamed.txt"
    assert client.delete(f"/api/v1/files/{file_id}", headers=CSRF).status_code == 204


def test_a_wrong_csrf_value_is_refused(client: TestClient) -> None:
    start_session(client, register(client))
    for value in ("0", "true", ""):
        r = client.post(
            "/api/v1/files/upload",
            files={"file": ("a.txt", b"x")},
            headers={"X-Drive2-CSRF": value},
        )
        assert r.status_code == 403, value


def test_another_users_file_is_404_through_the_cookie_too(
    client: TestClient, container: Container
) -> None:
    owner = register_and_login(client)
    file_id = upload(client, "mine.txt", b"owner's words", owner)
    with TestClient(create_app(container)) as other:
        start_session(other, register(other))
        routes = [
            ("GET", f"/api/v1/files/{file_id}", {}),
            ("GET", f"/api/v1/files/{file_id}/status", {}),
            ("GET", f"/api/v1/files/{file_id}/download", {}),
            ("GET", f"/api/v1/files/{file_id}/thumbnail", {}),
            ("GET", f"/api/v1/files/{file_id}/text", {}),
            ("PATCH", f"/api/v1/files/{file_id}", {"json": {"filename": "stolen.txt"}}),
            ("POST", f"/api/v1/files/{file_id}/reprocess", {}),
            ("DELETE", f"/api/v1/files/{file_id}", {}),
        ]
        for method, path, kwargs in routes:
            r = other.request(method, path, headers=CSRF, **kwargs)
            assert r.status_code == 404, (method, path, r.status_code)
        assert other.get("/api/v1/files").json()["total"] == 0
    assert client.get(f"/api/v1/files/{file_id}", headers=owner).json()["filename"] == "mine.txt"


def test_bearer_clients_need_no_csrf_header_and_win_over_a_cookie(client: TestClient) -> None:
    bearer = register_and_login(client)
    file_id = upload(client, "api.txt", b"an API client", bearer)
    r = client.patch(f"/api/v1/files/{file_id}", json={"tags": ["api"]}, headers=bearer)
    assert r.status_code == 200 and r.json()["tags"] == ["api"]
    # Signed in as someone else by cookie: the bearer token still decides who this is.
    start_session(client, register(client))
    assert client.get(f"/api/v1/files/{file_id}", headers=bearer).status_code == 200
    assert client.get(f"/api/v1/files/{file_id}").status_code == 404
    # A bad bearer token is refused, never replaced by the cookie.
    bad = client.get("/api/v1/files", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def test_a_forged_or_unknown_cookie_is_401(client: TestClient) -> None:
    client.cookies.set("drive2_session", "forged.token.value")
    assert client.get("/api/v1/users/me").status_code == 401
    assert client.post("/api/v1/files/upload", headers=CSRF).status_code == 401


def test_sign_out_clears_the_cookie(client: TestClient) -> None:
    start_session(client, register(client))
    r = client.post("/api/v1/auth/logout", headers=CSRF)
    assert r.status_code == 204
    cleared = r.headers["set-cookie"].lower()
    assert cleared.startswith("drive2_session=") and "max-age=0" in cleared
    assert "drive2_session" not in client.cookies
    assert client.get("/api/v1/users/me").status_code == 401


@pytest.mark.parametrize(
    ("public_url", "base_url"),
    [("https://drive.example.org", "http://testserver"), (None, "https://testserver")],
)
def test_the_cookie_is_secure_when_served_over_https(
    make_settings: SettingsFactory, public_url: str | None, base_url: str
) -> None:
    """Behind a TLS proxy (PUBLIC_URL says https) or on HTTPS itself."""
    settings = make_settings(PUBLIC_URL=public_url)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    try:
        with TestClient(create_app(container), base_url=base_url) as client:
            email = register(client)
            r = client.post(
                "/api/v1/auth/session",
                json={"email": email, "password": PASSWORD},
                headers=CSRF,
            )
            assert r.status_code == 200
            assert "secure" in {p.strip().lower() for p in r.headers["set-cookie"].split(";")}
    finally:
        container.close()


def test_login_for_api_clients_is_unchanged(client: TestClient) -> None:
    email = register(client)
    r = client.post("/api/v1/auth/login", data={"username": email, "password": PASSWORD})
    assert r.status_code == 200
    assert r.json()["token_type"] == "bearer" and r.json()["access_token"]
    assert "set-cookie" not in r.headers
