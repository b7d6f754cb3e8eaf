"""Queues and routes of the real Celery app; the shared metric counters of the embedded
deployment under several writing processes; queue depth read from the SQLite broker."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from drive2.adapters.metrics.sqlite_counters import SqliteMetricCounters
from drive2.adapters.queue.depth import queue_depths
from drive2.config import Settings
from drive2.messaging.celery_config import create_celery_app
from drive2.messaging.queues import ALL_QUEUES, route_of
from drive2.messaging.task_names import (
    BATCH_GENERATE_THUMBNAILS,
    CLEANUP_OLD_TASKS,
    GENERATE_AI_METADATA,
    GENERATE_THUMBNAIL,
    PROCESS_UPLOADED_FILE,
    REPROCESS_FILE,
    RERUN_FALLBACK_AI,
)
from drive2.services.metrics import AI_CALLS, TASKS, MetricsRecorder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, DRIVE2_DATA_DIR=tmp_path / "data")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        (GENERATE_THUMBNAIL, "fast"),
        (BATCH_GENERATE_THUMBNAILS, "fast"),
        (CLEANUP_OLD_TASKS, "fast"),
        (GENERATE_AI_METADATA, "slow"),
        (RERUN_FALLBACK_AI, "slow"),
        ("drive2.send_line_message", "notifications"),
        ("drive2.notify_processing_done", "notifications"),
        (PROCESS_UPLOADED_FILE, "drive2"),
        (REPROCESS_FILE, "drive2"),
        ("drive2.something_new", "drive2"),
    ],
)
def test_celery_routes_each_task_to_its_queue(settings: Settings, task: str, queue: str) -> None:
    app = create_celery_app(settings)
    routed = app.amqp.router.route({}, task)
    assert routed["queue"].name == queue
    assert route_of(task) == queue


def test_every_queue_is_declared_and_events_follow_the_broker(settings: Settings) -> None:
    app = create_celery_app(settings)
    assert {q.name for q in app.conf.task_queues} == set(ALL_QUEUES)
    assert app.conf.task_default_queue == "drive2"
    # The embedded SQLite broker cannot carry events to another process: they stay off.
    assert app.conf.worker_send_task_events is False
    redis_app = create_celery_app(
        Settings(_env_file=None, DRIVE2_DATA_DIR=settings.data_dir, REDIS_URL="redis://x:1/0")  # type: ignore[call-arg]
    )
    assert redis_app.conf.worker_send_task_events is True
    assert redis_app.conf.task_send_sent_event is True


def _count_many(path: str, n: int) -> None:
    recorder = MetricsRecorder(SqliteMetricCounters(Path(path)))
    for _ in range(n):
        recorder.task_finished("drive2.t", "SUCCESS", 0.01)
        recorder.ai_call("local", "ok")


def test_sqlite_counters_add_up_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "metrics.sqlite3"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_count_many, args=(str(path), 50)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    values = SqliteMetricCounters(path).read()
    assert values[(TASKS, (("state", "SUCCESS"), ("task", "drive2.t")))] == 200
    assert values[(AI_CALLS, (("outcome", "ok"), ("provider", "local")))] == 200


def test_a_counter_store_that_fails_never_raises_into_the_task(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the directory should be")
    recorder = MetricsRecorder(SqliteMetricCounters(blocked / "metrics.sqlite3"))
    recorder.task_failed("drive2.t")  # logs a warning, raises nothing
    assert SqliteMetricCounters(tmp_path / "other.sqlite3").read() == {}


def test_queue_depth_counts_messages_waiting_in_the_sqlite_broker(settings: Settings) -> None:
    app = create_celery_app(settings)
    assert queue_depths(settings.resolved_broker_url, ALL_QUEUES) == dict.fromkeys(ALL_QUEUES, 0)
    for _ in range(3):
        app.send_task(PROCESS_UPLOADED_FILE, args=["f", "u"])
    app.send_task(GENERATE_THUMBNAIL, args=["f"])
    app.send_task(GENERATE_AI_METADATA, args=["f", "text", "name"])
    depths = queue_depths(settings.resolved_broker_url, ALL_QUEUES)
    assert depths == {"drive2": 3, "fast": 1, "slow": 1, "notifications": 0}


def test_queue_depth_refuses_an_unknown_broker() -> None:
    with pytest.raises(ValueError, match="amqp"):
        queue_depths("amqp://guest@localhost//", ALL_QUEUES)
