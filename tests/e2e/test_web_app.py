"""The web app in a real browser (Debian's headless chromium driven by Playwright) against
`drive2 serve`: sign up, upload three kinds of files, watch them finish without reloading,
search, open, rename with the suggested name, reprocess, delete, ask a question.

Screenshots of the main views go to $DRIVE2_SCREENSHOTS_DIR when it is set (the committed
ones in docs/screenshots are refreshed by scripts/refresh-screenshots.sh), else to the
test's temporary folder.
"""

from __future__ import annotations

import io
import os
import re
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.files import pdf_with_text
from tests.support.images import png_bytes, render_text
from tests.support.media import encrypted_pdf
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
    # Password hashing on a busy machine can take seconds.
    expect(page.get_by_role("heading", name="My files")).to_be_visible(timeout=30_000)


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
    # One unit system: the 50 GiB quota reads as such.
    expect(page.locator("#storage")).to_contain_text("0 B of 50 GiB used")
    # The server has no LINE: nothing offers to link it.
    expect(page.locator("#line-link")).to_be_hidden()

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
    # The first search loads the model into the API process: slow on a busy machine.
    expect(pdf_result).to_have_count(1, timeout=PROCESSING_TIMEOUT_MS)
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
    # Details in plain words: no internal limits, the extracted text on the page.
    expect(page.locator(".file-page")).not_to_contain_text("max chars")
    expect(page.locator(".file-page")).not_to_contain_text("2000000")
    expect(page.locator("#file-text")).to_contain_text("Acme Consulting")
    # The PDF opens in the browser's own viewer, served inline (PDFs only).
    viewer = page.locator("iframe.pdf-viewer")
    expect(viewer).to_be_visible()
    src = viewer.get_attribute("src") or ""
    assert src.endswith("/download?disposition=inline"), src
    inline = page.request.get(served.url + src)
    assert inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"].startswith("inline;")
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

    # --- trash then restore; then delete for good from the trash ---------------------------
    page.goto(f"{served.url}/#/files/{file_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(suggested)
    page.get_by_role("button", name="Move to trash").click()
    expect(page.locator(".notice")).to_contain_text("Moved to the trash")
    expect(page.locator(".trash-banner")).to_be_visible()
    assert page.request.get(f"{served.url}/api/v1/files/{file_id}").json()["trashed_at"]
    page.get_by_role("link", name="← All files").click()
    expect(page.locator("li.card")).to_have_count(2)
    page.get_by_role("link", name="Trash").click()
    expect(page.get_by_role("heading", name="Trash")).to_be_visible()
    trashed = page.locator(f'#trash-items tr[data-file-id="{file_id}"]')
    expect(trashed).to_contain_text(suggested)
    page.screenshot(path=screenshots / "trash.png")
    trashed.get_by_role("button", name=f"Restore {suggested}").click()
    expect(page.locator("#trash-items")).to_contain_text("The trash is empty.")
    page.get_by_role("link", name="← All files").click()
    expect(page.locator("li.card")).to_have_count(3)
    expect(card(page, suggested)).to_have_attribute("data-status", "completed")
    found = page.request.get(f"{served.url}/api/v1/search", params={"q": "Acme", "mode": "keyword"})
    assert file_id in [i["file_id"] for i in found.json()["items"]]
    card(page, suggested).get_by_role("link").click()
    page.get_by_role("button", name="Move to trash").click()
    expect(page.locator(".trash-banner")).to_be_visible()
    page.get_by_role("button", name="Delete forever").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.screenshot(path=screenshots / "delete-confirm.png")
    dialog.get_by_role("button", name="Delete forever").click()
    expect(page.get_by_role("heading", name="Trash")).to_be_visible()
    expect(page.locator("#trash-items")).to_contain_text("The trash is empty.")
    assert page.request.get(f"{served.url}/api/v1/files/{file_id}").status == 404
    page.get_by_role("link", name="← All files").click()
    expect(page.locator("li.card")).to_have_count(2)

    # --- Ask mode: an answer quoted from a file; its card opens the passage, marked ---------
    page.get_by_role("button", name="Ask", exact=True).click()
    question = page.get_by_label("Ask your files")
    question.fill("What did the garden committee agree to plant?")
    question.press("Enter")
    expect(page.locator("#answer-text")).to_contain_text("mango trees", timeout=30_000)
    source = page.locator("#search-results a.citation").filter(has_text=docx_name)
    expect(source).to_have_count(1)
    expect(source.locator("q")).to_contain_text("mango trees")
    page.screenshot(path=screenshots / "ask.png")
    source.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(docx_name)
    expect(page.locator("#quoted")).to_contain_text("mango trees")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_label("Search your files")).to_be_visible()

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
    # The list on a phone says what a file is in a word, not with a MIME type.
    mobile.get_by_role("button", name="List").click()
    expect(mobile.locator("table.file-table tbody tr")).to_have_count(2)
    types = mobile.locator('table.file-table td[data-label="Type"]').all_inner_texts()
    assert sorted(types) == ["Photo", "Word"], types
    phone.close()

    # --- sign out: the cookie is gone and the API no longer answers ---------------------------
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Drive2")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == "drive2_session"]
    assert page.request.get(f"{served.url}/api/v1/files").status == 401
    assert errors.errors == []
    context.close()


def _completed(page: Page, *names: str) -> None:
    for name in names:
        expect(card(page, name)).to_have_attribute(
            "data-status", "completed", timeout=PROCESSING_TIMEOUT_MS
        )


def test_sharing_bulk_actions_and_careful_uploads(
    served: Served, browser: Browser, screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    page = context.new_page()
    errors = PageErrors(page)
    email = f"web2-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, served.url, email)
    errors.errors.clear()
    api = f"{served.url}/api/v1"
    texts = {
        "groceries.txt": b"Mangoes, sticky rice and coconut milk for Saturday.",
        "packing.txt": b"Passport, charger and a rain jacket for Chiang Mai.",
        "ideas.txt": b"Plant a lime tree by the north fence.",
    }
    page.locator("#file-picker").set_input_files(
        [{"name": n, "mimeType": "text/plain", "buffer": d} for n, d in texts.items()]
        + [{"name": "locked.pdf", "mimeType": "application/pdf", "buffer": encrypted_pdf()}]
    )
    _completed(page, *texts, "locked.pdf")

    # --- a skipped stage: "Completed with warnings", and why, at the top of its page ---------
    expect(card(page, "locked.pdf").locator(".badge")).to_have_text("Completed with warnings")
    card(page, "locked.pdf").get_by_role("link").click()
    warnings = page.locator("#file-warnings")
    expect(warnings).to_contain_text("Completed with warnings")
    expect(warnings).to_contain_text("The text could not be read")
    expect(page.locator("#file-status .badge")).not_to_contain_text("extract_text")
    page.get_by_role("link", name="← All files").click()

    # --- choosing a filter with the keyboard keeps the focus on it ----------------------------
    page.locator("#filter-type").focus()
    page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"type=image"))
    assert page.evaluate("document.activeElement.id") == "filter-type"
    page.keyboard.press("ArrowUp")
    expect(page.locator("li.card")).to_have_count(4)
    assert page.evaluate("document.activeElement.id") == "filter-type"

    # --- select two files (a click, then a shift-click), zip them, tag them -----------------
    page.get_by_label("Sort", exact=True).select_option(label="Name A–Z")
    expect(page.locator("li.card .name").first).to_have_text("groceries.txt")
    boxes = page.locator("li.card input.select-box")
    boxes.nth(0).click()
    boxes.nth(1).click(modifiers=["Shift"])
    expect(page.locator("#bulk-count")).to_have_text("2 selected")
    chosen = [page.locator("li.card .name").nth(i).inner_text() for i in (0, 1)]
    assert chosen == ["groceries.txt", "ideas.txt"]
    ids = [page.locator("li.card").nth(i).get_attribute("data-file-id") for i in (0, 1)]
    page.screenshot(path=screenshots / "bulk-select.png")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download zip").click()
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
        assert sorted(archive.namelist()) == sorted(chosen)
    page.get_by_label("Tag selected files").fill("Project X")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator(".bulk-message")).to_have_text("2 files tagged.")
    listed = page.request.get(f"{api}/files").json()["items"]
    tagged = sorted(f["id"] for f in listed if "project x" in f["tags"])
    assert tagged == sorted(ids), listed

    # --- share a file; the link opens in a browser with no session; then revoke it ---------
    page.goto(f"{served.url}/#/files/{ids[0]}")
    expect(page.get_by_role("heading", level=1)).to_have_text(chosen[0])
    page.get_by_role("button", name="Share").click()
    share_dialog = page.get_by_role("dialog")
    share_dialog.get_by_label("Link works for").select_option(label="1 day")
    share_dialog.get_by_role("button", name="Create link").click()
    link = share_dialog.locator("#share-url")
    expect(link).to_have_value(re.compile(r"/s/[A-Za-z0-9_-]{43}$"))
    url = link.input_value()
    page.screenshot(path=screenshots / "share-dialog.png")
    stranger = browser.new_context(accept_downloads=True)
    visitor = stranger.new_page()
    visitor_errors = PageErrors(visitor)
    visitor.goto(url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(chosen[0])
    expect(visitor.locator(".facts")).to_contain_text("Text")
    visitor.screenshot(path=screenshots / "share-page.png")
    with visitor.expect_download() as got:
        visitor.get_by_role("link", name="Download").click()
    assert Path(got.value.path()).read_bytes() == texts[chosen[0]]
    share_dialog.get_by_role("button", name="Revoke").click()
    expect(share_dialog.locator(".notice")).to_contain_text("revoked")
    gone = visitor.goto(url)
    assert gone is not None and gone.status == 404
    expect(visitor.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert visitor_errors.errors == [] or all("404" in e for e in visitor_errors.errors)
    stranger.close()
    share_dialog.get_by_role("button", name="Close").click()

    # --- rename keeps the extension; a tag in another case is said to exist ------------------
    page.get_by_label("File name").fill("weekend")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("weekend.txt")
    expect(page.locator(".file-page .notice")).to_contain_text("Saved as “weekend.txt”")
    expect(page.locator(".file-page .notice")).to_contain_text("ending was kept")
    expect(page.get_by_role("button", name="Remove .txt")).to_be_visible()
    page.get_by_label("Add a tag").fill("PROJECT X")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator(".file-page .notice")).to_contain_text("as “project x”")

    # --- the session ends: what was typed stays, sign in again, carry on ---------------------
    context.clear_cookies()
    page.get_by_label("File name").fill("after-expiry.txt")
    page.get_by_role("button", name="Rename").click()
    reauth = page.locator("#reauth")
    expect(reauth).to_be_visible()
    expect(page.get_by_label("File name")).to_have_value("after-expiry.txt")
    reauth.get_by_label("Password").fill(PASSWORD)
    reauth.get_by_role("button", name="Sign in").click()
    expect(reauth).to_have_count(0)
    expect(page.get_by_label("File name")).to_have_value("after-expiry.txt")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("after-expiry.txt")
    assert all("401" in e for e in errors.errors), errors.errors
    errors.errors.clear()

    # --- a slow upload: it stays in sight on a file page, leaving asks first, cancel, retry ---
    page.get_by_role("link", name="← All files").click()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 32 * 1024},
    )
    big = os.urandom(3 * 1024 * 1024)
    page.locator("#file-picker").set_input_files(
        [{"name": "big.bin", "mimeType": "application/octet-stream", "buffer": big}]
    )
    cancel = page.get_by_role("button", name="Cancel upload of big.bin")
    expect(cancel).to_be_visible()
    card(page, "ideas.txt").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ideas.txt")
    expect(page.locator("#upload-panel")).to_contain_text("big.bin")
    page.screenshot(path=screenshots / "upload-panel.png")
    asked: list[str] = []

    def stay(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"] and not page.is_closed()
    cancel.click()
    row = page.locator("#uploads li").filter(has_text="big.bin")
    expect(row).to_have_attribute("data-state", "cancelled")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    assert not any(
        f["filename"] == "big.bin" for f in page.request.get(f"{api}/files").json()["items"]
    )
    page.get_by_role("button", name="Retry upload of big.bin").click()
    expect(row).to_have_attribute("data-state", "done", timeout=60_000)
    page.get_by_role("link", name="← All files").click()
    expect(card(page, "big.bin")).to_have_count(1)
    # Uploading the same bytes again links to the file already there.
    page.locator("#file-picker").set_input_files(
        [{"name": "big-again.bin", "mimeType": "application/octet-stream", "buffer": big}]
    )
    again = page.locator("#uploads li").filter(has_text="big-again.bin")
    expect(again).to_have_attribute("data-state", "duplicate")
    again.get_by_role("link", name="big.bin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("big.bin")
    assert errors.errors == [], errors.errors
    context.close()
