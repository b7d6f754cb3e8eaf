"""GET /files/events over real HTTP (uvicorn), on SQLite and on PostgreSQL: each user's
stream carries their own files' status, stage and progress as they change, and never
another user's; Last-Event-ID resumes without replaying what was sent."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.domain.models import FileStatus, ProcessingResult
from tests.conftest import SettingsFactory
from tests.support.live_server import live_server
from tests.support.services import fresh_postgres_database
from tests.support.sse import Event, EventReader

PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def events_container(
    request: pytest.FixtureRequest, make_settings: SettingsFactory
) -> Iterator[Container]:
    if request.param == "sqlite":
        settings = make_settings(EVENTS_POLL_SECONDS=0.1)
        database = None
    else:
        database = fresh_postgres_database()
        url = database.__enter__().replace("postgresql://", "postgresql+psycopg://")
        settings = make_settings(EVENTS_POLL_SECONDS=0.1, DATABASE_URL=url)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    try:
        yield container
    finally:
        container.close()
        if database is not None:
            database.__exit__(None, None, None)


@pytest.fixture
def server(events_container: Container) -> Iterator[str]:
    with live_server(create_app(events_container)) as url:
        yield url


class Account:
    def __init__(self, base: str) -> None:
        self.email = f"sse-{uuid.uuid4().hex[:8]}@example.com"
        self.http = httpx.Client(base_url=base, timeout=30)
        assert (
            self.http.post(
                "/api/v1/auth/register", json={"email": self.email, "password": PASSWORD}
            ).status_code
            == 201
        )
        token = self.http.post(
            "/api/v1/auth/login", data={"username": self.email, "password": PASSWORD}
        ).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def upload(self, name: str, data: bytes) -> str:
        r = self.http.post(
            "/api/v1/files/upload", headers=self.headers, files={"file": (name, data)}
        )
        assert r.status_code == 202, r.text
        return str(r.json()["file_id"])

    def stream(self, base: str, last_event_id: str | None = None) -> EventReader:
        headers = dict(self.headers)
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        return EventReader(f"{base}/api/v1/files/events", headers)


def run_pipeline_states(c: Container, file_id: str) -> None:
    """What a worker writes, through the same repository calls."""
    claimed = c.repo.claim(file_id, FileStatus.PENDING, 0)
    assert claimed is not None
    assert c.repo.set_stage(file_id, claimed.attempts, "extract_text", 40)
    assert c.repo.set_stage(file_id, claimed.attempts, "ai_analysis", 70)
    result = ProcessingResult(
        content_type="text/plain",
        text="words",
        text_excerpt="words",
        metadata={},
        ai=None,
        thumbnail_key=None,
        tags=["notes"],
    )
    assert c.repo.complete(file_id, claimed.attempts, result)


def states(events: list[Event], file_id: str) -> list[tuple[str, int, str | None]]:
    out = []
    for e in events:
        body: dict[str, Any] = e.json()
        if body["id"] == file_id:
            out.append((body["status"], body["progress"], body["stage"]))
    return out


def test_a_stream_carries_its_users_changes_and_nobody_elses(
    server: str, events_container: Container
) -> None:
    ann, bob = Account(server), Account(server)
    ann_stream, bob_stream = ann.stream(server), bob.stream(server)
    try:
        assert ann_stream.status == 200
        assert ann_stream.content_type.startswith("text/event-stream")
        ann_file = ann.upload("ann.txt", b"ann's notes")
        bob_file = bob.upload("bob.txt", b"bob's notes")
        first = ann_stream.until(lambda e: e.json()["id"] == ann_file)
        assert first[-1].event == "file"
        assert first[-1].json()["status"] == "pending"
        assert first[-1].json()["filename"] == "ann.txt"
        run_pipeline_states(events_container, ann_file)
        run_pipeline_states(events_container, bob_file)
        seen = first + ann_stream.until(
            lambda e: e.json()["id"] == ann_file and e.json()["status"] == "completed"
        )
        ann_states = states(seen, ann_file)
        assert ann_states[0] == ("pending", 0, "queued")
        assert ann_states[-1] == ("completed", 100, "done")
        # The pipeline moved fast; every state the stream caught is a real one, in order.
        assert set(ann_states) <= {
            ("pending", 0, "queued"),
            ("processing", 10, "starting"),
            ("processing", 40, "extract_text"),
            ("processing", 70, "ai_analysis"),
            ("completed", 100, "done"),
        }
        assert [s[1] for s in ann_states] == sorted(s[1] for s in ann_states)
        assert seen[-1].json()["tags"] == ["notes"]
        bob_seen = bob_stream.until(
            lambda e: e.json()["id"] == bob_file and e.json()["status"] == "completed"
        )
        # Later polls still bring nothing of the other user's, and no state twice.
        ann_late = ann_stream.drain(1.5)
        bob_late = bob_stream.drain(0.5)
        assert all(e.json()["id"] == ann_file for e in seen + ann_late)
        assert all(e.json()["id"] == bob_file for e in bob_seen + bob_late)
        assert ann_late == []
        ids = [e.id for e in seen]
        assert all(ids) and ids == sorted(ids)  # ISO times of one offset sort as text
    finally:
        ann_stream.close()
        bob_stream.close()


def test_last_event_id_resumes_after_what_was_sent(
    server: str, events_container: Container
) -> None:
    ann = Account(server)
    stream = ann.stream(server)
    file_id = ann.upload("resume.txt", b"resume me")
    run_pipeline_states(events_container, file_id)
    try:
        done = stream.until(lambda e: e.json()["status"] == "completed")
    finally:
        stream.close()
    resumed = ann.stream(server, last_event_id=done[-1].id)
    try:
        assert resumed.drain(1.0) == []  # nothing already sent comes again
        r = ann.http.patch(
            f"/api/v1/files/{file_id}", headers=ann.headers, json={"filename": "renamed.txt"}
        )
        assert r.status_code == 200
        [renamed] = resumed.until(lambda e: True)
        assert renamed.json()["filename"] == "renamed.txt"
        assert renamed.json()["status"] == "completed"
    finally:
        resumed.close()


def test_the_stream_needs_a_user_and_takes_the_session_cookie(server: str) -> None:
    anonymous = httpx.get(f"{server}/api/v1/files/events", timeout=10)
    assert anonymous.status_code == 401
    ann = Account(server)
    r = ann.http.post(
        "/api/v1/auth/session",
        json={"email": ann.email, "password": PASSWORD},
        headers={"X-Drive2-CSRF": "1"},
    )
    assert r.status_code == 200
    cookie = r.cookies["drive2_session"]
    # EventSource sends no custom headers: a GET stream is signed in by the cookie alone.
    reader = EventReader(f"{server}/api/v1/files/events", {}, cookies={"drive2_session": cookie})
    try:
        assert reader.status == 200
        file_id = ann.upload("cookie.txt", b"seen through the cookie")
        assert reader.until(lambda e: e.json()["id"] == file_id)[-1].json()["status"] == "pending"
    finally:
        reader.close()


def open_streams(base: str) -> float:
    for line in httpx.get(f"{base}/metrics", timeout=10).text.splitlines():
        if line.startswith("drive2_event_streams_open "):
            return float(line.split()[1])
    raise AssertionError("drive2_event_streams_open is not in /metrics")


def wait_for_open_streams(base: str, wanted: float, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while (now := open_streams(base)) != wanted:
        assert time.monotonic() < deadline, f"{now} streams open, expected {wanted}"
        time.sleep(0.1)


def test_a_stream_ends_when_its_client_goes(server: str) -> None:
    """A closed tab must not leave a loop polling the database for ever."""
    ann = Account(server)
    baseline = open_streams(server)
    first, second = ann.stream(server), ann.stream(server)
    try:
        wait_for_open_streams(server, baseline + 2)
        first.close()
        wait_for_open_streams(server, baseline + 1)
    finally:
        second.close()
    wait_for_open_streams(server, baseline)
