"""Sign in with LINE in a real browser (Debian's chromium through Playwright, the harness of
test_web_app.py) against the real API over HTTP and a local LINE Login server.

LINE is served at "localhost" and Drive2 at "127.0.0.1": two sites, as in production, so the
browser applies SameSite to the flow cookie (Lax, to survive LINE's redirect back) and the
session cookie (Strict) the way it will for real users.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import build_container
from drive2.config import Settings
from tests.e2e.test_web_app import CHROMIUM, CHROMIUM_FLAGS, PageErrors
from tests.support.fake_line_login import FakeLineLogin, LineProfile
from tests.support.live_server import live_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test-deps`", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Like test_web_app's: $DRIVE2_SCREENSHOTS_DIR when set, else a temporary folder."""
    target = os.environ.get("DRIVE2_SCREENSHOTS_DIR")
    folder = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def line() -> Iterator[FakeLineLogin]:
    with FakeLineLogin(host="localhost") as server:
        server.consent_page = True
        yield server


@pytest.fixture(scope="module")
def drive2(tmp_path_factory: pytest.TempPathFactory, line: FakeLineLogin) -> Iterator[str]:
    data = tmp_path_factory.mktemp("line-web")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        DRIVE2_DATA_DIR=data,
        JWT_SECRET="e2e-secret-" + "x" * 40,
        STORAGE_FSYNC=False,
        LIFF_ID=f"{line.channel_id}-AbCdEfGh",
        **line.env(),
    )
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with live_server(create_app(container)) as url:
        yield url
    container.close()


def allow_at_line(page: Page, name: str) -> None:
    expect(page.get_by_role("heading", name="LINE Login")).to_be_visible()
    assert page.url.startswith("http://localhost:")  # really at "LINE", another site
    expect(page.get_by_text(f"Drive2 would like to use your profile, {name}.")).to_be_visible()
    page.get_by_role("button", name="Allow").click()


def test_sign_in_with_line_in_a_browser(
    drive2: str, line: FakeLineLogin, chromium: Browser, shots: Path
) -> None:
    context = chromium.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    errors = PageErrors(page)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: failed.append(m.text) if "Content Security" in m.text else None)
    name = "Somchai"
    line.next_profile = LineProfile("U" + uuid.uuid4().hex, name)

    # --- signed out on a deep link: the sign-in page offers LINE and comes back there -------
    page.goto(drive2 + "/#/settings")
    expect(page.get_by_role("heading", name="Sign in to Drive2")).to_be_visible()
    button = page.get_by_role("link", name="Sign in with LINE")
    expect(button).to_be_visible()
    page.screenshot(path=shots / "sign-in-with-line.png")
    button.click()
    allow_at_line(page, name)
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    assert page.url == drive2 + "/#/settings"
    expect(page.locator("#who")).to_have_text(name)
    expect(page.locator("#line-status")).to_contain_text(f"Linked to LINE as {name}")
    [session] = [c for c in context.cookies() if c["name"] == "drive2_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert not [c for c in context.cookies() if c["name"] == "drive2_line_login"]  # used up
    assert "drive2_session" not in page.evaluate("document.cookie")
    # An account made with LINE cannot drop LINE before it has another way in.
    expect(page.get_by_role("button", name="Unlink LINE")).to_have_count(0)

    # --- add an email and password; then LINE may be unlinked and linked again -------------
    email = f"line-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_role("button", name="Add email and password").click()
    expect(
        page.get_by_text(f"You can also sign in with {email} and your password.")
    ).to_be_visible()
    expect(page.locator("#who")).to_have_text(email)
    page.screenshot(path=shots / "settings-line.png")
    page.get_by_role("button", name="Unlink LINE").click()
    expect(page.locator("#line-status")).to_have_text("No LINE account is linked.")
    # Linking starts from a page of Drive2, so the Strict session cookie goes with it.
    page.get_by_role("link", name="Link your LINE account").click()
    allow_at_line(page, name)
    expect(page.locator("#line-status")).to_contain_text("Linked to LINE as")
    assert page.url == drive2 + "/#/settings"

    # --- sign out; the password and LINE both reach the same account ------------------------
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Drive2")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My files")).to_be_visible()
    account = page.evaluate("fetch('/api/v1/users/me').then((r) => r.json())")
    assert account["line_user_id"] == line.next_profile.user_id
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in with LINE").click()
    allow_at_line(page, name)
    expect(page.get_by_role("heading", name="My files")).to_be_visible()
    again = page.evaluate("fetch('/api/v1/users/me').then((r) => r.json())")
    assert again["id"] == account["id"]

    # --- cancelling at LINE says so, signs nobody in, and leads back ------------------------
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in with LINE").click()
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="Signing in with LINE did not work")).to_be_visible()
    expect(page.get_by_text("You cancelled signing in with LINE.")).to_be_visible()
    page.get_by_role("link", name="Back to Drive2").click()
    expect(page.get_by_role("heading", name="Sign in to Drive2")).to_be_visible()

    # --- the vendored LIFF SDK is a module the page's CSP lets load -------------------------
    kinds = page.evaluate(
        """import('/static/vendor/liff/sdk.js').then(({ default: liff }) =>
            ['init', 'getIDToken', 'isLoggedIn', 'isInClient'].map((n) => typeof liff[n]))"""
    )
    assert kinds == ["function"] * 4
    # The only failed requests: the signed-out /users/me checks (401) and the cancelled
    # callback (400, the page above); no script error, nothing the CSP blocked.
    unexpected = [
        f
        for f in failed
        if not f.startswith("401 " + drive2 + "/api/v1/users/me")
        and not f.startswith("400 " + drive2 + "/api/v1/auth/line/callback?error=access_denied")
    ]
    assert unexpected == [], failed
    assert all("status of 40" in e for e in errors.errors), errors.errors
    context.close()
