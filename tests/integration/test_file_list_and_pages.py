"""What the web app adds around the API: the list's optional `sort` and `type` (the default
list unchanged), and the pages at `/` with their security headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.api import register_and_login
from tests.support.files import pdf_with_text, png_bytes

FILES = [
    ("b-notes.txt", b"plain words " * 30),
    ("A-report.pdf", pdf_with_text("A short report")),
    ("c-pixel.png", png_bytes()),
    ("d-data.csv", b"a,b\n1,2\n"),
]


@pytest.fixture
def listed(client: TestClient) -> tuple[TestClient, dict[str, str], dict[str, str]]:
    headers = register_and_login(client)
    ids = {}
    for name, data in FILES:
        r = client.post("/api/v1/files/upload", headers=headers, files={"file": (name, data)})
        assert r.status_code == 202, r.text
        ids[name] = r.json()["file_id"]
    return client, headers, ids


def names(client: TestClient, headers: dict[str, str], query: str) -> list[str]:
    r = client.get(f"/api/v1/files?{query}", headers=headers)
    assert r.status_code == 200, r.text
    return [item["filename"] for item in r.json()["items"]]


def test_default_order_is_still_newest_first(listed: tuple) -> None:  # type: ignore[type-arg]
    client, headers, _ = listed
    newest_first = [name for name, _ in reversed(FILES)]
    assert names(client, headers, "") == newest_first
    assert names(client, headers, "sort=-uploaded_at") == newest_first
    assert names(client, headers, "sort=uploaded_at") == [name for name, _ in FILES]


def test_sort_by_name_ignores_case_and_by_size(listed: tuple) -> None:  # type: ignore[type-arg]
    client, headers, _ = listed
    by_name = ["A-report.pdf", "b-notes.txt", "c-pixel.png", "d-data.csv"]
    assert names(client, headers, "sort=filename") == by_name
    assert names(client, headers, "sort=-filename") == list(reversed(by_name))
    sizes = {name: len(data) for name, data in FILES}
    assert names(client, headers, "sort=size_bytes") == sorted(sizes, key=sizes.__getitem__)
    assert names(client, headers, "sort=-size_bytes") == sorted(sizes, key=lambda n: -sizes[n])


def test_pages_of_a_sorted_list_neither_repeat_nor_skip(listed: tuple) -> None:  # type: ignore[type-arg]
    client, headers, _ = listed
    pages = [names(client, headers, f"sort=filename&limit=3&offset={o}") for o in (0, 3)]
    assert pages[0] + pages[1] == names(client, headers, "sort=filename")
    r = client.get("/api/v1/files?sort=filename&limit=3&offset=3", headers=headers)
    assert r.json()["total"] == 4


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("image", {"c-pixel.png"}),
        ("application/pdf", {"A-report.pdf"}),
        ("pdf", {"A-report.pdf"}),
        ("text", {"b-notes.txt", "d-data.csv"}),
        ("image,pdf", {"c-pixel.png", "A-report.pdf"}),
        (" IMAGE , ", {"c-pixel.png"}),
        ("video", set()),
    ],
)
def test_type_filters_like_search_does(listed: tuple, kind: str, expected: set[str]) -> None:  # type: ignore[type-arg]
    client, headers, _ = listed
    r = client.get("/api/v1/files", params={"type": kind}, headers=headers)
    assert r.status_code == 200, r.text
    assert {item["filename"] for item in r.json()["items"]} == expected
    assert r.json()["total"] == len(expected)


@pytest.mark.parametrize(
    "query",
    # LIKE wildcards (% and _) never reach the query.
    [
        "sort=name",
        "sort=uploaded_at;drop",
        "type=image%25",
        "type=te_t",
        "type=a%20b",
        "type=" + ",x" * 30,
    ],
)
def test_bad_sort_or_type_is_422(listed: tuple, query: str) -> None:  # type: ignore[type-arg]
    client, headers, _ = listed
    r = client.get(f"/api/v1/files?{query}", headers=headers)
    assert r.status_code == 422
    assert isinstance(r.json()["detail"], str)


def test_the_page_at_root_has_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert '<script type="module" src="/static/js/main.js">' in page.text
    script = client.get("/static/js/main.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["content-security-policy"] == csp
    for asset in ("/static/app.css", "/static/icon.svg", "/static/js/api.js"):
        assert client.get(asset).status_code == 200, asset


def test_no_path_escapes_the_static_folder(client: TestClient) -> None:
    for path in (
        "/static/../../config.py",
        "/static/%2e%2e/routes.py",
        "/static/..%2f..%2fconfig.py",
        "/static/nothing.js",
    ):
        assert client.get(path).status_code == 404, path


def test_the_api_routes_around_the_pages_are_unchanged(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    # Issue 13: /docs serves Swagger UI from Drive2 itself, under the pages' strict CSP.
    assert "script-src 'self'" in client.get("/docs").headers["content-security-policy"]
    assert client.get("/metrics").status_code == 200
    assert client.get("/api/v1/files").status_code == 401
    # "events" is a route of its own, not a file id.
    assert client.get("/api/v1/files/events").status_code == 401
