"""Sign in with LINE through the real routes against a local server speaking LINE Login
v2.1 (tests/support/fake_line_login.py): the code flow with state, nonce and PKCE, what a
forged, replayed or tampered sign-in gets (nobody signed in, a page that says why), one
account per LINE user id, LIFF ID tokens, and linking and unlinking from settings."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.domain.oauth import code_challenge_s256
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.fake_line import FakeLine
from tests.support.fake_line_login import FakeLineLogin, LineProfile, s256
from tests.support.line import finish_file, link_line_account
from tests.support.line_login import (
    CALLBACK,
    CSRF,
    FLOW_COOKIE,
    START,
    authorize_query,
    cancel_at_line,
    line_leg,
    me,
    set_flow_cookie,
    sign_in_with_line,
    start,
)
from tests.support.services import fresh_postgres_database

PASSWORD = "correct horse battery"


@pytest.fixture
def fake() -> Iterator[FakeLineLogin]:
    with FakeLineLogin() as server:
        yield server


@pytest.fixture
def bot() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The accounts live in the database: both of them, for the tests that use this."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'line-login.sqlite3'}"
    else:
        request.applymarker(pytest.mark.services)
        with fresh_postgres_database() as url:
            yield url


def _app(make_settings: SettingsFactory, **values: Any) -> tuple[TestClient, Container]:
    settings = make_settings(**values)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    c = build_container(settings)
    return TestClient(create_app(c)), c


@pytest.fixture
def app(
    make_settings: SettingsFactory, fake: FakeLineLogin, bot: FakeLine
) -> Iterator[tuple[TestClient, Container]]:
    client, c = _app(make_settings, **fake.env(), **bot.env())
    with client:
        yield client, c
    c.close()


@pytest.fixture
def client(app: tuple[TestClient, Container]) -> TestClient:
    return app[0]


def browser(c: Container) -> TestClient:
    """Another browser: its own cookie jar, the same server."""
    return TestClient(create_app(c))


def _cookie_attributes(response: Any, name: str) -> set[str]:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return {part.strip().lower() for part in header.split(";")}
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


def _signed_out(client: TestClient) -> bool:
    return "drive2_session" not in client.cookies and me(client).status_code == 401


def _failure_page(r: Any, words: str, status: int = 400) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "Signing in with LINE did not work" in r.text
    assert words in r.text, r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "drive2_session=" not in "".join(r.headers.get_list("set-cookie"))


# --- the web flow -----------------------------------------------------------------------------
def test_start_sends_the_browser_to_line_with_state_nonce_and_pkce(
    client: TestClient, fake: FakeLineLogin
) -> None:
    r = start(client, "/#/files/123")
    location = r.headers["location"]
    assert location.startswith(f"{fake.url}/oauth2/v2.1/authorize?")
    q = authorize_query(location)
    assert q["response_type"] == "code"
    assert q["client_id"] == fake.channel_id
    assert q["redirect_uri"] == "http://testserver/api/v1/auth/line/callback"
    assert q["scope"] == "openid profile"
    assert q["code_challenge_method"] == "S256"
    assert len(q["state"]) >= 40 and len(q["nonce"]) >= 40 and len(q["code_challenge"]) == 43
    # The flow cookie: only this browser can finish it; it survives LINE's cross-site return.
    attributes = _cookie_attributes(r, FLOW_COOKIE)
    assert {"httponly", "samesite=lax", "path=/api/v1/auth/line/", "max-age=600"} <= attributes
    assert r.headers["cache-control"] == "no-store"
    # A second start is another flow: fresh state, nonce and verifier.
    q2 = authorize_query(start(client).headers["location"])
    assert {q2["state"], q2["nonce"], q2["code_challenge"]}.isdisjoint(
        {q["state"], q["nonce"], q["code_challenge"]}
    )


def test_the_whole_flow_signs_a_new_line_user_in_to_an_account_of_their_own(
    client: TestClient, fake: FakeLineLogin
) -> None:
    fake.next_profile = LineProfile("U" + uuid.uuid4().hex, "Somchai Jaidee")
    r = start(client, "/#/files/abc")
    challenge = authorize_query(r.headers["location"])["code_challenge"]
    done = client.get(line_leg(r.headers["location"]), follow_redirects=False)
    assert done.status_code == 302
    assert done.headers["location"] == "/#/files/abc"
    session = _cookie_attributes(done, "drive2_session")
    assert {"httponly", "samesite=strict", "path=/"} <= session
    assert FLOW_COOKIE not in client.cookies  # used up
    body = me(client).json()
    assert body["line_user_id"] == fake.next_profile.user_id
    assert body["display_name"] == "Somchai Jaidee"
    assert body["email"] is None and body["has_password"] is False
    assert body["storage_quota_bytes"] > 0 and body["storage_used_bytes"] == 0
    # PKCE: the token request carried the verifier whose S256 is the challenge LINE saw.
    [token_request] = fake.paths("/oauth2/v2.1/token")
    assert token_request.form["client_secret"] == fake.channel_secret
    assert code_challenge_s256(token_request.form["code_verifier"]) == challenge
    assert s256(token_request.form["code_verifier"]) == challenge
    assert fake.exchanges[-1].status == 200 and fake.exchanges[-1].pkce_checked
    # The nonce went to the verify endpoint with the channel id.
    [verify] = fake.paths("/oauth2/v2.1/verify")
    assert verify.form["client_id"] == fake.channel_id and verify.form["nonce"]
    # The cookie signs in like a password sign-in: reads, and changes with the CSRF header.
    assert client.get("/api/v1/files").status_code == 200
    assert upload(client, CSRF, "note.txt", b"from LINE").status_code == 202
    # The same LINE account again, from another browser: the same account, the new name.
    fake.next_profile = LineProfile(fake.next_profile.user_id, "Somchai J.")
    other = browser_for(client)
    assert sign_in_with_line(other).status_code == 302
    again = me(other).json()
    assert again["id"] == body["id"] and again["display_name"] == "Somchai J."
    assert other.get("/api/v1/files").json()["total"] == 1


def browser_for(client: TestClient) -> TestClient:
    return browser(client.app.state.container)  # type: ignore[attr-defined]


def test_a_user_who_linked_the_bot_lands_on_their_account_with_their_files(
    client: TestClient, fake: FakeLineLogin
) -> None:
    headers = register_and_login(client, f"ann-{uuid.uuid4().hex[:6]}@example.com")
    line_user = "U" + uuid.uuid4().hex
    user_id = link_line_account(client, headers, line_user)
    fid = upload(client, headers, "receipt.txt", b"a receipt").json()["file_id"]
    fake.next_profile = LineProfile(line_user, "Ann")
    phone = browser_for(client)
    assert sign_in_with_line(phone).status_code == 302
    body = me(phone).json()
    assert body["id"] == user_id and body["line_user_id"] == line_user
    assert body["email"].startswith("ann-") and body["has_password"] is True
    assert [f["id"] for f in phone.get("/api/v1/files").json()["items"]] == [fid]


def test_a_forged_state_signs_nobody_in_and_never_reaches_line(
    client: TestClient, fake: FakeLineLogin
) -> None:
    callback = line_leg(start(client).headers["location"])
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "forged-" + query["state"][7:]
    r = client.get(f"{CALLBACK}?{urlencode(query)}", follow_redirects=False)
    _failure_page(r, "does not belong to the sign-in this browser started")
    assert fake.paths("/oauth2/v2.1/token") == []  # refused before the code was used
    assert _signed_out(client)
    # Without any state at all: the same.
    del query["state"]
    client.cookies.clear()
    second = line_leg(start(client).headers["location"])
    code = parse_qs(urlsplit(second).query)["code"][0]
    r = client.get(f"{CALLBACK}?code={code}", follow_redirects=False)
    _failure_page(r, "state does not match")
    assert _signed_out(client)


def test_a_callback_in_another_browser_signs_nobody_in(
    client: TestClient, fake: FakeLineLogin
) -> None:
    """Login CSRF: a link to a callback made for someone else's browser does nothing."""
    callback = line_leg(start(client).headers["location"])
    victim = browser_for(client)
    r = victim.get(callback, follow_redirects=False)
    _failure_page(r, "did not start in this browser")
    assert _signed_out(victim)
    assert fake.paths("/oauth2/v2.1/token") == []


def test_a_replayed_callback_signs_nobody_in(client: TestClient, fake: FakeLineLogin) -> None:
    r = start(client)
    flow_cookie = client.cookies[FLOW_COOKIE]
    callback = line_leg(r.headers["location"])
    assert client.get(callback, follow_redirects=False).status_code == 302
    # The same callback again in the same browser: the flow cookie is gone.
    again = client.get(callback, follow_redirects=False)
    _failure_page(again, "did not start in this browser")
    # And with a copy of the flow cookie kept back: LINE refuses the used code.
    thief = browser_for(client)
    set_flow_cookie(thief, flow_cookie)
    r = thief.get(callback, follow_redirects=False)
    _failure_page(r, "used already or has expired")
    assert fake.exchanges[-1].error == "invalid_grant"
    assert _signed_out(thief)


def test_a_stolen_code_is_useless_without_the_browsers_verifier(
    client: TestClient, fake: FakeLineLogin
) -> None:
    """PKCE: a code intercepted on its way back to the victim's browser, replayed through
    the attacker's own flow (their own state and cookie), is refused by LINE."""
    victim_callback = line_leg(start(client).headers["location"])
    stolen_code = parse_qs(urlsplit(victim_callback).query)["code"][0]
    attacker = browser_for(client)
    attacker_state = authorize_query(start(attacker).headers["location"])["state"]
    r = attacker.get(
        f"{CALLBACK}?{urlencode({'code': stolen_code, 'state': attacker_state})}",
        follow_redirects=False,
    )
    _failure_page(r, "LINE did not accept the sign-in code")
    assert fake.exchanges[-1].error == "invalid_grant"
    assert _signed_out(attacker)


def test_a_token_with_another_nonce_signs_nobody_in(
    client: TestClient, fake: FakeLineLogin
) -> None:
    fake.nonce_override = "a-nonce-from-another-sign-in"
    r = sign_in_with_line(client)
    _failure_page(r, "its nonce does not match")
    assert _signed_out(client)


def test_a_verify_error_signs_nobody_in(client: TestClient, fake: FakeLineLogin) -> None:
    fake.verify_error = "IdToken expired."
    r = sign_in_with_line(client, "/#/files/x")
    _failure_page(r, "LINE could not confirm who signed in (IdToken expired.)")
    assert 'href="/#/files/x"' in r.text  # back where they came from
    assert _signed_out(client)


def test_cancelling_at_line_says_so(client: TestClient, fake: FakeLineLogin) -> None:
    fake.consent_page = True
    back = cancel_at_line(start(client, "/#/settings").headers["location"])
    answer = client.get(back, follow_redirects=False)
    _failure_page(answer, "You cancelled signing in with LINE")
    assert 'href="/#/settings"' in answer.text
    assert _signed_out(client)


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/%0d%0aSet-Cookie:x=1",
        "javascript:alert(1)",
        "/\t/evil.example",
        "",
    ],
)
def test_the_return_path_never_leaves_the_site(client: TestClient, hostile: str) -> None:
    r = sign_in_with_line(client, hostile)
    assert r.status_code == 302
    location = r.headers["location"]
    assert location == "/" or (location.startswith("/") and not location.startswith("//"))
    assert "evil" not in location and "\n" not in location


def test_line_sign_in_failures_are_throttled_like_wrong_passwords(
    make_settings: SettingsFactory, fake: FakeLineLogin
) -> None:
    client, c = _app(make_settings, **fake.env(), LOGIN_MAX_FAILURES="3")
    with client:
        # Saying no at LINE is no failed sign-in: any number of them.
        fake.consent_page = True
        for _ in range(4):
            back = cancel_at_line(start(client).headers["location"])
            _failure_page(client.get(back, follow_redirects=False), "You cancelled")
        fake.consent_page = False
        for _ in range(3):
            r = client.get(f"{CALLBACK}?code=x&state=forged", follow_redirects=False)
            assert r.status_code == 400
        r = client.get(f"{CALLBACK}?code=x&state=forged", follow_redirects=False)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert "too many failed sign-ins" in r.text
        # Even a genuine flow waits now, and so does LIFF.
        assert sign_in_with_line(client).status_code == 429
        liff = client.post(
            "/api/v1/auth/line/liff", json={"id_token": fake.issue_liff_token()}, headers=CSRF
        )
        assert liff.status_code == 429
        assert _signed_out(client)
    c.close()


# --- LIFF ---------------------------------------------------------------------------------------
def test_liff_id_token_signs_in_and_forged_tokens_are_refused(
    client: TestClient, fake: FakeLineLogin
) -> None:
    profile = LineProfile("U" + uuid.uuid4().hex, "Malee")
    forged = [
        # Signed by someone else's key.
        jwt.encode(
            {"iss": "https://access.line.me", "sub": profile.user_id, "aud": fake.channel_id},
            "not-line-" + "k" * 32,
            algorithm="HS256",
        ),
        # LINE's, but for another channel.
        fake.issue_liff_token(profile, aud="9999999999"),
        # LINE's, but expired.
        fake.issue_liff_token(profile, expires_in=-60),
        "not even a token",
    ]
    for token in forged:
        r = client.post("/api/v1/auth/line/liff", json={"id_token": token}, headers=CSRF)
        assert r.status_code == 401, r.text
        assert "nobody was signed in" in r.json()["detail"]
        assert _signed_out(client)
    good = fake.issue_liff_token(profile)
    no_header = client.post("/api/v1/auth/line/liff", json={"id_token": good})
    assert no_header.status_code == 403 and _signed_out(client)
    r = client.post("/api/v1/auth/line/liff", json={"id_token": good}, headers=CSRF)
    assert r.status_code == 200, r.text
    assert r.json()["line_user_id"] == profile.user_id and r.json()["display_name"] == "Malee"
    assert {"httponly", "samesite=strict"} <= _cookie_attributes(r, "drive2_session")
    body = me(client).json()
    assert body["id"] == r.json()["id"] and body["email"] is None
    # The verify endpoint was asked without a nonce (LIFF tokens have none).
    assert "nonce" not in fake.paths("/oauth2/v2.1/verify")[-1].form
    # The web flow for the same LINE account lands on the same account.
    other = browser_for(client)
    fake.next_profile = profile
    sign_in_with_line(other)
    assert me(other).json()["id"] == body["id"]


def test_liff_answers_503_when_line_does_not(
    make_settings: SettingsFactory, fake: FakeLineLogin
) -> None:
    env = {
        **fake.env(),
        "LINE_LOGIN_API_URL": "http://127.0.0.1:9",
        "LINE_REQUEST_TIMEOUT_SECONDS": "2",
    }
    client, c = _app(make_settings, **env)
    with client:
        r = client.post(
            "/api/v1/auth/line/liff", json={"id_token": fake.issue_liff_token()}, headers=CSRF
        )
        assert r.status_code == 503 and "LINE is not answering" in r.json()["detail"]
        r = sign_in_with_line(client)
        assert r.status_code == 503 and "LINE is not answering" in r.text
    c.close()


# --- settings: link, unlink, add an email and password -------------------------------------------
def _password_session(client: TestClient) -> str:
    email = f"web-{uuid.uuid4().hex[:8]}@example.com"
    assert client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    r = client.post(
        "/api/v1/auth/session", json={"email": email, "password": PASSWORD}, headers=CSRF
    )
    assert r.status_code == 200, r.text
    return email


def test_an_email_user_links_line_from_settings(client: TestClient, fake: FakeLineLogin) -> None:
    email = _password_session(client)
    user_id = me(client).json()["id"]
    session_before = client.cookies["drive2_session"]
    fake.next_profile = LineProfile("U" + uuid.uuid4().hex, "Ann on LINE")
    r = start(client, "/#/settings", link=True)
    done = client.get(line_leg(r.headers["location"]), follow_redirects=False)
    assert done.status_code == 302 and done.headers["location"] == "/#/settings"
    # Linking is not a sign-in: the session stays the one it was.
    assert "drive2_session=" not in "".join(done.headers.get_list("set-cookie"))
    assert client.cookies["drive2_session"] == session_before
    body = me(client).json()
    assert body["id"] == user_id and body["email"] == email
    assert body["line_user_id"] == fake.next_profile.user_id
    # From now on LINE signs in to this account.
    phone = browser_for(client)
    sign_in_with_line(phone)
    assert me(phone).json()["id"] == user_id


def test_linking_needs_a_signed_in_browser(client: TestClient) -> None:
    r = client.get(START, params={"link": "true"}, follow_redirects=False)
    assert r.status_code == 401 and "Sign in to Drive2 first" in r.text


def test_a_line_account_of_another_drive2_account_is_not_linked(
    client: TestClient, fake: FakeLineLogin
) -> None:
    taken = LineProfile("U" + uuid.uuid4().hex, "Already here")
    fake.next_profile = taken
    owner = browser_for(client)
    sign_in_with_line(owner)
    owner_id = me(owner).json()["id"]
    _password_session(client)
    r = start(client, "/#/settings", link=True)
    done = client.get(line_leg(r.headers["location"]), follow_redirects=False)
    _failure_page(done, "already signs in to another Drive2 account")
    assert 'href="/#/settings"' in done.text
    assert me(client).json()["line_user_id"] is None
    assert me(owner).json()["line_user_id"] == taken.user_id
    assert me(owner).json()["id"] == owner_id


def test_a_line_only_user_adds_an_email_and_password_then_may_unlink(
    client: TestClient, fake: FakeLineLogin
) -> None:
    fake.next_profile = LineProfile("U" + uuid.uuid4().hex, "Niran")
    sign_in_with_line(client)
    fid = upload(client, CSRF, "plan.txt", b"the plan").json()["file_id"]
    # Unlinking now would leave no way in.
    r = client.delete("/api/v1/users/me/line", headers=CSRF)
    assert r.status_code == 409 and "add an email and password first" in r.json()["detail"]
    path = "/api/v1/users/me/email-password"
    assert (
        client.post(path, json={"email": "niran@example.com", "password": PASSWORD}).status_code
        == 403
    )
    bad = client.post(path, json={"email": "not-an-email", "password": PASSWORD}, headers=CSRF)
    assert bad.status_code == 422
    short = client.post(
        path, json={"email": "niran@example.com", "password": "short"}, headers=CSRF
    )
    assert short.status_code == 422
    taken_email = f"taken-{uuid.uuid4().hex[:6]}@example.com"
    register_and_login(client, taken_email)
    taken = client.post(path, json={"email": taken_email, "password": PASSWORD}, headers=CSRF)
    assert taken.status_code == 409
    email = f"Niran-{uuid.uuid4().hex[:6]}@Example.com"
    r = client.post(path, json={"email": email, "password": PASSWORD}, headers=CSRF)
    assert r.status_code == 200, r.text
    assert r.json()["email"] == email.lower() and r.json()["has_password"] is True
    again = client.post(path, json={"email": "x@example.com", "password": PASSWORD}, headers=CSRF)
    assert again.status_code == 409
    # The password signs in to the same account and its files.
    login = client.post("/api/v1/auth/login", data={"username": email, "password": PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {login['access_token']}"}
    assert me(client, bearer).json()["id"] == me(client).json()["id"]
    # Now LINE may go; the files stay.
    r = client.delete("/api/v1/users/me/line", headers=CSRF)
    assert r.status_code == 200 and r.json()["line_user_id"] is None
    assert [f["id"] for f in client.get("/api/v1/files", headers=bearer).json()["items"]] == [fid]
    # That LINE account now signs in to a new, empty account of its own.
    phone = browser_for(client)
    sign_in_with_line(phone)
    assert me(phone).json()["id"] != me(client).json()["id"]
    assert phone.get("/api/v1/files").json()["total"] == 0


def test_accounts_by_line_id_on_each_database(
    make_settings: SettingsFactory, fake: FakeLineLogin, database_url: str
) -> None:
    """One LINE user id, one account, on SQLite and PostgreSQL: a second sign-in, a LIFF
    token and a race of two account creations all find the same row."""
    client, c = _app(make_settings, **fake.env(), DATABASE_URL=database_url)
    with client:
        profile = LineProfile("U" + uuid.uuid4().hex, "Kanya")
        fake.next_profile = profile
        sign_in_with_line(client)
        first = me(client).json()
        liff = client.post(
            "/api/v1/auth/line/liff", json={"id_token": fake.issue_liff_token()}, headers=CSRF
        )
        assert liff.json()["id"] == first["id"]
        # Two creations at once: the unique line_user_id makes the second find the first.
        store = c.account_store
        made = store.create_line_user("U-race", "A", 10)
        again = store.create_line_user("U-race", "B", 10)
        assert again.id == made.id
        # Two LINE-only accounts (no email) live side by side.
        other = browser(c)
        fake.next_profile = LineProfile("U" + uuid.uuid4().hex, "Second")
        sign_in_with_line(other)
        assert me(other).json()["email"] is None and me(other).json()["id"] != first["id"]
    c.close()


# --- switched off ---------------------------------------------------------------------------------
def test_without_line_login_settings_the_routes_answer_404_and_the_button_is_hidden(
    make_settings: SettingsFactory, fake: FakeLineLogin
) -> None:
    client, c = _app(make_settings)
    with client:
        for r in (
            client.get(START, follow_redirects=False),
            client.get(f"{CALLBACK}?code=x&state=y", follow_redirects=False),
            client.post("/api/v1/auth/line/liff", json={"id_token": "x"}, headers=CSRF),
        ):
            assert r.status_code == 404
            assert r.json() == {"detail": "signing in with LINE is not configured on this server"}
        page = client.get("/")
        assert '<meta name="drive2-line-login" content="off">' in page.text
        assert '<meta name="drive2-liff-id" content="">' in page.text
        assert "https://api.line.me" not in page.headers["content-security-policy"]
    c.close()
    client, c = _app(make_settings, **fake.env(), LIFF_ID="1650000001-AbCdEfGh")
    with client:
        page = client.get("/")
        assert '<meta name="drive2-line-login" content="on">' in page.text
        assert '<meta name="drive2-liff-id" content="1650000001-AbCdEfGh">' in page.text
        csp = page.headers["content-security-policy"]
        assert "script-src 'self';" in csp  # the SDK is Drive2's own file
        assert "connect-src 'self' https://api.line.me" in csp
        sdk = client.get("/static/vendor/liff/sdk.js")
        assert sdk.status_code == 200 and "javascript" in sdk.headers["content-type"]
        assert sdk.headers["content-security-policy"] == csp
    c.close()


def test_the_flow_cookie_expires(client: TestClient, fake: FakeLineLogin) -> None:
    """A flow cookie signed with another key, or for something else, is no flow."""
    callback = line_leg(start(client).headers["location"])
    state = parse_qs(urlsplit(callback).query)["state"][0]
    now = int(time.time())
    for claims, key in (
        (
            {"typ": "line-login-flow", "st": state, "iat": now, "exp": now + 60},
            "other-key-" + "k" * 32,
        ),
        ({"typ": "access", "st": state, "iat": now, "exp": now + 60}, "test-secret-" + "x" * 40),
        (
            {"typ": "line-login-flow", "st": state, "iat": now - 700, "exp": now - 100},
            "test-secret-" + "x" * 40,
        ),
    ):
        forged = jwt.encode(claims, key, algorithm="HS256")
        set_flow_cookie(client, forged)
        r = client.get(callback, follow_redirects=False)
        _failure_page(r, "did not start in this browser")
    assert fake.paths("/oauth2/v2.1/token") == []


# --- the bot's messages open the LIFF app ---------------------------------------------------
def _uris(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["uri"]] if node.get("type") == "uri" and "uri" in node else []
        return found + [u for value in node.values() for u in _uris(value)]
    if isinstance(node, list):
        return [u for value in node for u in _uris(value)]
    return []


def test_the_bots_messages_open_files_in_the_liff_app(
    make_settings: SettingsFactory, fake: FakeLineLogin, bot: FakeLine
) -> None:
    liff_id = "1650000001-AbCdEfGh"
    client, c = _app(
        make_settings, **fake.env(), **bot.env(), LIFF_ID=liff_id, PUBLIC_URL="https://d.example"
    )
    with client:
        headers = register_and_login(client)
        line_user = "U" + uuid.uuid4().hex
        user_id = link_line_account(client, headers, line_user)
        done = upload(client, headers, "a.txt", b"ready").json()["file_id"]
        broken = upload(client, headers, "b.txt", b"broken").json()["file_id"]
        finish_file(c.repo, done)
        finish_file(c.repo, broken, ok=False)
        assert c.notifications.send_completion(done, user_id) == "sent"
        assert c.notifications.send_failure(broken, user_id, "truncated PDF") == "sent"
        assert c.notifications.send_daily_summary(user_id) == "sent"
        completed, failed, summary = (p.body["messages"] for p in bot.pushes(line_user))
        assert f"https://liff.line.me/{liff_id}/#/files/{done}" in _uris(completed)
        assert f"https://liff.line.me/{liff_id}/#/files/{broken}" in _uris(failed)
        assert _uris(summary) == [f"https://liff.line.me/{liff_id}/"]
        # No signed download links when the LIFF app opens the file (signed in by LINE).
        assert not [u for u in _uris([completed, failed]) if "/api/v1/line/files/" in u]
    c.close()


def test_line_secrets_stay_out_of_settings_repr_and_the_logs(
    client: TestClient, fake: FakeLineLogin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    c: Container = client.app.state.container  # type: ignore[attr-defined]
    assert fake.channel_secret not in repr(c.settings)
    sign_in_with_line(client)
    session = client.cookies["drive2_session"]
    fake.verify_error = "IdToken expired."
    sign_in_with_line(browser_for(client))  # a failure logs too
    fake.verify_error = None
    liff_token = fake.issue_liff_token()
    client.post("/api/v1/auth/line/liff", json={"id_token": liff_token}, headers=CSRF)
    client.post("/api/v1/auth/line/liff", json={"id_token": liff_token + "x"}, headers=CSRF)
    [verifier, *_] = [r.form["code_verifier"] for r in fake.paths("/oauth2/v2.1/token")]
    logged = caplog.text
    assert "/oauth2/v2.1/token" in logged  # the requests were logged, at DEBUG too
    for secret in (fake.channel_secret, verifier, session, *fake.id_tokens):
        assert secret not in logged
