"""The file page of a transfer slip in a real browser against `drive2 serve`: the document's
own date near the top, the money record (amount, date, who was paid, reference) and the
file list sorted by document date both ways."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_web_app import (
    PROCESSING_TIMEOUT_MS,
    PageErrors,
    browser,  # noqa: F401 - the fixture
    card,
    screenshots,  # noqa: F401 - the fixture
    sign_up,
)
from tests.support import money_docs
from tests.support.serve import Served, serving

pytestmark = [pytest.mark.slow, pytest.mark.heavy, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    env = {"TASK_RETRY_DELAY_SECONDS": "0.5", "EVENTS_POLL_SECONDS": "0.3", "AI_PROVIDERS": "local"}
    with serving(tmp_path_factory.mktemp("web-money"), env) as server:
        yield server


def test_a_slip_shows_its_money_and_date_and_the_list_sorts_by_date(
    served: Served,
    browser: Browser,  # noqa: F811
    screenshots: Path,  # noqa: F811
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = PageErrors(page)
    sign_up(page, served.url, f"money-{uuid.uuid4().hex[:8]}@example.com")
    errors.errors.clear()  # the signed-out page's 401 on /users/me
    slip, invoice = "slip.png", "invoice.pdf"
    page.locator("#file-picker").set_input_files(
        [
            {
                "name": slip,
                "mimeType": "image/png",
                "buffer": money_docs.png_bytes(money_docs.kbank_slip()),
            },
            {
                "name": invoice,
                "mimeType": "application/pdf",
                "buffer": money_docs.pdf_bytes(money_docs.english_invoice()),
            },
        ]
    )
    for name in (slip, invoice):
        expect(card(page, name)).to_have_attribute(
            "data-status", "completed", timeout=PROCESSING_TIMEOUT_MS
        )

    # --- sorted by the documents' own dates: the slip (12 Feb) before the invoice (3 Mar) ---
    page.get_by_role("button", name="List").click()
    page.get_by_label("Sort", exact=True).select_option(label="Date (oldest)")
    rows = page.locator("table.file-table tbody tr")
    expect(rows.first).to_contain_text(slip)
    expect(rows.last).to_contain_text(invoice)
    assert "sort=document_date" in page.url
    page.get_by_label("Sort", exact=True).select_option(label="Date (newest)")
    expect(rows.first).to_contain_text(invoice)
    expect(rows.last).to_contain_text(slip)

    # --- the slip's page: its date near the top and its money record ------------------------
    rows.filter(has_text=slip).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(slip)
    expect(page.locator("#document-date")).to_have_attribute("datetime", "2025-02-12")
    money = page.get_by_role("region", name="Money")
    expect(money).to_be_visible()
    expect(money.locator(".money-kind")).to_have_text("Transfer")
    expect(money.locator(".money-amount")).to_contain_text("1,250.00")
    expect(money.locator(".money-reference")).to_have_text("015043143510ATF01234")
    expect(money.locator(".money-paid-to")).to_contain_text("สมหญิง")
    expect(page.locator(".suggested-name")).to_contain_text("2025-02-12_transfer_1250-THB_")
    page.screenshot(path=screenshots / "money-slip.png", full_page=True)
    assert errors.errors == []
