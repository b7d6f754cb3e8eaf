"""Hybrid search through the HTTP API: the relevance floor, exact matches first, why each
result was found, cross-language search (multilingual-e5-small), and the same keyword ranking
(BM25) on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drive2.api.app import create_app
from drive2.config import Settings
from tests.conftest import SettingsFactory
from tests.integration.test_search_api import (
    BREAD,
    HIKING,
    INVOICE,
    PYTHON,
    THAI,
    add,
    find,
    ids,
    make_container,
)
from tests.support.api import register_and_login
from tests.support.e5 import e5_embedder
from tests.support.services import fresh_postgres_database

#: Six to fourteen files through the real pipeline per test: minutes on a busy machine.
pytestmark = pytest.mark.timeout(1200)

PHOTO_LIST = (
    "Photo list from the beach trip: img 5195 img 5196 img 5197, img 5195 again, the sunset "
    "ones are img 5200 to img 5210. Thai file names ภาพถ่าย img 5195."
)


@pytest.fixture
def drive(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    container = make_container(settings)
    with TestClient(create_app(container)) as client:
        headers = register_and_login(client)
        files = {
            "bread": add(client, headers, "bread.md", BREAD),
            "hiking": add(client, headers, "trip.txt", HIKING),
            "python": add(client, headers, "notes.txt", PYTHON),
            "thai": add(client, headers, "bill.txt", THAI),
            "photos": add(client, headers, "photo-list.txt", PHOTO_LIST),
            "img": add(client, headers, "IMG_5195.txt", "Sunset over the sea, taken at 18:02."),
        }
        yield client, headers, files
    container.close()


def test_a_query_about_nothing_in_the_drive_finds_nothing(
    drive: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, headers, files = drive
    for q in ("xyzzy nonsense", "quantum chromodynamics lattice gauge"):
        for mode in ("hybrid", "semantic", "keyword"):
            assert find(client, headers, q, mode) == [], (q, mode)
    # Still found when something is about it.
    assert ids(find(client, headers, "sourdough"))[0] == files["bread"]


def test_an_exact_file_name_comes_first(
    drive: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, headers, files = drive
    for mode in ("hybrid", "keyword"):
        items = find(client, headers, "IMG_5195", mode)
        # The photo list says "img 5195" four times; the file named so still leads.
        assert ids(items)[:2] == [files["img"], files["photos"]], mode
        assert items[0]["matched"][0] == "name"
        assert items[0]["score"] > items[1]["score"]
    assert ids(find(client, headers, "img_5195.TXT"))[0] == files["img"]


def test_an_exact_tag_and_a_phrase_come_first(
    drive: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, headers, files = drive
    r = client.patch(
        f"/api/v1/files/{files['hiking']}", headers=headers, json={"tags": ["Holiday photos"]}
    )
    assert r.status_code == 200
    # The photo list says "photo" in its name and text; the file tagged so still leads.
    items = find(client, headers, "holiday photos")
    assert ids(items)[0] == files["hiking"] and items[0]["matched"][0] == "tag"
    assert files["photos"] in ids(items)
    # "the summit" as a phrase is only in the trip report; "bread" and "crust" elsewhere.
    items = find(client, headers, "camped near the summit")
    assert ids(items)[0] == files["hiking"] and "phrase" in items[0]["matched"]


def test_each_result_says_how_it_was_found(
    drive: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, headers, files = drive
    both = find(client, headers, "sourdough bread baking")[0]
    assert both["file_id"] == files["bread"]
    assert both["matched"] == ["keyword", "semantic"]
    assert both["keyword_score"] > 0 and 0 < both["semantic_score"] <= 1
    meaning = find(client, headers, "baking a loaf at home")
    assert ids(meaning)[0] == files["bread"] and meaning[0]["matched"] == ["semantic"]
    assert meaning[0]["keyword_score"] is None
    # e5 reads Thai: the bill by its words and its meaning; the photo list (it has a Thai word
    # too) is near by meaning alone, far below the bill, and left out.
    words = find(client, headers, "ค่าไฟฟ้า")
    assert ids(words) == [files["thai"]] and words[0]["matched"] == ["keyword", "semantic"]
    assert "keyword" in find(client, headers, "python", "keyword")[0]["matched"]
    semantic = find(client, headers, "walking in the mountains", "semantic")
    assert semantic and all(i["matched"] == ["semantic"] for i in semantic)
    scores = [i["score"] for i in find(client, headers, "bread trip python invoice", limit=10)]
    assert scores == sorted(scores, reverse=True)


# --- cross-language, with multilingual-e5-small -------------------------------------------------

POWER_TH = (
    "ใบแจ้งค่าไฟฟ้า การไฟฟ้านครหลวง ประจำเดือนมีนาคม จำนวนหน่วยที่ใช้ 412 หน่วย "
    "ยอดเงินที่ต้องชำระ 1,893.50 บาท กรุณาชำระภายในวันที่ 20"
)
LEASE_TH = (
    "สัญญาเช่าห้องชุด ผู้ให้เช่าตกลงให้ผู้เช่าเช่าห้องชุดเป็นเวลาสิบสองเดือน ค่าเช่าเดือนละ "
    "18,000 บาท ชำระทุกวันที่หนึ่งของเดือน เงินประกันสองเดือน"
)


@pytest.fixture
def e5_drive(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    container = make_container(settings)
    container.__dict__["embedder"] = e5_embedder()
    with TestClient(create_app(container)) as client:
        headers = register_and_login(client)
        files = {
            "bread": add(client, headers, "bread.md", BREAD),
            "invoice": add(client, headers, "invoice.txt", INVOICE),
            "hiking": add(client, headers, "trip.txt", HIKING),
            "python": add(client, headers, "notes.txt", PYTHON),
            "power": add(client, headers, "power.txt", POWER_TH),
            "lease": add(client, headers, "lease.txt", LEASE_TH),
        }
        yield client, headers, files
    container.close()


def _is_thai(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return sum("\u0e00" <= ch <= "\u0e7f" for ch in letters) > len(letters) / 2


def test_a_thai_question_finds_english_files_and_an_english_one_thai_files(
    e5_drive: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, headers, files = e5_drive
    cases = {
        "สูตรทำขนมปังที่บ้าน": "bread",  # bread recipe at home -> the English recipe
        "ใบแจ้งหนี้ค่าที่ปรึกษาด้านภาษี": "invoice",  # tax consulting invoice
        "เดินป่าบนดอยอินทนนท์": "hiking",
        "how much is the electricity bill": "power",  # -> the Thai bill
        "monthly rent for the apartment": "lease",
    }
    for q, wanted in cases.items():
        items = find(client, headers, q)
        assert ids(items)[0] == files[wanted], q
        assert "semantic" in items[0]["matched"]
        # The snippet is the document's own text, in its own language.
        assert _is_thai(items[0]["snippet"]) == (wanted in {"power", "lease"}), q
    # A Thai question about a Thai file still finds it first, and by its words too.
    items = find(client, headers, "ค่าไฟฟ้าเดือนนี้เท่าไหร่")
    assert ids(items)[0] == files["power"] and items[0]["matched"] == ["keyword", "semantic"]
    assert find(client, headers, "xyzzy nonsense") == []


# --- the same BM25 on both databases ------------------------------------------------------------

CORPUS = {
    "bread.md": BREAD,
    "invoice.txt": INVOICE,
    "trip.txt": HIKING,
    "notes.txt": PYTHON,
    "bill.txt": THAI,
    "bread-notes.txt": "Bread notes: rye bread, bread flour, and a starter that smells of apples.",
    "consulting.txt": "Consulting hours: tax advisory on Monday, bread baking class on Friday.",
}
QUERIES = ("bread", "tax consulting invoice", "bread starter flour", "ค่าไฟฟ้า ยอดเงิน", "trail")


def _keyword_rankings(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    ids_of = {
        f["id"]: f["filename"] for f in client.get("/api/v1/files", headers=headers).json()["items"]
    }
    out = {}
    for q in QUERIES:
        items = find(client, headers, q, "keyword")
        out[q] = [(ids_of[i["file_id"]], i["score"]) for i in items]
    return out


@pytest.mark.services
def test_postgresql_and_sqlite_rank_keywords_alike(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    rankings = []
    with fresh_postgres_database() as url:
        for overrides in ({}, {"DATABASE_URL": url, "DRIVE2_DATA_DIR": tmp_path / "pg"}):
            container = make_container(make_settings(**overrides))
            try:
                with TestClient(create_app(container)) as client:
                    headers = register_and_login(client)
                    for name, text in CORPUS.items():
                        add(client, headers, name, text)
                    rankings.append(_keyword_rankings(client, headers))
            finally:
                container.close()
    sqlite, postgres = rankings
    for q in QUERIES:
        assert [n for n, _ in postgres[q]] == [n for n, _ in sqlite[q]], q
        for (_, a), (_, b) in zip(sqlite[q], postgres[q], strict=True):
            assert b == pytest.approx(a, rel=0.02), q
    assert sqlite["bread"][0][0] in {"bread.md", "bread-notes.txt"}
