"""The sweeper over the real SQLite repository, with a queue that records what it is sent."""

from __future__ import annotations

import socket
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

from drive2.bootstrap import Container
from drive2.domain.models import FileStatus, NewFile
from drive2.process_identity import current_token
from drive2.services.sweeper import Sweeper


class RecordingQueue:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[str] = []
        self.fail = fail

    def dispatch_processing(
        self, file_id: str, user_id: str, content_type: str | None = None
    ) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append(file_id)

    def dispatch_reprocess(
        self, file_id: str, user_id: str, content_type: str | None = None
    ) -> None:
        self.dispatch_processing(file_id, user_id)

    def check(self) -> None:
        pass

    def close(self) -> None:
        pass


def _file(container: Container, user_id: str) -> str:
    file_id = str(uuid.uuid4())
    container.repo.add_file(
        NewFile(file_id, user_id, "f.txt", "text/plain", 1, uuid.uuid4().hex * 2, f"k/{file_id}")
    )
    return file_id


def test_sweep_fails_stuck_and_requeues_stale(container: Container) -> None:
    user = container.auth.register("sweep@example.com", "password123")
    stuck = _file(container, user.id)
    stale = _file(container, user.id)
    fresh = _file(container, user.id)
    assert container.repo.claim(stuck, FileStatus.PENDING, 0) is not None
    queue = RecordingQueue()
    sweeper = Sweeper(container.repo, queue, container.settings, container.failures)
    later = datetime.now(UTC) + timedelta(hours=2)
    # Nothing is old yet "now": nothing happens.
    report = sweeper.sweep()
    assert report.failed_stuck == [] and report.redispatched == []
    report = sweeper.sweep(now=later)
    assert report.failed_stuck == [stuck]
    assert sorted(report.redispatched) == sorted([stale, fresh])
    assert sorted(queue.sent) == sorted([stale, fresh])
    failed = container.repo.get_file(stuck)
    assert failed is not None and failed.status is FileStatus.FAILED
    assert "worker was probably lost" in (failed.error or "")
    requeued = container.repo.get_file(stale)
    assert requeued is not None and requeued.dispatch_count == 1


def test_sweep_gives_up_after_max_dispatch_attempts(container: Container) -> None:
    user = container.auth.register("sweep2@example.com", "password123")
    file_id = _file(container, user.id)
    queue = RecordingQueue()
    sweeper = Sweeper(container.repo, queue, container.settings, container.failures)
    now = datetime.now(UTC)
    for i in range(container.settings.max_dispatch_attempts):
        sweeper.sweep(now=now + timedelta(hours=1 + i))
    assert len(queue.sent) == container.settings.max_dispatch_attempts
    report = sweeper.sweep(now=now + timedelta(hours=50))
    assert report.failed_undeliverable == [file_id]
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.FAILED


def test_broker_down_during_sweep_keeps_the_file_pending(container: Container) -> None:
    user = container.auth.register("sweep3@example.com", "password123")
    file_id = _file(container, user.id)
    sweeper = Sweeper(
        container.repo, RecordingQueue(fail=True), container.settings, container.failures
    )
    report = sweeper.sweep(now=datetime.now(UTC) + timedelta(hours=2))
    assert report.redispatched == []
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.PENDING
    assert record.dispatch_count == 0


def test_orphans_of_a_dead_worker_are_requeued_at_once(container: Container) -> None:
    user = container.auth.register("sweep4@example.com", "password123")
    orphan = _file(container, user.id)
    alive = _file(container, user.id)
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert container.repo.claim(
        orphan, FileStatus.PENDING, 0, f"{socket.gethostname()}:{gone.pid}:1"
    )
    assert container.repo.claim(alive, FileStatus.PENDING, 0, current_token())
    queue = RecordingQueue()
    sweeper = Sweeper(container.repo, queue, container.settings, container.failures)
    assert sweeper.recover_orphans() == [orphan]
    assert queue.sent == [orphan]
    # Past the hard time limit, no run can still be going, whoever owns it.
    limit = container.settings.task_time_limit_seconds
    later = datetime.now(UTC) + timedelta(seconds=limit + 60)
    assert sorted(sweeper.recover_orphans(now=later)) == sorted([orphan, alive])
