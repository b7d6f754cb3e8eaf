"""GET /api/v1/ask through the HTTP interface, offline (extractive), with the deployment's
real embedder and the real pipeline (container.runner.run on uploaded files): English, Thai
and across them, "not found", another user's files, deleted files, /metrics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.config import Settings
from drive2.pipeline.runner import RunOutcome
from drive2.ports.embedder import Embedder
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.services import fresh_postgres_database

LEASE = (
    "Apartment lease agreement between Somchai Jaidee (landlord) and Ann Smith (tenant) for "
    "unit 12B of Sukhumvit Garden Residence. The monthly rent is 15,000 THB, due on the "
    "5th of each month. The lease starts on 1 June 2025 and ends on 31 May 2026. A deposit "
    "of two months' rent is held by the landlord and returned within 30 days of moving out."
)
CAR = (
    "Car service record for the Toyota Yaris, plate 1กข 2345. The engine oil and the oil "
    "filter were changed at 40,000 km on 12 March 2025 at Bangkok Auto Care. The front "
    "tyres were replaced with Michelin tyres. The next service is due at 50,000 km."
)
BREAD = (
    "Sourdough bread recipe. Mix 500 g of flour with 350 g of water and 100 g of active "
    "starter. Let the dough rise overnight in the fridge, shape it, then bake at 230 degrees "
    "for forty minutes until the crust is dark and crisp."
)
ELECTRICITY = (
    "ใบแจ้งหนี้ค่าไฟฟ้าประจำเดือนมีนาคม การไฟฟ้านครหลวง เขตบางกะปิ หน่วยที่ใช้ 320 หน่วย "
    "ยอดเงินที่ต้องชำระทั้งสิ้น 1,250 บาท กรุณาชำระภายในวันที่ 25 เมษายน "
    "หากชำระเกินกำหนดจะมีค่าปรับ"
)
SCHOOL = (
    "ประกาศโรงเรียนสาธิตบางนา นักเรียนทุกคนต้องมาถึงโรงเรียนก่อนเวลา 7:30 น. "
    "การสอบกลางภาคจะเริ่มในวันที่ 15 กรกฎาคม ผู้ปกครองสามารถติดต่อครูประจำชั้นได้ทางโทรศัพท์"
)


@lru_cache(maxsize=1)
def shared_embedder() -> Embedder:
    """The deployment's default embedder, loaded once per test session."""
    embedder = build_container(Settings(_env_file=None)).embedder  # type: ignore[call-arg]
    embedder.embed(["warm up"])
    return embedder


def make_container(settings: Settings) -> Container:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    container.__dict__["embedder"] = shared_embedder()  # the cached_property, pre-filled
    return container


@pytest.fixture
def ask_client(settings: Settings) -> Iterator[TestClient]:
    container = make_container(settings)
    with TestClient(create_app(container)) as client:
        yield client
    container.close()


def _container(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined, no-any-return]


def add(client: TestClient, headers: dict[str, str], name: str, text: str) -> str:
    r = upload(client, headers, name, text.encode())
    assert r.status_code == 202, r.text
    file_id: str = r.json()["file_id"]
    assert _container(client).runner.run(file_id) is RunOutcome.COMPLETED
    return file_id


def ask(client: TestClient, headers: dict[str, str], q: str, **params: Any) -> dict[str, Any]:
    r = client.get("/api/v1/ask", params={"q": q, **params}, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert set(body) == {"answer", "found", "mode", "citations"}
    return body


def cited(body: dict[str, Any]) -> list[str]:
    return [c["file_id"] for c in body["citations"]]


@pytest.fixture
def drive(ask_client: TestClient) -> tuple[dict[str, str], dict[str, str]]:
    headers = register_and_login(ask_client)
    files = {
        "lease": add(ask_client, headers, "lease.txt", LEASE),
        "car": add(ask_client, headers, "car-service.txt", CAR),
        "bread": add(ask_client, headers, "bread.md", BREAD),
        "electricity": add(ask_client, headers, "ค่าไฟ.txt", ELECTRICITY),
        "school": add(ask_client, headers, "school.txt", SCHOOL),
    }
    return headers, files


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    ("question", "source", "expected"),
    [
        ("When does the lease end?", "lease", "31 May 2026"),
        ("How much is the monthly rent?", "lease", "15,000 THB"),
        ("At what mileage is the next car service due?", "car", "50,000 km"),
        ("How long should the bread bake?", "bread", "forty minutes"),
        ("ค่าไฟเดือนมีนาคมต้องจ่ายเท่าไร", "electricity", "1,250 บาท"),
        ("สอบกลางภาคเริ่มวันไหน", "school", "15 กรกฎาคม"),
    ],
)
def test_an_answer_quotes_the_file_that_holds_it(
    ask_client: TestClient,
    drive: tuple[dict[str, str], dict[str, str]],
    question: str,
    source: str,
    expected: str,
) -> None:
    headers, files = drive
    body = ask(ask_client, headers, question)
    assert body["found"] is True and body["mode"] == "extractive"
    assert _squash(expected) in _squash(body["answer"]), body
    assert len(body["answer"]) < 400  # an answer, not a page
    first = body["citations"][0]
    assert first["file_id"] == files[source]
    assert (
        first["filename"]
        == {
            "lease": "lease.txt",
            "car": "car-service.txt",
            "bread": "bread.md",
            "electricity": "ค่าไฟ.txt",
            "school": "school.txt",
        }[source]
    )
    assert _squash(expected) in _squash(first["quote"])
    assert 0 < first["score"] <= 1


def _multilingual() -> bool:
    name = shared_embedder().model_name.lower()
    return "e5" in name or "multilingual" in name


@pytest.mark.parametrize(
    ("question", "source", "expected"),
    [
        ("สัญญาเช่าอพาร์ตเมนต์สิ้นสุดวันไหน", "lease", "31 May 2026"),
        ("How much is the electricity bill for March?", "electricity", "1,250"),
    ],
)
def test_a_question_in_one_language_is_answered_from_a_file_in_the_other(
    ask_client: TestClient,
    drive: tuple[dict[str, str], dict[str, str]],
    question: str,
    source: str,
    expected: str,
) -> None:
    assert _multilingual(), "the default embedder must read Thai and English in one space"
    headers, files = drive
    body = ask(ask_client, headers, question)
    assert body["found"] is True
    assert cited(body)[0] == files[source]
    assert _squash(expected) in _squash(body["answer"])


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("What is the boiling point of mercury?", "could not find"),
        ("Who won the football world cup in 1998?", "could not find"),
        ("ดาวอังคารมีดวงจันทร์กี่ดวง", "ไม่พบคำตอบ"),
    ],
)
def test_nothing_relevant_is_not_found_with_no_citations(
    ask_client: TestClient, drive: tuple[dict[str, str], dict[str, str]], question: str, says: str
) -> None:
    headers, _ = drive
    body = ask(ask_client, headers, question)
    assert body == {"answer": body["answer"], "found": False, "mode": "extractive", "citations": []}
    assert says in body["answer"]


def test_an_empty_drive_finds_nothing_and_bad_questions_are_refused(
    ask_client: TestClient,
) -> None:
    headers = register_and_login(ask_client)
    assert ask(ask_client, headers, "When does the lease end?")["found"] is False
    for params, status in (
        ({"q": ""}, 422),
        ({"q": "x" * 1001}, 422),
        ({"q": "lease", "limit": 0}, 422),
        ({"q": "lease", "limit": 11}, 422),
        ({}, 422),
    ):
        r = ask_client.get("/api/v1/ask", params=params, headers=headers)
        assert r.status_code == status, (params, r.text)
        assert isinstance(r.json()["detail"], str)
    assert ask_client.get("/api/v1/ask", params={"q": "lease"}).status_code == 401
    # Only blanks: refused like an empty question.
    r = ask_client.get("/api/v1/ask", params={"q": "   "}, headers=headers)
    assert r.status_code == 422 and "empty" in r.json()["detail"]


def test_another_users_files_are_never_used(
    ask_client: TestClient, drive: tuple[dict[str, str], dict[str, str]]
) -> None:
    headers, files = drive
    other = register_and_login(ask_client)
    secret = add(
        ask_client,
        other,
        "vault.txt",
        "Private note. The code of the office vault is 7719-4480. Change it every quarter.",
    )
    mine = ask(ask_client, headers, "What is the code of the office vault?")
    assert secret not in cited(mine)
    assert "7719" not in mine["answer"]
    theirs = ask(ask_client, other, "What is the code of the office vault?")
    assert theirs["found"] is True and cited(theirs) == [secret]
    assert "7719-4480" in theirs["answer"]
    # The owner of the drive does not see the other's file even when it is all there is.
    lease = ask(ask_client, other, "When does the lease end?")
    assert files["lease"] not in cited(lease)


def test_a_deleted_file_is_never_cited(
    ask_client: TestClient, drive: tuple[dict[str, str], dict[str, str]]
) -> None:
    # Trash (issue 16) is not on this branch: deleting is the way a file leaves the drive.
    headers, files = drive
    assert cited(ask(ask_client, headers, "When does the lease end?"))[0] == files["lease"]
    r = ask_client.delete(f"/api/v1/files/{files['lease']}", headers=headers)
    assert r.status_code == 204
    after = ask(ask_client, headers, "When does the lease end?")
    assert files["lease"] not in cited(after)
    assert "31 May 2026" not in after["answer"]


def test_questions_are_counted_in_metrics(
    ask_client: TestClient, drive: tuple[dict[str, str], dict[str, str]]
) -> None:
    headers, _ = drive
    ask(ask_client, headers, "When does the lease end?")
    ask(ask_client, headers, "What is the boiling point of mercury?")
    text = ask_client.get("/metrics").text
    found = 'drive2_questions_total{channel="api",found="true",mode="extractive"} 1.0'
    missed = 'drive2_questions_total{channel="api",found="false",mode="extractive"} 1.0'
    assert found in text and missed in text, text[-3000:]
    assert 'drive2_question_duration_seconds_count{mode="extractive"} 2.0' in text
    assert 'drive2_question_duration_seconds_bucket{le="+Inf",mode="extractive"} 2.0' in text


@pytest.mark.services
def test_answers_on_postgresql_are_the_same(make_settings: SettingsFactory) -> None:
    """The server deployment's keyword index (PostgreSQL full text) feeds the same answers."""
    with fresh_postgres_database() as url:
        container = make_container(make_settings(DATABASE_URL=url))
        try:
            with TestClient(create_app(container)) as client:
                headers = register_and_login(client)
                other = register_and_login(client)
                lease = add(client, headers, "lease.txt", LEASE)
                electricity = add(client, headers, "ค่าไฟ.txt", ELECTRICITY)
                add(client, headers, "car-service.txt", CAR)
                copy = add(client, other, "lease-copy.txt", LEASE + " A copy.")
                body = ask(client, headers, "When does the lease end?")
                assert body["found"] and cited(body)[0] == lease and copy not in cited(body)
                assert "31 May 2026" in body["answer"]
                thai = ask(client, headers, "ค่าไฟเดือนมีนาคมต้องจ่ายเท่าไร")
                assert cited(thai)[0] == electricity and "1,250" in thai["answer"]
                missing = ask(client, headers, "What is the boiling point of mercury?")
                assert missing["found"] is False and missing["citations"] == []
        finally:
            container.close()
