"""The notification service with the real line-bot-sdk against a local LINE server: what is
sent, to whom, once; retries on 429/5xx after Retry-After; a 400 recorded, not retried."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from drive2.adapters.db.tables import FileRow, NotificationRow
from drive2.bootstrap import Container
from drive2.config import Settings
from drive2.domain.object_keys import thumbnail_key
from drive2.ports.notification_store import OutboxKind, OutboxStatus
from drive2.services.notifications import RetryLater, completion_key, failure_key
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.fake_line import Answer, FakeLine, Seen
from tests.support.files import png_bytes
from tests.support.flex_rules import message_errors
from tests.support.line import finish_file

LINE_USER = "U4af4980629"


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


@pytest.fixture
def settings(make_settings: SettingsFactory, fake: FakeLine) -> Settings:
    """The suite's `container` and `client` fixtures, with LINE pointed at the fake server."""
    return make_settings(
        **fake.env(),
        PUBLIC_URL="https://drive.example.com",
        LINE_RETRY_BASE_SECONDS=0.5,
        LINE_SEND_MAX_ATTEMPTS=3,
    )


def _linked_user(
    client: TestClient, c: Container, line_user: str = LINE_USER
) -> tuple[dict[str, str], str]:
    headers = register_and_login(client)
    user_id = client.get("/api/v1/users/me", headers=headers).json()["id"]
    c.notification_store.link_line_user(user_id, line_user)
    return headers, user_id


def _uploaded(client: TestClient, headers: dict[str, str], name: str = "a.txt") -> str:
    r = upload(client, headers, name, f"content of {name} {time.time_ns()}".encode())
    assert r.status_code == 202, r.text
    return str(r.json()["file_id"])


def test_a_completion_is_one_valid_bubble_sent_once_to_the_linked_user(
    client: TestClient, container: Container, fake: FakeLine
) -> None:
    c = container
    headers, user_id = _linked_user(client, c)
    fid = _uploaded(client, headers, "invoice.txt")
    finish_file(c.repo, fid)
    c.notifications.notify_outcome(fid)
    c.notifications.notify_outcome(fid)  # the pipeline task ran twice
    assert c.notifications.send_completion(fid, user_id) == "sent"
    assert c.notifications.send_completion(fid, user_id) == "nothing to send"
    [push] = fake.pushes()
    assert push.body["to"] == LINE_USER
    assert push.header("Authorization") == "Bearer test-line-channel-token"
    assert push.header("X-Line-Retry-Key")
    [message] = push.body["messages"]
    assert message_errors(message) == []
    bubble = message["contents"]
    assert bubble["type"] == "bubble" and "hero" not in bubble  # no thumbnail for a text file
    uri = bubble["footer"]["contents"][0]["action"]["uri"]
    assert uri.startswith(f"https://drive.example.com/api/v1/line/files/{fid}/download?exp=")
    # The signed link really serves the file, without a token.
    r = client.get(uri.removeprefix("https://drive.example.com"))
    assert r.status_code == 200 and r.content.startswith(b"content of invoice.txt")
    assert client.get(uri.removeprefix("https://drive.example.com")[:-3] + "xyz").status_code == 404
    f = c.repo.get_file(fid)
    assert f is not None
    entry = c.notification_store.entry(completion_key(f))
    assert entry is not None and entry.status == OutboxStatus.SENT


def test_nothing_is_recorded_or_sent_for_a_user_without_line(
    client: TestClient, container: Container, fake: FakeLine
) -> None:
    c = container
    headers = register_and_login(client)
    user_id = client.get("/api/v1/users/me", headers=headers).json()["id"]
    fid = _uploaded(client, headers)
    finish_file(c.repo, fid)
    c.notifications.notify_outcome(fid)
    f = c.repo.get_file(fid)
    assert f is not None and c.notification_store.entry(completion_key(f)) is None
    assert c.notifications.send_completion(fid, user_id) in ("nothing to send", "skipped")
    assert fake.pushes() == []


def test_429_waits_for_retry_after_and_sends_with_the_same_retry_key(
    client: TestClient, container: Container, fake: FakeLine
) -> None:
    c = container
    headers, user_id = _linked_user(client, c)
    fid = _uploaded(client, headers)
    finish_file(c.repo, fid, ok=False, error="PDF is encrypted")
    c.notifications.notify_outcome(fid)
    fake.script_push(Answer(429, {"Retry-After": "2"}))
    with pytest.raises(RetryLater) as caught:
        c.notifications.send_failure(fid, user_id, "PDF is encrypted")
    assert caught.value.delay == 2.0
    f = c.repo.get_file(fid)
    assert f is not None
    entry = c.notification_store.entry(failure_key(f))
    assert entry is not None and entry.status == OutboxStatus.QUEUED and entry.attempts == 1
    assert "429" in (entry.last_error or "")
    # Too early: the batch is not due, nothing is sent.
    assert c.notifications.send_failure(fid, user_id, "PDF is encrypted") == "not due"
    assert len(fake.pushes()) == 1
    time.sleep(2.1)
    assert c.notifications.send_failure(fid, user_id, "PDF is encrypted") == "sent"
    first, second = fake.pushes()
    assert second.at - first.at >= 2.0
    assert first.header("X-Line-Retry-Key") == second.header("X-Line-Retry-Key")
    [message] = second.body["messages"]
    assert message_errors(message) == []
    assert message["contents"]["footer"]["contents"][0]["action"]["data"] == (
        f"action=reprocess&file_id={fid}"
    )


def test_a_400_is_recorded_and_not_retried(
    client: TestClient, container: Container, fake: FakeLine
) -> None:
    c = container
    headers, user_id = _linked_user(client, c)
    fid = _uploaded(client, headers)
    finish_file(c.repo, fid)
    c.notifications.notify_outcome(fid)
    fake.script_push(Answer(400, body={"message": "The request body has 1 error(s)"}))
    assert c.notifications.send_completion(fid, user_id) == "rejected"
    assert c.notifications.send_completion(fid, user_id) == "nothing to send"
    assert len(fake.pushes()) == 1
    f = c.repo.get_file(fid)
    assert f is not None
    entry = c.notification_store.entry(completion_key(f))
    assert entry is not None and entry.status == OutboxStatus.FAILED
    assert "400" in (entry.last_error or "") and "1 error" in (entry.last_error or "")


def test_5xx_backs_off_and_gives_up_after_the_last_attempt(
    client: TestClient, container: Container, fake: FakeLine
) -> None:
    c = container
    headers, user_id = _linked_user(client, c)
    fid = _uploaded(client, headers)
    finish_file(c.repo, fid)
    c.notifications.notify_outcome(fid)
    fake.script_push(Answer(500), Answer(503), Answer(500))
    delays = []
    for _ in range(2):
        with pytest.raises(RetryLater) as caught:
            c.notifications.send_completion(fid, user_id)
        delays.append(caught.value.delay)
        time.sleep(caught.value.delay + 0.05)
    assert delays == [0.5, 1.0]  # LINE_RETRY_BASE_SECONDS, doubled
    assert c.notifications.send_completion(fid, user_id) == "gave up"  # attempt 3 of 3
    assert len(fake.pushes()) == 3
    f = c.repo.get_file(fid)
    assert f is not None
    entry = c.notification_store.entry(completion_key(f))
    assert entry is not None and entry.status == OutboxStatus.FAILED
    assert "gave up after 3 attempts" in (entry.last_error or "")


def test_a_push_line_already_accepted_counts_as_sent(
    client: TestClient, container: Container, fake: FakeLine
) -> None:
    """A worker that died after LINE took the push but before marking it sent: the repeat
    carries the same retry key, LINE answers 409, and the user got one message."""
    c = container
    headers, user_id = _linked_user(client, c)
    fid = _uploaded(client, headers)
    finish_file(c.repo, fid)
    c.notifications.notify_outcome(fid)
    f = c.repo.get_file(fid)
    assert f is not None
    batch = c.notification_store.group_pending(user_id, OutboxKind.COMPLETED, 60)
    assert batch is not None
    c.notifier.push(LINE_USER, [{"type": "text", "text": "first"}], retry_key=batch)
    assert c.notifications.deliver(batch) == "sent"
    assert [p.header("X-Line-Retry-Key") for p in fake.pushes()] == [batch, batch]
    assert len(fake.accepted_pushes()) == 1


def test_completions_close_together_go_out_as_one_carousel(
    client: TestClient, container: Container, fake: FakeLine
) -> None:
    c = container
    headers, user_id = _linked_user(client, c)
    ids = [_uploaded(client, headers, f"file-{i}.txt") for i in range(3)]
    for fid in ids:
        finish_file(c.repo, fid)
        c.notifications.notify_outcome(fid)
    outcome = c.notifications.send_batch([{"file_id": fid, "user_id": user_id} for fid in ids])
    assert list(outcome.values()) == ["sent"]
    [push] = fake.pushes()
    [message] = push.body["messages"]
    assert message_errors(message) == []
    assert message["contents"]["type"] == "carousel"
    assert len(message["contents"]["contents"]) == 3
    for fid in ids:  # the per-file tasks that arrive later find nothing left to send
        assert c.notifications.send_completion(fid, user_id) == "nothing to send"
    assert len(fake.pushes()) == 1


def test_a_thumbnail_is_the_hero_image_through_a_signed_https_link(
    client: TestClient, container: Container, fake: FakeLine
) -> None:
    c = container
    headers, user_id = _linked_user(client, c)
    fid = _uploaded(client, headers, "photo.txt")
    finish_file(c.repo, fid)
    key = thumbnail_key(user_id, fid)
    writer = c.blobs.open_writer(key)
    writer.write(png_bytes())
    writer.commit()
    c.repo.set_thumbnail(fid, key)
    c.notifications.notify_outcome(fid)
    assert c.notifications.send_completion(fid, user_id) == "sent"
    [push] = fake.pushes()
    hero = _flex_bubble(push)["hero"]
    assert hero["url"].startswith(f"https://drive.example.com/api/v1/line/files/{fid}/thumbnail?")
    r = client.get(hero["url"].removeprefix("https://drive.example.com"))
    assert r.status_code == 200 and r.content == png_bytes()
    # A download signature does not open the thumbnail, and vice versa.
    wrong = hero["url"].replace("/thumbnail?", "/download?")
    assert client.get(wrong.removeprefix("https://drive.example.com")).status_code == 404


def test_lost_tasks_are_sent_again_by_the_resend_job(
    client: TestClient, container: Container, fake: FakeLine
) -> None:
    c = container
    headers, _ = _linked_user(client, c)
    fid = _uploaded(client, headers)
    finish_file(c.repo, fid, ok=False)
    c.notifications.notify_outcome(fid)  # its task went to a broker nobody reads here
    assert c.notifications.resend_overdue() == 0  # not overdue yet
    with c.engine.begin() as conn:
        conn.execute(
            update(NotificationRow).values(
                updated_at=datetime.now(UTC) - timedelta(minutes=10),
                created_at=datetime.now(UTC) - timedelta(minutes=10),
            )
        )
    overdue = c.notification_store.batches_due(datetime.now(UTC) - timedelta(minutes=5))
    assert [e.file_id for e in overdue] == [fid]
    assert c.notifications.resend_overdue() == 1
    assert c.notifications.send_batch([{"batch_key": overdue[0].batch_key}]) == {
        str(overdue[0].batch_key): "sent"
    }
    assert len(fake.pushes()) == 1


def test_the_daily_fan_out_queues_one_summary_per_linked_user(
    client: TestClient, container: Container
) -> None:
    c = container
    _linked_user(client, c, "Ua")
    _linked_user(client, c, "Ub")
    register_and_login(client)  # not linked
    assert c.notifications.fan_out_daily_summaries() == 2


def _flex_bubble(push: Seen) -> dict[str, Any]:
    [message] = push.body["messages"]
    assert message_errors(message) == []
    return dict(message["contents"])


def test_every_way_the_sweeper_fails_a_file_tells_the_user_once(
    client: TestClient, container: Container, fake: FakeLine
) -> None:
    """Issue 13, item 14: stuck in processing, never queued, lost by its worker."""
    c = container
    headers, user_id = _linked_user(client, c)
    stuck, undeliverable = _uploaded(client, headers, "stuck.txt"), _uploaded(client, headers)
    stuck_file = c.repo.get_file(stuck)
    assert stuck_file is not None
    assert c.repo.claim(stuck, stuck_file.status, stuck_file.attempts) is not None
    with c.engine.begin() as conn:  # queued so often that the sweeper gives up on it
        conn.execute(
            update(FileRow)
            .where(FileRow.id == undeliverable)
            .values(dispatch_count=c.settings.max_dispatch_attempts)
        )
    later = datetime.now(UTC) + timedelta(days=1)
    report = c.sweeper.sweep(now=later)
    assert report.failed_stuck == [stuck] and report.failed_undeliverable == [undeliverable]
    c.sweeper.sweep(now=later + timedelta(hours=1))  # a second sweep fails nothing again
    for fid in (stuck, undeliverable):
        f = c.repo.get_file(fid)
        assert f is not None and f.status.value == "failed"
        entry = c.notification_store.entry(failure_key(f))
        assert entry is not None and entry.kind == OutboxKind.FAILED, fid
        assert c.notifications.send_failure(fid, user_id, f.error or "") == "sent"
        assert c.notifications.send_failure(fid, user_id, f.error or "") == "sent"  # already
    pushes = fake.pushes(LINE_USER)
    assert len(pushes) == 2
    texts = " ".join(str(p.body["messages"]) for p in pushes)
    assert "stopped making progress" in texts and "could not be queued" in texts
