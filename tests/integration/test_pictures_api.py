"""Pictures through the HTTP API and the real pipeline (issue 14): real photos with real
EXIF taken in Thailand and abroad, a phone screenshot and a photo of a Thai receipt are
uploaded, processed (the packaged classifier, the offline geocoder, real tesseract) and then
shown with their place in English and Thai, their labels, kind, summary, suggested name and
preview, and found by searches in Thai and English."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from drive2.bootstrap import Container
from drive2.pipeline.runner import RunOutcome
from tests.support import pictures
from tests.support.api import register_and_login, upload

UPLOADS: dict[str, Any] = {
    "IMG_0413.jpg": lambda: pictures.photo_jpeg("cat", pictures.CHIANG_MAI, scale=2),
    "IMG_0501.jpg": lambda: pictures.photo_jpeg(
        "coffee", pictures.AREZZO, taken="2023:09:02 09:15:00", offset="+02:00"
    ),
    "IMG_0777.jpg": lambda: pictures.photo_jpeg(
        "motorcycle", pictures.BANGKOK, taken="2025:01:05 18:30:00"
    ),
    "IMG_0900.jpg": lambda: pictures.photo_jpeg(
        "rocket", pictures.TOKYO, taken="2024:11:30 10:00:00", offset="+09:00"
    ),
    "Screenshot_2025-02-12.png": lambda: pictures.screenshot_png(),
    "IMG_1001.jpg": lambda: pictures.document_photo_jpeg(spot=pictures.CHIANG_MAI),
    "notes.txt": lambda: b"Shopping list: rice, fish sauce, limes.",
}


@pytest.fixture(scope="module")
def processed(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, Container, dict[str, str], dict[str, str]]]:
    """One drive with every upload processed (the models load once for the module)."""
    from drive2.adapters.db.migrate import upgrade
    from drive2.api.app import create_app
    from drive2.bootstrap import build_container
    from drive2.config import Settings

    data_dir = tmp_path_factory.mktemp("pictures") / "data"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DRIVE2_DATA_DIR=data_dir,
        JWT_SECRET="test-secret-" + "x" * 40,
        STORAGE_FSYNC=False,
    )
    data_dir.mkdir(parents=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with TestClient(create_app(container)) as client:
        headers = register_and_login(client)
        ids = {}
        for name, make in UPLOADS.items():
            r = upload(client, headers, name, make())
            assert r.status_code == 202, r.text
            ids[name] = r.json()["file_id"]
            assert container.runner.run(ids[name]) is RunOutcome.COMPLETED, name
        yield client, container, headers, ids
    container.close()


def _file(processed: Any, name: str) -> dict[str, Any]:
    client, _, headers, ids = processed
    r = client.get(f"/api/v1/files/{ids[name]}", headers=headers)
    assert r.status_code == 200, r.text
    f: dict[str, Any] = r.json()
    assert f["status"] == "completed", f
    return f


def test_a_photo_in_chiang_mai(processed: Any) -> None:
    f = _file(processed, "IMG_0413.jpg")
    assert f["metadata"]["place"] == {
        "name": "Chiang Mai",
        "name_th": "เชียงใหม่",
        "admin1": "Chiang Mai",
        "admin1_th": "เชียงใหม่",
        "country": "Thailand",
        "country_th": "ไทย",
        "country_code": "TH",
    }
    picture = f["metadata"]["picture"]
    assert picture["kind"] == "photo" and picture["model"] == "efficientnet-lite0"
    assert picture["labels"][0]["label"] == "cat" and picture["labels"][0]["label_th"] == "แมว"
    assert f["ai"]["summary"] == (
        "Photo of a cat, taken 13 April 2024 in Chiang Mai, Thailand. "
        "ภาพถ่ายแมว ถ่ายเมื่อ 13 เมษายน 2567 ที่เชียงใหม่ ประเทศไทย"
    )
    assert f["ai"]["suggested_filename"] == "2024-04-13_cat_chiang-mai.jpg"
    assert f["ai"]["provider"] == "local"
    for tag in ("cat", "แมว", "chiang mai", "เชียงใหม่", "thailand", "ไทย", "2024", "apple"):
        assert tag in f["tags"], (tag, f["tags"])
    assert f["metadata"]["exif"]["taken_at"] == "2024-04-13T15:20:00"
    # The date taken dates the file (the timeline and the date filters read document_date).
    assert f["document_date"] == "2024-04-13"


def test_photos_abroad_and_in_bangkok(processed: Any) -> None:
    coffee = _file(processed, "IMG_0501.jpg")
    assert coffee["metadata"]["place"]["country"] == "Italy"
    assert coffee["metadata"]["place"]["country_th"] == "อิตาลี"
    assert coffee["metadata"]["place"]["name"] == "Arezzo"
    assert coffee["ai"]["summary"].startswith(
        "Photo of coffee, taken 2 September 2023 in Arezzo, Tuscany, Italy."
    )
    assert "ที่Arezzo ประเทศอิตาลี" in coffee["ai"]["summary"]
    assert coffee["ai"]["suggested_filename"] == "2023-09-02_coffee_arezzo.jpg"
    assert {"coffee", "กาแฟ", "italy", "อิตาลี", "tuscany"} <= set(coffee["tags"])

    bike = _file(processed, "IMG_0777.jpg")
    place = bike["metadata"]["place"]
    assert (place["admin1"], place["admin1_th"]) == ("Bangkok", "กรุงเทพมหานคร")
    assert place["name_th"]  # a Bangkok district, in Thai
    assert bike["metadata"]["picture"]["labels"][0]["label"] == "motorcycle"
    assert bike["ai"]["suggested_filename"].startswith("2025-01-05_motorcycle_")
    assert {"motorcycle", "รถจักรยานยนต์", "bangkok", "กรุงเทพมหานคร", "กรุงเทพ"} <= set(bike["tags"])

    rocket = _file(processed, "IMG_0900.jpg")
    assert rocket["metadata"]["place"]["admin1"] == "Tokyo"
    assert rocket["metadata"]["place"]["country_th"] == "ญี่ปุ่น"
    assert rocket["metadata"]["exif"]["taken_at"] == "2024-11-30T10:00:00+09:00"
    assert rocket["ai"]["suggested_filename"].startswith("2024-11-30_rocket_")
    assert (coffee["document_date"], bike["document_date"], rocket["document_date"]) == (
        "2023-09-02",
        "2025-01-05",
        "2024-11-30",
    )


def test_a_screenshot_is_summarised_from_its_text(processed: Any) -> None:
    f = _file(processed, "Screenshot_2025-02-12.png")
    assert f["metadata"]["picture"]["kind"] == "screenshot"
    assert "place" not in f["metadata"]
    # The chat is in Thai and English; the kind's sentence follows the text's language.
    summary = f["ai"]["summary"]
    assert summary.startswith(("Screenshot. ", "ภาพหน้าจอ ")), summary
    assert any(words in summary for words in ("Chiang Mai", "tickets", "สถานีรถไฟ")), summary
    # No date in its text: named after the day it was uploaded, on Bangkok's calendar.
    uploaded = datetime.fromisoformat(f["uploaded_at"]).astimezone(ZoneInfo("Asia/Bangkok"))
    assert f["ai"]["suggested_filename"].startswith(f"{uploaded.date()}_screenshot_")
    assert f["ai"]["suggested_filename"].endswith(".png")
    assert {"screenshot", "ภาพหน้าจอ"} <= set(f["tags"])


def test_a_photo_of_a_receipt_is_a_document(processed: Any) -> None:
    f = _file(processed, "IMG_1001.jpg")
    picture = f["metadata"]["picture"]
    assert picture["kind"] == "document", picture
    assert any(reason.startswith("OCR read") for reason in picture["kind_reasons"])
    # The money it shows leads the summary (a receipt is found and read by its amount),
    # then what the picture is.
    summary = f["ai"]["summary"]
    money = f["ai"]["money"]
    assert money is not None and money["amount"] == "215.00", money
    assert summary.startswith(("ใบเสร็จ 215.00", "Receipt 215.00")), summary
    assert "Photo of a document" in summary or "ภาพถ่ายเอกสาร" in summary, summary
    assert "เชียงใหม่" in summary or "Chiang Mai" in summary
    assert f["ai"]["suggested_filename"].startswith("2024-04-13_")
    assert {"document", "ภาพถ่ายเอกสาร", "chiang mai"} <= set(f["tags"])


def test_previews_for_pictures_only(processed: Any) -> None:
    client, _, headers, ids = processed
    for name, longest in (("Screenshot_2025-02-12.png", 1440), ("IMG_0413.jpg", 902)):
        f = _file(processed, name)
        assert f["has_preview"] is True and f["has_thumbnail"] is True
        r = client.get(f"/api/v1/files/{ids[name]}/preview", headers=headers)
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        assert r.headers["x-content-type-options"] == "nosniff"
        with Image.open(io.BytesIO(r.content)) as img:
            assert img.format == "JPEG" and max(img.size) == longest  # never enlarged
            assert not img.getexif()
    notes = _file(processed, "notes.txt")
    assert notes["has_preview"] is False
    r = client.get(f"/api/v1/files/{ids['notes.txt']}/preview", headers=headers)
    assert r.status_code == 404 and r.json() == {"detail": "this file has no preview"}


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Bangkok", "IMG_0777.jpg"),
        ("กรุงเทพ", "IMG_0777.jpg"),
        ("กรุงเทพมหานคร", "IMG_0777.jpg"),
        ("Italy", "IMG_0501.jpg"),
        ("อิตาลี", "IMG_0501.jpg"),
        ("cat", "IMG_0413.jpg"),
        ("แมว", "IMG_0413.jpg"),
        ("coffee", "IMG_0501.jpg"),
        ("กาแฟ", "IMG_0501.jpg"),
        ("motorcycle", "IMG_0777.jpg"),
        ("ญี่ปุ่น", "IMG_0900.jpg"),
        ("Tokyo", "IMG_0900.jpg"),
        ("ภาพหน้าจอ", "Screenshot_2025-02-12.png"),
    ],
)
def test_searches_in_thai_and_english_find_them(processed: Any, query: str, name: str) -> None:
    """Keyword search ranks the picture first (its tags and summary hold the words); the
    default hybrid search finds it too."""
    client, _, headers, ids = processed
    for mode in ("keyword", "hybrid"):
        r = client.get("/api/v1/search", headers=headers, params={"q": query, "mode": mode})
        assert r.status_code == 200, r.text
        found = [item["file_id"] for item in r.json()["items"]]
        names = {v: k for k, v in ids.items()}
        assert ids[name] in found, (mode, query, [names[i] for i in found])
        if mode == "keyword":
            assert found[0] == ids[name], (mode, query, [names[i] for i in found])


def test_both_chiang_mai_pictures_are_found_in_both_languages(processed: Any) -> None:
    client, _, headers, ids = processed
    wanted = {ids["IMG_0413.jpg"], ids["IMG_1001.jpg"]}
    for query in ("Chiang Mai", "เชียงใหม่"):
        r = client.get("/api/v1/search", headers=headers, params={"q": query, "mode": "keyword"})
        found = {item["file_id"] for item in r.json()["items"]}
        assert wanted <= found, (query, found)
        assert ids["IMG_0777.jpg"] not in found


def test_the_new_stages_have_durations_in_records_and_metrics(processed: Any) -> None:
    client, _, headers, ids = processed
    status = client.get(f"/api/v1/files/{ids['IMG_0413.jpg']}/status", headers=headers).json()
    stages = {s["name"]: s for s in status["stages"]}
    assert [s["name"] for s in status["stages"]] == [
        "detect_type",
        "metadata",
        "place",
        "ocr",
        "document_date",
        "thumbnail",
        "picture",
        "ai_analysis",
        "embed",
    ]
    assert all(stages[n]["outcome"] == "done" for n in ("place", "picture", "thumbnail"))
    assert stages["picture"]["duration_ms"] > 0
    metrics = client.get("/metrics").text
    for stage in ("place", "picture", "thumbnail"):
        assert f'drive2_stage_duration_seconds_count{{outcome="done",stage="{stage}"}}' in (
            metrics
        ), stage


@pytest.mark.parametrize(
    ("query", "name"),
    [("a kitten", "IMG_0413.jpg"), ("espresso", "IMG_0501.jpg"), ("scooter", "IMG_0777.jpg")],
)
def test_photos_are_found_by_meaning(processed: Any, query: str, name: str) -> None:
    """A photo has no text; its description is embedded, so words it does not contain
    still find it. (The receipt from a coffee shop is about coffee too: "espresso" may find
    it first.)"""
    client, _, headers, ids = processed
    r = client.get("/api/v1/search", headers=headers, params={"q": query, "mode": "semantic"})
    found = [item["file_id"] for item in r.json()["items"]]
    names = {v: k for k, v in ids.items()}
    assert ids[name] in found[:2], (query, [names[i] for i in found])


def test_a_timeline_by_date_taken_and_date_filters(processed: Any) -> None:
    client, _, headers, ids = processed
    listed = client.get(
        "/api/v1/files", headers=headers, params={"sort": "document_date", "type": "image"}
    ).json()["items"]
    photos = [f["filename"] for f in listed if f["filename"].startswith("IMG_0")]
    # Taken 2023-09-02, 2024-04-13, 2024-11-30, 2025-01-05: the order they were taken in.
    assert photos == ["IMG_0501.jpg", "IMG_0413.jpg", "IMG_0900.jpg", "IMG_0777.jpg"]
    r = client.get(
        "/api/v1/search",
        headers=headers,
        params={"q": "photo", "mode": "keyword", "from": "2024-01-01", "to": "2024-12-31"},
    )
    found = {item["file_id"] for item in r.json()["items"]}
    assert ids["IMG_0413.jpg"] in found and ids["IMG_0900.jpg"] in found
    assert ids["IMG_0501.jpg"] not in found and ids["IMG_0777.jpg"] not in found
