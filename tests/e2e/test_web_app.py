"""The web app in a real browser (Debian's headless chromium driven by Playwright) against
`drive2 serve`: sign up, upload three kinds of files, watch them finish without reloading,
search, open, rename with the suggested name, reprocess, delete.

Screenshots of the main views go to $DRIVE2_SCREENSHOTS_DIR when it is set (the committed
ones in docs/screenshots are refreshed by scripts/refresh-screenshots.sh), else to the
test's temporary folder.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.files import pdf_with_text
from tests.support.images import png_bytes, render_text
from tests.support.serve import Served, serving

pytestmark = [pytest.mark.slow, pytest.mark.heavy, pytest.mark.timeout(600)]

CHROMIUM = Path(os.environ.get("DRIVE2_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
#: Generous: two cores are shared with other test runs, and the first file also waits for
#: the worker to load its model.
PROCESSING_TIMEOUT_MS = 240_000
PASSWORD = "correct horse battery"

PDF_TEXT = (
    "Invoice 2291 from Acme Consulting. Consulting services for the quarterly audit, "
    "payable within thirty days to Acme Consulting in Chiang Mai."
)
PNG_LINES = ("Boarding pass", "Flight TG102 Bangkok to Chiang Mai", "Gate 14 seat 22A")
DOCX_TEXT = (
    "Garden committee meeting notes. The committee agreed to plant mango trees along the "
    "north fence and to repair the greenhouse roof before the rainy season."
)


def docx_bytes(text: str) -> bytes:
    document = Document()
    document.add_heading("Garden committee", level=1)
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("DRIVE2_SCREENSHOTS_DIR")
    folder = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    workdir = tmp_path_factory.mktemp("web-app")
    env = {
        "MAX_UPLOAD_BYTES": str(20 * 1024 * 1024),
        "TASK_RETRY_DELAY_SECONDS": "0.5",
        "EVENTS_POLL_SECONDS": "0.3",
        # The test machine has no LLM: the packaged local provider answers.
        "AI_PROVIDERS": "local",
    }
    with serving(workdir, env) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test-deps` (scripts/install-system-deps.sh --test)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield launched
        finally:
            launched.close()


class PageErrors:
    """Script errors and failed requests the page met; a clean run has none."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )


def sign_up(page: Page, url: str, email: str) -> None:
    page.goto(url + "/")
    expect(page.get_by_role("heading", name="Sign in to Drive2")).to_be_visible()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="My files")).to_be_visible()


def card(page: Page, name: str) -> Any:
    return page.locator("li.card").filter(has=page.locator(".name", has_text=name))


def drop_file(page: Page, name: str, mime: str, data: bytes) -> None:
    """A real drop event carrying a File, as a drag from the desktop delivers it."""
    page.evaluate(
        """([name, mime, bytes]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
            const zone = document.getElementById("drop-zone");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true,
                                                         dataTransfer: transfer }));
            }
        }""",
        [name, mime, list(data)],
    )


UNLABELLED_FIELDS = """() => [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.id !== "file-picker")  // hidden; the Upload files button opens it
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
    .map((el) => el.outerHTML)"""

WATCH_STATUSES = """() => {
    // Every status each file's card shows, in order; a reload would wipe this.
    window.__seen = {};
    const note = (el) => {
        const id = el.dataset.fileId, status = el.dataset.status;
        if (!id || !status) return;
        const seen = (window.__seen[id] ||= []);
        if (seen[seen.length - 1] !== status) seen.push(status);
    };
    new MutationObserver(() => document.querySelectorAll("[data-file-id][data-status]")
        .forEach(note)).observe(document.body, { subtree: true, childList: true,
                                                 attributes: true });
}"""


def test_the_web_app_end_to_end(served: Served, browser: Browser, screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    page = context.new_page()
    errors = PageErrors(page)
    email = f"web-{uuid.uuid4().hex[:8]}@example.com"

    # --- sign up; the session is an HttpOnly, SameSite=Strict cookie scripts cannot read ----
    page.goto(served.url + "/")
    expect(page.get_by_role("heading", name="Sign in to Drive2")).to_be_visible()
    page.screenshot(path=screenshots / "sign-in.png")
    sign_up(page, served.url, email)
    # The signed-out page's look at /users/me answers 401, which the console reports.
    assert all("401" in e for e in errors.errors), errors.errors
    errors.errors.clear()
    [cookie] = [c for c in context.cookies() if c["name"] == "drive2_session"]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert "drive2_session" not in page.evaluate("document.cookie")
    expect(page.locator("#storage")).to_contain_text("0 B of 53.7 GB used")

    # --- upload: two with the picker, one dropped; each appears at once, then goes live -----
    page.evaluate(WATCH_STATUSES)
    page.evaluate("window.__notReloaded = true")
    pdf_name, png_name, docx_name = "acme-invoice.pdf", "boarding-pass.png", "garden-notes.docx"
    page.locator("#file-picker").set_input_files(
        [
            {"name": pdf_name, "mimeType": "application/pdf", "buffer": pdf_with_text(PDF_TEXT)},
            {
                "name": png_name,
                "mimeType": "image/png",
                "buffer": png_bytes(render_text(PNG_LINES)),
            },
        ]
    )
    drop_file(
        page,
        docx_name,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        docx_bytes(DOCX_TEXT),
    )
    for name in (pdf_name, png_name, docx_name):
        expect(card(page, name)).to_have_count(1, timeout=30_000)
    expect(page.locator("#file-count")).to_have_text("3 files")
    page.screenshot(path=screenshots / "uploading.png")
    for name in (pdf_name, png_name, docx_name):
        expect(card(page, name)).to_have_attribute(
            "data-status", "completed", timeout=PROCESSING_TIMEOUT_MS
        )
    assert page.evaluate("window.__notReloaded") is True
    seen: dict[str, list[str]] = page.evaluate("window.__seen")
    assert len(seen) == 3
    for statuses in seen.values():
        # Shown as pending first, then moved on by the stream alone.
        assert statuses[0] == "pending", seen
        assert statuses[-1] == "completed", seen
    assert any("processing" in statuses for statuses in seen.values()), seen
    # Thumbnails load through the cookie (an <img> cannot send a bearer token).
    for name in (pdf_name, png_name):
        thumb = card(page, name).locator("img.thumb-img")
        expect(thumb).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
        )
    expect(page.locator("#storage")).not_to_contain_text("0 B of")
    assert page.evaluate(UNLABELLED_FIELDS) == []
    page.screenshot(path=screenshots / "drive-grid.png")

    # --- list view and a filter -----------------------------------------------------------------
    page.get_by_role("button", name="List").click()
    expect(page.locator("table.file-table tbody tr")).to_have_count(3)
    page.screenshot(path=screenshots / "drive-list.png")
    page.get_by_label("Type").select_option(label="Images")
    expect(page.locator("table.file-table tbody tr")).to_have_count(1)
    expect(page.locator("table.file-table")).to_contain_text(png_name)
    page.get_by_label("Type").select_option(label="All types")
    expect(page.locator("table.file-table tbody tr")).to_have_count(3)
    page.get_by_role("button", name="Grid").click()
    expect(page.locator("li.card")).to_have_count(3)

    # --- search as you type; the matched word is marked; open the right result ---------------
    search = page.get_by_label("Search your files")
    search.press_sequentially("acme consulting", delay=40)
    pdf_result = page.locator("#search-results a.result").filter(has_text=pdf_name)
    expect(pdf_result).to_have_count(1, timeout=30_000)
    expect(pdf_result.locator("mark").first).to_have_text("Acme", ignore_case=True)
    page.screenshot(path=screenshots / "search.png")
    # Keyboard: the down arrow moves from the box into the results, Enter opens one.
    search.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.contains('result')")
    pdf_result.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(pdf_name)
    expect(page.locator("#search-results")).to_be_hidden()

    # --- the file page: summary, tags, metadata, preview, rename with the suggestion -------
    expect(page.locator(".summary")).to_contain_text("Acme")
    expect(page.get_by_role("list", name="Tags").locator("li.tag").first).to_be_visible()
    expect(page.locator(".meta-group").filter(has_text="PDF properties")).to_be_visible()
    preview = page.locator(".preview img")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    assert page.evaluate(UNLABELLED_FIELDS) == []
    suggested = page.locator(".suggested-name").inner_text()
    assert suggested and suggested != pdf_name and suggested.endswith(".pdf")
    page.screenshot(path=screenshots / "file-page.png", full_page=True)
    page.get_by_role("button", name="Use this name").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(suggested)
    expect(page.get_by_role("button", name="Use this name")).to_have_count(0)

    # Tags are editable: add one, see it, remove it.
    page.get_by_label("Add a tag").fill("tax-2026")
    page.get_by_role("button", name="Add tag").click()
    expect(page.get_by_role("link", name="tax-2026")).to_be_visible()
    page.get_by_role("button", name="Remove tag tax-2026").click()
    expect(page.get_by_role("link", name="tax-2026")).to_have_count(0)

    # --- reprocess: the page follows it to the end on its own ------------------------------
    page.get_by_role("button", name="Reprocess").click()
    badge = page.locator("#file-status .badge")
    expect(badge).not_to_have_attribute("data-status", "completed")
    expect(badge).to_have_attribute("data-status", "completed", timeout=PROCESSING_TIMEOUT_MS)
    file_id = page.evaluate("location.hash.split('/').pop()")
    status = page.request.get(f"{served.url}/api/v1/files/{file_id}/status").json()
    assert status["attempts"] == 2 and status["status"] == "completed"
    assert page.evaluate("window.__notReloaded") is True

    # --- the PNG's page shows the image itself, with its OCR'd words in the text -----------
    page.get_by_role("link", name="← All files").click()
    card(page, png_name).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(png_name)
    image = page.locator(".preview img")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 300", arg=image.element_handle()
    )
    png_id = page.evaluate("location.hash.split('/').pop()")
    assert "Bangkok" in page.request.get(f"{served.url}/api/v1/files/{png_id}/text").text()

    # --- delete with confirmation: cancel keeps it, delete removes it ----------------------
    page.goto(f"{served.url}/#/files/{file_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(suggested)
    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.screenshot(path=screenshots / "delete-confirm.png")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert page.request.get(f"{served.url}/api/v1/files/{file_id}").status == 200
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="My files")).to_be_visible()
    expect(page.locator("li.card")).to_have_count(2)
    assert page.request.get(f"{served.url}/api/v1/files/{file_id}").status == 404

    # --- phone-sized screen ---------------------------------------------------------------------
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    phone.add_cookies([{**cookie}])
    mobile = phone.new_page()
    mobile.goto(served.url + "/")
    expect(mobile.locator("li.card")).to_have_count(2)
    overflow = mobile.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
    mobile.screenshot(path=screenshots / "phone.png")
    phone.close()

    # --- sign out: the cookie is gone and the API no longer answers ---------------------------
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Drive2")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == "drive2_session"]
    assert page.request.get(f"{served.url}/api/v1/files").status == 401
    assert errors.errors == []
    context.close()
