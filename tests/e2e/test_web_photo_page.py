"""A photo's page in a real browser (issue 14): the preview rendition, the place in English
and Thai, what is in the picture, and the summary, after `drive2 serve` processed it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.e2e.test_web_app import (
    PASSWORD,
    PROCESSING_TIMEOUT_MS,
    PageErrors,
    browser,  # noqa: F401 - the module's Chromium fixture
    card,
    screenshots,  # noqa: F401 - where page pictures go
)
from tests.support import pictures
from tests.support.serve import Served, serving

pytestmark = [pytest.mark.slow, pytest.mark.heavy, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    env = {"AI_PROVIDERS": "local", "EVENTS_POLL_SECONDS": "0.3"}
    with serving(tmp_path_factory.mktemp("web-photo"), env) as server:
        yield server


def test_a_photo_page_shows_place_labels_and_preview(
    served: Served,
    browser: Browser,  # noqa: F811
    screenshots: Path,  # noqa: F811
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = PageErrors(page)
    page.goto(served.url + "/#/signup")
    page.get_by_label("Email").fill(f"photo-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    # Generous: on two shared cores the first request can wait for the worker's start.
    expect(page.get_by_role("heading", name="My files")).to_be_visible(timeout=60_000)
    errors.errors.clear()
    name = "IMG_0413.jpg"
    page.locator("#file-picker").set_input_files(
        [
            {
                "name": name,
                "mimeType": "image/jpeg",
                "buffer": pictures.photo_jpeg("cat", pictures.CHIANG_MAI, scale=2),
            }
        ]
    )
    expect(card(page, name)).to_have_attribute(
        "data-status", "completed", timeout=PROCESSING_TIMEOUT_MS
    )
    card(page, name).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)

    image = page.locator(".preview img")
    assert "/preview?" in (image.get_attribute("src") or "")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 902", arg=image.element_handle()
    )
    place = page.locator(".meta-group.place")
    expect(place).to_contain_text("Chiang Mai, Thailand")
    expect(place.locator("[lang=th]")).to_have_text("เชียงใหม่ ประเทศไทย")
    inside = page.locator(".meta-group.picture")
    expect(inside).to_contain_text("Photo")
    expect(inside).to_contain_text("cat (แมว)")
    expect(page.locator(".summary")).to_contain_text(
        "Photo of a cat, taken 13 April 2024 in Chiang Mai, Thailand."
    )
    expect(page.locator(".suggested-name")).to_have_text("2024-04-13_cat_chiang-mai.jpg")
    page.screenshot(path=screenshots / "photo-page.png", full_page=True)
    assert errors.errors == []
    context.close()


def test_the_header_says_how_far_re_embedding_is_while_it_runs(
    served: Served,
    browser: Browser,  # noqa: F811
) -> None:
    """The header's quiet line follows GET /search/status: shown while a new embedding model
    is being filled in, gone once it serves (the status is played back by the browser here;
    tests/integration/test_reindex.py checks the route itself)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    state = {"state": "building", "percent": 45, "files_done": 9, "files_total": 20}

    def status(route: Route) -> None:
        body = {"model": "multilingual-e5-small", "serving_model": "all-MiniLM-L6-v2", **state}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/api/v1/search/status", status)
    page.goto(served.url + "/#/signup")
    page.get_by_label("Email").fill(f"reindex-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    line = page.locator("#reindex")
    expect(line).to_have_text("Improving search: 45% of files re-read (9 of 20)", timeout=60_000)
    state.update(state="serving", percent=100, files_done=20)
    page.reload()
    expect(page.get_by_role("heading", name="My files")).to_be_visible(timeout=60_000)
    page.wait_for_timeout(1_000)
    expect(line).to_be_hidden()
    context.close()
