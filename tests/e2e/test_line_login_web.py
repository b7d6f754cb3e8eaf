"""Sign in with LINE in a real browser (Debian's chromium through Playwright, the harness of
test_web_app.py) against the real API over HTTP and a local LINE Login server.

LINE is served at "localhost" and Drive2 at "127.0.0.1": two sites, as in production, so the
browser applies SameSite to the flow cookie (Lax, to survive LINE's redirect back) and the
session cookie (Strict) the way it will for real users.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import build_container
from drive2.config import Settings
from tests.e2e.test_web_app import CHROMIUM, CHROMIUM_FLAGS, PageErrors
from tests.support.fake_line_login import FakeLineLogin, LineProfile
from tests.support.live_server import live_server

pytestmark = [pytest.mark.slow, pytest.mark.heavy, pytest.mark.timeout(300)]

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


UPLOAD_ONE = """() => {
    const form = new FormData();
    form.append("file", new File(["from LINE"], "from-line.txt", { type: "text/plain" }));
    return fetch("/api/v1/files/upload",
                 { method: "POST", body: form, headers: { "X-Drive2-CSRF": "1" } })
        .then((r) => r.json()).then((b) => b.file_id);
}"""


# --- inside LINE: the LIFF app --------------------------------------------------------------
#: LINE's in-app browser on Android, opening a LIFF app.
LINE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36 Line/14.10.0 LIFF"
)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _liff_fragment(line: FakeLineLogin, profile: LineProfile, endpoint: str) -> str:
    """What LINE puts after '#' when it opens a LIFF app: the tokens liff.init() reads."""
    liff_id = f"{line.channel_id}-AbCdEfGh"
    context = {
        "type": "utou",
        "userId": profile.user_id,
        "liffId": liff_id,
        "viewType": "full",
        "endpointUrl": endpoint,
        "permanentLinkPattern": "concat",
        "scope": ["openid", "profile"],
        "availability": {},
    }
    return urlencode(
        {
            "access_token": line.issue_liff_access_token(),
            "context_token": f"x.{_b64(context)}.y",
            "feature_token": "liff-feature-token",
            "id_token": line.issue_liff_token(profile),
            "client_id": line.channel_id,
        }
    )


def _line_app_context(chromium: Browser, line: FakeLineLogin, seen: list[str]) -> BrowserContext:
    """A browser that looks like LINE's: its user agent, the native object LIFF waits for,
    and LINE's servers (api.line.me) answered by the fake, as the SDK calls them."""
    context = chromium.new_context(
        user_agent=LINE_USER_AGENT, viewport={"width": 400, "height": 800}
    )
    context.add_init_script("window._liff = { features: [] };")

    def answer(route: Route) -> None:
        # Whatever the SDK asks LINE for goes to the fake LINE server over HTTP; its answer
        # comes back to the page as LINE's.
        seen.append(route.request.url)
        parts = urlsplit(route.request.url)
        target = f"{line.url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        answer = route.fetch(url=target)
        route.fulfill(
            response=answer, headers={**answer.headers, "access-control-allow-origin": "*"}
        )

    for host in (
        "https://api.line.me/**",
        "https://access.line.me/**",
        "https://*.line-scdn.net/**",
    ):
        context.route(host, answer)
    return context


def test_inside_line_the_liff_app_signs_in_with_its_id_token(
    drive2: str, line: FakeLineLogin, chromium: Browser, shots: Path
) -> None:
    profile = LineProfile("U" + uuid.uuid4().hex, "Malee")
    seen: list[str] = []
    context = _line_app_context(chromium, line, seen)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    errors = PageErrors(page)

    def id_token_checks() -> int:  # Drive2's POST /verify, not the SDK's GET for its token
        return len([r for r in line.paths("/oauth2/v2.1/verify") if r.method == "POST"])

    verify_calls = id_token_checks()

    # LINE opens the endpoint URL with its tokens: no sign-in page, no password.
    page.goto(f"{drive2}/#{_liff_fragment(line, profile, drive2 + '/')}")
    expect(page.get_by_role("heading", name="My files")).to_be_visible()
    expect(page.locator("#who")).to_have_text("Malee")
    account = page.evaluate("fetch('/api/v1/users/me').then((r) => r.json())")
    assert account["line_user_id"] == profile.user_id and account["email"] is None
    # Drive2 checked the ID token at LINE's verify endpoint (the fake, over HTTP), and the
    # SDK checked it in the page against LINE's keys.
    assert id_token_checks() == verify_calls + 1
    assert "https://api.line.me/oauth2/v2.1/certs" in seen
    assert [r for r in line.paths("/oauth2/v2.1/verify") if r.method == "GET"]
    file_id = page.evaluate(UPLOAD_ONE)
    context.close()

    # "Open file" in a bot message: https://liff.line.me/<id>/#/files/<file id>. LINE opens
    # the endpoint with liff.state; liff.init() restores the fragment and the app routes there.
    context = _line_app_context(chromium, line, seen)
    page = context.new_page()
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    state = urlencode({"liff.state": f"#/files/{file_id}"})
    page.goto(f"{drive2}/?{state}#{_liff_fragment(line, profile, drive2 + '/')}")
    expect(page.get_by_role("heading", name="from-line.txt")).to_be_visible()
    assert page.url.endswith(f"#/files/{file_id}")
    page.screenshot(path=shots / "liff-file.png")
    context.close()

    # LINE's ordinary in-app browser (a link opened in a chat, not the LIFF app): the page
    # neither loads the SDK nor waits for it, and offers "Sign in with LINE" as on the web.
    context = chromium.new_context(user_agent=LINE_USER_AGENT.removesuffix(" LIFF"))
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(drive2 + "/")
    expect(page.get_by_role("link", name="Sign in with LINE")).to_be_visible()
    assert not [u for u in asked if "/vendor/liff/" in u], asked
    context.close()

    # The CSP held: the only thing it stopped is the SDK's optional extension script from
    # LINE's CDN (the SDK goes on without it); no script came from anywhere but Drive2.
    assert blocked and all("static.line-scdn.net/liff/edge/2/" in b for b in blocked), blocked
    assert not [u for u in seen if u.endswith(".js")], seen
    assert all(
        "Content Security" in e or "status of 40" in e or "LiffError" in e for e in errors.errors
    ), errors.errors
