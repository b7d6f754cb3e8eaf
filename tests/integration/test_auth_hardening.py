"""Signing in, signing out and registering, hardened (issue 13, items 1, 5, 7 and 8): one
throttle for every sign-in route, sign-out that revokes tokens, registration that can be
closed, invited or rate-limited and never tells which emails have accounts, look-alike
emails refused, and request ids that cannot smuggle text into the logs."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from drive2.adapters.db.migrate import upgrade
from drive2.adapters.db.tables import InviteRow, UserRow
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.cli import main as cli_main
from drive2.config import reset_settings_cache
from tests.conftest import SettingsFactory

PASSWORD = "correct horse battery"
CSRF = {"X-Drive2-CSRF": "1"}


@pytest.fixture
def make_client(make_settings: SettingsFactory) -> Iterator[Any]:
    opened: list[tuple[Container, TestClient]] = []

    def factory(**overrides: Any) -> TestClient:
        settings = make_settings(**overrides)
        settings.data_path.mkdir(parents=True, exist_ok=True)
        upgrade(settings.resolved_database_url)
        container = build_container(settings)
        client = TestClient(create_app(container))
        client.__enter__()
        opened.append((container, client))
        return client

    yield factory
    for container, client in opened:
        client.__exit__(None, None, None)
        container.close()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The environment the `drive2` command reads; its settings cache is emptied around."""
    reset_settings_cache()
    yield monkeypatch
    monkeypatch.undo()
    reset_settings_cache()


def _container(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


def _register(client: TestClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, **extra}
    )


def _login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/login", data={"username": email, "password": password})


def _session(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/api/v1/auth/session", json={"email": email, "password": password}, headers=CSRF
    )


def _user_count(client: TestClient) -> int:
    with _container(client).engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(UserRow)) or 0)


# --- item 1: one throttle for every way to sign in ------------------------------------------


def test_failures_on_either_sign_in_route_lock_both(make_client: Any) -> None:
    client = make_client(LOGIN_MAX_FAILURES=3)
    assert _register(client, "ann@example.com").status_code == 201
    for _ in range(3):
        assert _login(client, "ann@example.com", "wrong password").status_code == 401
    assert _login(client, "ann@example.com").status_code == 429
    # The web app's sign-in is the same door: the right password does not get through it.
    locked = _session(client, "ann@example.com")
    assert locked.status_code == 429, locked.text
    assert int(locked.headers["Retry-After"]) > 0
    assert "drive2_session" not in client.cookies

    # And the other way round, for another account; a differently spelled email counts too.
    assert _register(client, "bob@example.com").status_code == 201
    for spelling in ("bob@example.com", "BOB@example.com", "\uff42ob@example.com"):
        assert _session(client, spelling, "wrong password").status_code == 401
    assert _login(client, "bob@example.com").status_code == 429


# --- item 7: sign-out revokes -------------------------------------------------------------------


def test_signing_out_revokes_the_cookie_it_cleared(make_client: Any) -> None:
    client = make_client()
    assert _register(client, "carol@example.com").status_code == 201
    assert _session(client, "carol@example.com").status_code == 200
    stolen = client.cookies["drive2_session"]
    assert client.get("/api/v1/users/me").status_code == 200
    assert client.post("/api/v1/auth/logout", headers=CSRF).status_code == 204
    client.cookies.set("drive2_session", stolen)  # a copy taken before the sign-out
    assert client.get("/api/v1/users/me").status_code == 401
    assert client.get("/api/v1/files").status_code == 401
    # Signing in again gives a cookie that works.
    client.cookies.clear()
    assert _session(client, "carol@example.com").status_code == 200
    assert client.get("/api/v1/users/me").status_code == 200


def test_signing_out_with_a_bearer_token_revokes_it_and_every_older_token(
    make_client: Any,
) -> None:
    client = make_client()
    assert _register(client, "dave@example.com").status_code == 201
    laptop = {
        "Authorization": f"Bearer {_login(client, 'dave@example.com').json()['access_token']}"
    }
    phone = {"Authorization": f"Bearer {_login(client, 'dave@example.com').json()['access_token']}"}
    assert client.get("/api/v1/users/me", headers=phone).status_code == 200
    # A bearer client needs no CSRF header (no other site can send its token).
    assert client.post("/api/v1/auth/logout", headers=laptop).status_code == 204
    assert client.get("/api/v1/users/me", headers=laptop).status_code == 401
    assert client.get("/api/v1/users/me", headers=phone).status_code == 401  # everywhere
    fresh = {"Authorization": f"Bearer {_login(client, 'dave@example.com').json()['access_token']}"}
    assert client.get("/api/v1/users/me", headers=fresh).status_code == 200
    # Signing out without a valid token still answers 204 and changes nothing.
    assert client.post("/api/v1/auth/logout", headers=CSRF).status_code == 204
    assert client.get("/api/v1/users/me", headers=fresh).status_code == 200


# --- item 5: registration -------------------------------------------------------------------------


def test_a_taken_email_answers_like_a_new_one_and_changes_nothing(make_client: Any) -> None:
    client = make_client()
    first = _register(client, "erin@example.com")
    assert first.status_code == 201
    assert set(first.json()) == {"id", "email"}
    again = _register(client, "Erin@Example.com", "an attacker's password")
    assert again.status_code == first.status_code
    assert set(again.json()) == set(first.json())
    assert again.json()["email"] == "erin@example.com"
    assert again.json()["id"] != first.json()["id"]  # a decoy: no real id is given away
    uuid.UUID(again.json()["id"])
    assert _user_count(client) == 1
    assert _login(client, "erin@example.com", "an attacker's password").status_code == 401
    assert _login(client, "erin@example.com").status_code == 200


@pytest.mark.parametrize(
    "email",
    ["ali\u200bce@example.com", "\u0430lice@example.com", "jose\u0301@example.com"],
)
def test_look_alike_emails_make_no_account(make_client: Any, email: str) -> None:
    client = make_client()
    assert _register(client, "alice@example.com").status_code == 201
    assert _register(client, "josé@example.com").status_code == 201
    refused = _register(client, email)
    assert refused.status_code == 422, refused.text
    assert isinstance(refused.json()["detail"], str)
    assert _user_count(client) == 2


def test_a_full_width_spelling_is_the_same_account(make_client: Any) -> None:
    client = make_client()
    assert _register(client, "frank@example.com").status_code == 201
    assert _register(client, "\uff46rank@example.com").status_code == 201  # the decoy
    assert _user_count(client) == 1
    assert _login(client, "\uff46\uff52\uff41\uff4e\uff4b@example.com").status_code == 200


def test_registration_is_limited_per_client_address(make_client: Any) -> None:
    client = make_client(REGISTRATION_MAX_PER_IP=3)
    for n in range(3):
        assert _register(client, f"user{n}@example.com").status_code == 201
    refused = _register(client, "user3@example.com")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert _user_count(client) == 3


def test_closed_registration_refuses_every_request_but_the_cli_still_creates_users(
    make_client: Any, cli_env: pytest.MonkeyPatch
) -> None:
    client = make_client(REGISTRATION="closed")
    refused = _register(client, "gina@example.com")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "registration is closed on this server"}
    assert _user_count(client) == 0

    settings = _container(client).settings
    cli_env.setenv("DRIVE2_DATA_DIR", str(settings.data_dir))
    cli_env.setenv("JWT_SECRET", str(settings.jwt_secret))
    cli_env.setenv("REGISTRATION", "closed")
    made = CliRunner().invoke(
        cli_main, ["user", "create", "gina@example.com", "--password", PASSWORD]
    )
    assert made.exit_code == 0, made.output
    assert _login(client, "gina@example.com").status_code == 200


def test_invite_codes_are_single_use_and_stored_only_as_hashes(
    make_client: Any, cli_env: pytest.MonkeyPatch
) -> None:
    client = make_client(REGISTRATION="invite")
    settings = _container(client).settings
    cli_env.setenv("DRIVE2_DATA_DIR", str(settings.data_dir))
    cli_env.setenv("REGISTRATION", "invite")
    made = CliRunner().invoke(cli_main, ["invite", "create", "--days", "2", "--note", "for hal"])
    assert made.exit_code == 0, made.output
    code = made.stdout.strip().splitlines()[0]
    assert len(code) >= 20

    without = _register(client, "hal@example.com")
    assert without.status_code == 403
    assert "invite" in without.json()["detail"]
    wrong = _register(client, "hal@example.com", invite_code="not-a-real-code")
    assert wrong.status_code == 403
    assert _user_count(client) == 0
    assert _register(client, "hal@example.com", invite_code=code).status_code == 201
    assert _login(client, "hal@example.com").status_code == 200
    reused = _register(client, "ivy@example.com", invite_code=code)
    assert reused.status_code == 403
    assert _user_count(client) == 1

    with _container(client).engine.connect() as conn:
        rows = conn.execute(select(InviteRow)).all()
    assert len(rows) == 1
    assert rows[0].used_at is not None and rows[0].note == "for hal"
    assert code not in repr(rows[0]) and rows[0].code_hash != code


def test_an_expired_invite_is_refused(make_client: Any) -> None:
    client = make_client(REGISTRATION="invite")
    made = _container(client).registration.create_invite(valid_days=-1)
    refused = _register(client, "jo@example.com", invite_code=made.code)
    assert refused.status_code == 403
    assert _user_count(client) == 0


# --- item 8: request ids ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent",
    [
        "a b",
        "x" * 65,
        "id=forged status=200",
        "caf\u00e9",
        "<script>",
        "line\\nbreak",
        "",
    ],
)
def test_an_unsafe_request_id_is_replaced(
    client: TestClient, caplog: pytest.LogCaptureFixture, sent: str
) -> None:
    with caplog.at_level(logging.INFO, logger="drive2.api"):
        r = client.get("/healthz", headers={"X-Request-ID": sent.encode("utf-8")})
    rid = r.headers["X-Request-ID"]
    assert rid != sent
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    lines = [m for m in caplog.messages if m.startswith("request id=")]
    assert lines and f"request id={rid} " in lines[-1]
    assert sent not in lines[-1] or sent == ""


@pytest.mark.parametrize(
    "sent", ["abc", "A.b-C_9", "x" * 64, "0f8fad5b-d9cb-469f-a165-70867728950e"]
)
def test_a_safe_request_id_is_kept(client: TestClient, sent: str) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"] == sent
