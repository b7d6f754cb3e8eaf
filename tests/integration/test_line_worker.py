"""LINE notifications through a real Celery worker (PostgreSQL + Redis, queues drive2 and
notifications) and the real line-bot-sdk against a local LINE server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from drive2.adapters.db.migrate import upgrade
from drive2.adapters.db.tables import FileRow
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.config import Settings
from drive2.domain.models import FileStatus
from drive2.messaging.task_names import (
    NOTIFICATIONS_QUEUE,
    SEND_DAILY_SUMMARY,
)
from drive2.ports.notification_store import OutboxStatus
from drive2.services.notifications import completion_key
from tests.support.api import register_and_login, upload, wait_for_status
from tests.support.fake_line import Answer, FakeLine, Seen
from tests.support.flex_rules import message_errors
from tests.support.line import file_event, link_line_account, post_webhook, webhook_body
from tests.support.services import server_deployment_env
from tests.support.worker import running_worker

pytestmark = [pytest.mark.services, pytest.mark.slow]

LINE_USER = "U77a0c0ffee"


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, fake: FakeLine) -> Iterator[dict[str, str]]:
    extra = {"LINE_BATCH_WINDOW_SECONDS": "1", "LINE_RETRY_BASE_SECONDS": "1", **fake.env()}
    with server_deployment_env(tmp_path, **extra) as env:
        yield env


@pytest.fixture
def api(env: dict[str, str]) -> Iterator[tuple[TestClient, Container]]:
    settings = Settings(_env_file=None, **env)  # type: ignore[call-arg]
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    c = build_container(settings)
    with TestClient(create_app(c)) as client:
        yield client, c
    c.close()


def _flex(push: Seen) -> dict[str, Any]:
    [message] = push.body["messages"]
    assert message_errors(message) == []
    return dict(message)


def _about(fake: FakeLine, words: str) -> list[Seen]:
    return [p for p in fake.pushes(LINE_USER) if words in p.body["messages"][0].get("altText", "")]


def test_a_file_sent_in_chat_is_processed_and_announced_once(
    api: tuple[TestClient, Container], env: dict[str, str], fake: FakeLine, tmp_path: Path
) -> None:
    client, c = api
    with running_worker(env, tmp_path / "worker.log") as worker:
        headers = register_and_login(client)
        user_id = link_line_account(client, headers, LINE_USER)
        fake.add_content("900001", b"Invoice 42 from Acme Consulting, due in March.", "text/plain")
        post_webhook(
            client, webhook_body(file_event("900001", line_user=LINE_USER, file_name="invoice.txt"))
        )
        assert fake.reply_texts()[-1].startswith("Got it: invoice.txt"), fake.reply_texts()
        [item] = client.get("/api/v1/files", headers=headers).json()["items"]
        done = wait_for_status(client, headers, item["id"], timeout=180)
        assert done["status"] == "completed", done
        fake.wait_for(lambda: len(fake.accepted_pushes(LINE_USER)) == 1, timeout=60)
        bubble = _flex(fake.pushes(LINE_USER)[0])["contents"]
        assert bubble["type"] == "bubble"
        assert "invoice.txt" in str(bubble["body"])
        # The pipeline task and the notification task delivered again: still one message.
        c.queue.dispatch_processing(item["id"], user_id)
        for _ in range(2):
            c.notification_queue.send_completion(item["id"], user_id, 0)
        c.notification_queue.send_batch([{"file_id": item["id"], "user_id": user_id}])
        time.sleep(6)
        assert len(fake.pushes(LINE_USER)) == 1, fake.summary()
        f = c.repo.get_file(item["id"])
        assert f is not None and f.attempts == 1
        entry = c.notification_store.entry(completion_key(f))
        assert entry is not None and entry.status == OutboxStatus.SENT
        assert "drive2.send_processing_complete" in worker.log()


def test_429_is_retried_after_retry_after_and_400_is_not(
    api: tuple[TestClient, Container], env: dict[str, str], fake: FakeLine, tmp_path: Path
) -> None:
    client, c = api
    with running_worker(env, tmp_path / "worker.log"):
        headers = register_and_login(client)
        link_line_account(client, headers, LINE_USER)
        fake.script_push(Answer(429, {"Retry-After": "3"}, {"message": "rate limited"}))
        first = upload(client, headers, "one.txt", b"The first memo.").json()["file_id"]
        wait_for_status(client, headers, first, timeout=180)
        fake.wait_for(lambda: len(fake.accepted_pushes(LINE_USER)) == 1, timeout=60)
        limited, accepted = fake.pushes(LINE_USER)
        assert accepted.at - limited.at >= 3.0
        assert limited.header("X-Line-Retry-Key") == accepted.header("X-Line-Retry-Key")

        fake.script_push(Answer(400, body={"message": "The request body has 1 error(s)"}))
        second = upload(client, headers, "two.txt", b"The second memo.").json()["file_id"]
        wait_for_status(client, headers, second, timeout=180)
        fake.wait_for(lambda: len(fake.pushes(LINE_USER)) == 3, timeout=60)
        time.sleep(5)  # a retry, were one scheduled, would come after 1 s
        assert len(fake.pushes(LINE_USER)) == 3
        f = c.repo.get_file(second)
        assert f is not None
        entry = c.notification_store.entry(completion_key(f))
        assert entry is not None and entry.status == OutboxStatus.FAILED
        assert "400" in (entry.last_error or "")


def test_the_storage_alert_fires_once_per_threshold_crossing(
    api: tuple[TestClient, Container], env: dict[str, str], fake: FakeLine, tmp_path: Path
) -> None:
    client, c = api
    with running_worker(env, tmp_path / "worker.log"):
        headers = register_and_login(client)
        user_id = link_line_account(client, headers, LINE_USER)
        c.repo.set_quota(user_id, 10_000)

        def put(name: str, size: int) -> str:
            r = upload(client, headers, name, ((name.encode() + b"-") * size)[:size])
            assert r.status_code == 202, r.text
            return str(r.json()["file_id"])

        put("a.bin", 5000)  # 50%
        big = put("b.bin", 3200)  # ~82%: 80
        put("c.bin", 400)  # ~86%: nothing new
        put("d.bin", 500)  # ~91%: 90
        fake.wait_for(lambda: len(_about(fake, "storage is 90% full")) == 1, timeout=60)
        assert len(_about(fake, "storage is 80% full")) == 1
        # Below 80% again, then across it: a new crossing, announced again.
        # Deleted for good: a file in the trash still counts toward the quota.
        r = client.delete(f"/api/v1/files/{big}", headers=headers, params={"permanent": "true"})
        assert r.status_code == 204
        put("e.bin", 300)  # ~64%: re-armed
        put("f.bin", 2000)  # ~84%: 80 again
        fake.wait_for(lambda: len(_about(fake, "storage is 80% full")) == 2, timeout=60)
        put("g.bin", 1500)  # ~99%: 90 again
        used = c.repo.storage_used_bytes(user_id)
        put("h.bin", 10_000 - used)  # exactly 100%
        fake.wait_for(lambda: len(_about(fake, "storage is full")) == 1, timeout=60)
        time.sleep(3)
        assert len(_about(fake, "storage is 80% full")) == 2
        assert len(_about(fake, "storage is 90% full")) == 2
        assert len(_about(fake, "storage is full")) == 1
        for push in _about(fake, "storage is"):
            _flex(push)


def test_the_daily_summary_counts_a_generated_day(
    api: tuple[TestClient, Container], env: dict[str, str], fake: FakeLine, tmp_path: Path
) -> None:
    client, c = api
    headers = register_and_login(client)
    user_id = link_line_account(client, headers, LINE_USER)
    bangkok = timedelta(hours=7)
    day_start = datetime(2026, 3, 14, tzinfo=UTC) - bangkok  # 00:00 in Bangkok, in UTC
    # (uploaded at, processed at, status): the day is 2026-03-14 in Asia/Bangkok.
    plan = [
        (day_start + timedelta(hours=1), day_start + timedelta(hours=1, minutes=1), "completed"),
        (day_start + timedelta(hours=9), day_start + timedelta(hours=9, minutes=5), "completed"),
        (day_start + timedelta(hours=23, minutes=59), None, "pending"),
        (day_start + timedelta(hours=12), day_start + timedelta(hours=12, minutes=1), "failed"),
        # Uploaded the day before (23:30 Bangkok), finished on the day.
        (day_start - timedelta(minutes=30), day_start + timedelta(minutes=5), "completed"),
        # 00:00 next day and the day before: outside.
        (day_start + timedelta(days=1), day_start + timedelta(days=1, minutes=1), "completed"),
        (day_start - timedelta(hours=5), day_start - timedelta(hours=4), "failed"),
    ]
    total = 0
    for i, (uploaded, processed, status) in enumerate(plan):
        data = f"file {i} of the generated day".encode()
        total += len(data)
        fid = upload(client, headers, f"f{i}.txt", data).json()["file_id"]
        with c.engine.begin() as conn:
            conn.execute(
                update(FileRow)
                .where(FileRow.id == fid)
                .values(uploaded_at=uploaded, processed_at=processed, status=status)
            )
    assert FileStatus.PENDING.value == "pending"
    with running_worker(env, tmp_path / "worker.log"):
        queue = c.notification_queue
        queue.app.send_task(
            SEND_DAILY_SUMMARY, args=[user_id, "2026-03-14"], queue=NOTIFICATIONS_QUEUE
        )
        queue.app.send_task(
            SEND_DAILY_SUMMARY, args=[user_id, "2026-03-14"], queue=NOTIFICATIONS_QUEUE
        )
        queue.app.send_task(
            SEND_DAILY_SUMMARY, args=[user_id, "2020-01-01"], queue=NOTIFICATIONS_QUEUE
        )
        fake.wait_for(lambda: len(_about(fake, "Drive2 today")) >= 1, timeout=60)
        time.sleep(3)
    [push] = _about(fake, "Drive2 today")  # once, and nothing for a quiet day
    message = _flex(push)
    assert message["altText"].startswith("Drive2 today: 4 uploaded, 3 completed, 1 failed;")
    body = str(message["contents"]["body"])
    assert "Saturday 14 March 2026" in body
    assert f"{total} B of 50.0 GB" in body
