"""document_date through the API: on the file, in the list's sort, in search's from/to and
in date phrases of queries; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from drive2.api.app import create_app
from tests.conftest import SettingsFactory
from tests.integration.test_search_api import add, find, make_container
from tests.support import documents as docs
from tests.support.api import register_and_login
from tests.support.files import pdf_with_text
from tests.support.services import fresh_postgres_database

BANGKOK = ZoneInfo("Asia/Bangkok")


def _upload_day(file: dict[str, Any]) -> date:
    """The day a file was uploaded on Bangkok's calendar (TIMEZONE), as Drive2 reads it; not
    the test's own clock, which may stand on the other side of midnight."""
    return datetime.fromisoformat(file["uploaded_at"]).astimezone(BANGKOK).date()


@pytest.fixture(params=["sqlite", "postgresql"])
def dated(
    request: pytest.FixtureRequest, make_settings: SettingsFactory, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    if request.param == "postgresql":
        request.applymarker(pytest.mark.services)
        with fresh_postgres_database() as url:
            yield from _library(make_settings(DATABASE_URL=url))
    else:
        yield from _library(make_settings())


def _library(settings: Any) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    container = make_container(settings)
    with TestClient(create_app(container)) as client:
        headers = register_and_login(client)
        files = {
            "receipt": add(client, headers, "IMG_0001.txt", docs.RECEIPT_TH),
            "slip": add(client, headers, "slip.txt", docs.SLIP_TH),
            "report": add(client, headers, "report.pdf", pdf_with_text(docs.REPORT_EN)),
            "undated": add(client, headers, "note.txt", "Buy oat milk and coffee beans."),
        }
        yield client, headers, files
    container.close()


def _file(client: TestClient, headers: dict[str, str], file_id: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/files/{file_id}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_file_carries_the_date_its_content_states(
    dated: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, headers, files = dated
    receipt = _file(client, headers, files["receipt"])
    assert receipt["document_date"] == "2025-03-14"  # "วันที่ ๑๔ มี.ค. ๒๕๖๘"
    assert receipt["metadata"]["date"] == {
        "value": "2025-03-14",
        "source": "text",
        "role": "issue",
        "written": "๑๔ มี.ค. ๒๕๖๘",
    }
    assert receipt["ai"]["suggested_filename"].startswith("2025-03-14_")
    assert "2025" in receipt["tags"]
    assert _file(client, headers, files["slip"])["document_date"] == "2025-06-02"
    assert _file(client, headers, files["report"])["document_date"] == "2025-01-08"
    undated = _file(client, headers, files["undated"])
    assert undated["document_date"] == _upload_day(undated).isoformat()
    assert undated["metadata"]["date"]["source"] == "uploaded"
    # The list carries it too.
    r = client.get("/api/v1/files", headers=headers)
    assert {i["id"]: i["document_date"] for i in r.json()["items"]}[files["slip"]] == "2025-06-02"


def test_the_list_sorts_by_document_date_both_ways(
    dated: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, headers, files = dated
    order = [files[k] for k in ("undated", "slip", "receipt", "report")]
    for sort, expected in (("-document_date", order), ("document_date", order[::-1])):
        r = client.get("/api/v1/files", params={"sort": sort}, headers=headers)
        assert r.status_code == 200, r.text
        assert [i["id"] for i in r.json()["items"]] == expected
    page = client.get("/api/v1/files", params={"sort": "-document_date", "limit": 2, "offset": 1})
    assert page.status_code == 401  # no token, no list
    r = client.get(
        "/api/v1/files", params={"sort": "-document_date", "limit": 2, "offset": 1}, headers=headers
    )
    assert [i["id"] for i in r.json()["items"]] == order[1:3]
    # The old orders still work, and a wrong one is still a 422 that names them.
    assert client.get("/api/v1/files", params={"sort": "-uploaded_at"}, headers=headers).is_success
    bad = client.get("/api/v1/files", params={"sort": "-taken"}, headers=headers)
    assert bad.status_code == 422 and "-document_date" in bad.json()["detail"]


def test_search_from_and_to_filter_on_the_document_date(
    dated: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, headers, files = dated
    both = {files["receipt"], files["slip"]}
    assert {i["file_id"] for i in find(client, headers, "บาท", "keyword")} == both
    later = find(client, headers, "บาท", "keyword", **{"from": "2025-04-01"})
    assert [i["file_id"] for i in later] == [files["slip"]]
    day = find(client, headers, "บาท", "hybrid", **{"from": "2025-03-14", "to": "2025-03-14"})
    assert [i["file_id"] for i in day] == [files["receipt"]]
    assert find(client, headers, "บาท", "semantic", to="2025-01-07") == []
    # The upload time is still reachable: everything was uploaded today.
    uploaded = _upload_day(_file(client, headers, files["slip"]))
    tomorrow = (uploaded + timedelta(days=1)).isoformat()
    assert find(client, headers, "บาท", "keyword", uploaded_from=tomorrow) == []
    assert len(find(client, headers, "บาท", "keyword", uploaded_to=uploaded.isoformat())) == 2
    bad = client.get(
        "/api/v1/search",
        params={"q": "x", "from": "2025-02-01", "to": "2025-01-01"},
        headers=headers,
    )
    assert bad.status_code == 422 and "before" in bad.json()["detail"]


def _search(client: TestClient, headers: dict[str, str], q: str, **params: Any) -> Any:
    r = client.get("/api/v1/search", params={"q": q, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_date_phrase_in_the_query_filters_and_the_rest_is_searched(
    dated: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, headers, files = dated
    # Only a date: the files of those days, latest first.
    body = _search(client, headers, "2025")
    assert [i["file_id"] for i in body["items"]] == [
        files["slip"],
        files["receipt"],
        files["report"],
    ]
    assert body["date_range"] == {"from": "2025-01-01", "to": "2025-12-31", "phrase": "2025"}
    thai = _search(client, headers, "มีนาคม 2568")
    assert [i["file_id"] for i in thai["items"]] == [files["receipt"]]
    assert thai["date_range"]["from"] == "2025-03-01" and thai["date_range"]["to"] == "2025-03-31"
    # Words and a date: both must hold.
    assert [i["file_id"] for i in _search(client, headers, "กาแฟ มีนาคม 2568")["items"]] == [
        files["receipt"]
    ]
    assert _search(client, headers, "กาแฟ เมษายน 2568", mode="keyword")["items"] == []
    english = _search(client, headers, "delivery service from January 2025", mode="keyword")
    assert [i["file_id"] for i in english["items"]] == [files["report"]]
    assert english["date_range"]["phrase"] == "from January 2025"
    # Relative dates are read in Bangkok's today: the undated note was uploaded today.
    today = _search(client, headers, "today")
    assert [i["file_id"] for i in today["items"]] == [files["undated"]]
    assert _search(client, headers, "เมื่อวาน")["items"] == []
    # A question asks about what files say: its year is a word, not the days to look in
    # (as a filter, 2024 would leave out the report dated January 2025).
    asked = _search(client, headers, "What were the sales in Q4 2024?", mode="keyword")
    assert asked["date_range"] is None
    assert [i["file_id"] for i in asked["items"]][:1] == [files["report"]]
    thai_q = _search(client, headers, "ยอดขายไตรมาสสี่ปี 2024 เท่าไร", mode="keyword")
    assert thai_q["date_range"] is None
    # No date in the query: nothing said about dates, and numbers stay words.
    plain = _search(client, headers, "coffee beans")
    assert plain["date_range"] is None and plain["items"]
    assert _search(client, headers, "room 2567", mode="keyword")["date_range"] is None
