"""Fault injection against real worker processes, PostgreSQL and Redis (docs/reliability.md).

The worker runs tests.support.fault_app: the real application plus one last stage that, for a
file whose name asks for it, sleeps, hangs deaf to the soft limit, or SIGKILLs its own process.
Everything else — broker, database, pool, signals, retries — is the real thing.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drive2.adapters.ai.e5.embedder import DIMENSION, MODEL_NAME
from drive2.bootstrap import Container
from drive2.domain.models import FileRecord, FileStatus
from tests.support.api import register_and_login, upload, wait_for_status
from tests.support.app import client_and_container
from tests.support.fake_line import FakeLine
from tests.support.files import pdf_with_text
from tests.support.line import link_line_account
from tests.support.redis_server import own_redis
from tests.support.services import fresh_postgres_database
from tests.support.worker import running_worker

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.heavy, pytest.mark.timeout(900)]

FAULT_APP = "tests.support.fault_app"
LINE_USER = "U" + "c" * 32


@pytest.fixture
def redis_of_our_own(tmp_path: Path) -> Iterator[Any]:
    with own_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def line() -> Iterator[FakeLine]:
    """LINE on a local server: "one notification" is part of "once in its effects"."""
    with FakeLine() as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, redis_of_our_own: Any, line: FakeLine) -> Iterator[dict[str, str]]:
    with fresh_postgres_database() as db_url:
        yield {
            "DATABASE_URL": db_url,
            "CELERY_BROKER_URL": redis_of_our_own.url,
            "CELERY_RESULT_BACKEND": redis_of_our_own.url,
            "DRIVE2_DATA_DIR": str(tmp_path / "data"),
            "JWT_SECRET": "crash-test-secret-" + "k" * 32,
            "TASK_RETRY_DELAY_SECONDS": "0.5",
            "STORAGE_FSYNC": "false",
            "AI_PROVIDERS": "local",
            "LINE_BATCH_WINDOW_SECONDS": "1",
            **line.env(),
        }


def _wait(what: str, check: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _record(container: Container, file_id: str) -> FileRecord:
    record = container.repo.get_file(file_id)
    assert record is not None
    return record


def _in_fault_stage(container: Container, file_id: str) -> bool:
    record = _record(container, file_id)
    return record.status is FileStatus.PROCESSING and record.stage == "fault_injection"


def _owner_pid(container: Container, file_id: str) -> int:
    owner = _record(container, file_id).worker
    assert owner, "a processing file names its worker process"
    return int(owner.rsplit(":", 2)[1])


def test_a_worker_process_killed_mid_file_runs_it_again_once_in_effects(
    env: dict[str, str], tmp_path: Path, line: FakeLine
) -> None:
    client, container = client_and_container(env)
    with client, running_worker(env, tmp_path / "w.log", app_module=FAULT_APP) as worker:
        headers = register_and_login(client)
        link_line_account(client, headers, LINE_USER)
        data = pdf_with_text("Field notes on river dolphins of the Mekong, survey of March")
        file_id = upload(client, headers, "fault-slow-6.pdf", data).json()["file_id"]
        # The last stage: thumbnail and vectors are written, the run is not finished.
        _wait("the file to reach the last stage", lambda: _in_fault_stage(container, file_id))
        victim = _owner_pid(container, file_id)
        assert victim in worker.child_pids()
        os.kill(victim, signal.SIGKILL)
        done = wait_for_status(client, headers, file_id, timeout=180)
        assert done["status"] == "completed", done
        assert done["attempts"] == 2  # run once more, not more
        record = _record(container, file_id)
        assert record.deliveries == 0 and record.worker is None
        user_id = record.user_id
        thumbnails = container.blobs.list_keys(f"thumbnails/{user_id}/")
        assert thumbnails == [f"thumbnails/{user_id}/{file_id}.jpg"]
        assert container.vectors.count(MODEL_NAME, DIMENSION, file_id) == 1
        log = worker.log()
        assert "taken over from a lost run" in log or "WorkerLostError" in log
        line.wait_for(lambda: len(line.accepted_pushes(LINE_USER)) == 1, timeout=60)
        time.sleep(3)  # a second message, if there were one, would come within the batch window
        assert len(line.pushes(LINE_USER)) == 1, line.summary()
    container.close()


def test_the_whole_worker_killed_and_restarted_finishes_every_file_in_flight(
    env: dict[str, str], tmp_path: Path
) -> None:
    client, container = client_and_container(env)
    with client:
        headers = register_and_login(client)
        with running_worker(env, tmp_path / "w1.log", app_module=FAULT_APP) as first:
            ids = [
                upload(
                    client, headers, f"fault-slow-5.{n}.txt", f"note {n} on tides".encode()
                ).json()["file_id"]
                for n in range(4)
            ]
            _wait(
                "two files in their last stage",
                lambda: sum(_in_fault_stage(container, i) for i in ids) == 2,
            )
            first.kill()  # main process and children, SIGKILL: nothing is acknowledged
        in_flight = [i for i in ids if _record(container, i).status is FileStatus.PROCESSING]
        assert len(in_flight) == 2
        with running_worker(env, tmp_path / "w2.log", app_module=FAULT_APP) as second:
            for file_id in ids:
                done = wait_for_status(client, headers, file_id, timeout=240)
                assert done["status"] == "completed", done
            assert "re-queued 2 files left by a lost worker" in second.log()
        for file_id in in_flight:
            assert _record(container, file_id).attempts == 2
    container.close()


def test_a_file_that_crashes_its_worker_every_time_is_failed_at_the_cap(
    env: dict[str, str], tmp_path: Path
) -> None:
    client, container = client_and_container(env)
    cap = container.settings.max_worker_crashes
    with client, running_worker(env, tmp_path / "w.log", app_module=FAULT_APP):
        headers = register_and_login(client)
        poison = upload(client, headers, "fault-crash-always.txt", b"boom").json()["file_id"]
        behind = [
            upload(client, headers, f"after-{n}.txt", f"ordinary file {n}".encode()).json()[
                "file_id"
            ]
            for n in range(3)
        ]
        failed = wait_for_status(client, headers, poison, timeout=300)
        assert failed["status"] == "failed", failed
        assert f"crashed the worker {cap} times" in failed["error"]
        assert failed["attempts"] == cap
        for file_id in behind:
            assert wait_for_status(client, headers, file_id, timeout=180)["status"] == "completed"
    container.close()


def test_the_hard_time_limit_fails_the_file_with_the_reason(
    env: dict[str, str], tmp_path: Path, line: FakeLine
) -> None:
    limits = {"TASK_TIME_LIMIT_SECONDS": "40", "TASK_SOFT_TIME_LIMIT_SECONDS": "30"}
    client, container = client_and_container(env, **limits)
    with client, running_worker({**env, **limits}, tmp_path / "w.log", app_module=FAULT_APP):
        headers = register_and_login(client)
        link_line_account(client, headers, LINE_USER)
        hung = upload(client, headers, "fault-hang.txt", b"never ends").json()["file_id"]
        failed = wait_for_status(client, headers, hung, timeout=180)
        assert failed["status"] == "failed", failed
        assert "hard time limit of 40 s" in failed["error"]
        # The user hears of it like of any failure, once.
        line.wait_for(lambda: len(line.accepted_pushes(LINE_USER)) == 1, timeout=60)
        [message] = line.pushes(LINE_USER)[0].body["messages"]
        assert "took too long" in json.dumps(message)
        # The pool replaced the killed process: the next file is processed.
        after = upload(client, headers, "after.txt", b"still working").json()["file_id"]
        assert wait_for_status(client, headers, after, timeout=180)["status"] == "completed"
    container.close()


def test_redis_stopped_and_restarted_leaves_no_file_pending_or_processing(
    env: dict[str, str], tmp_path: Path, redis_of_our_own: Any
) -> None:
    fast = {"STALE_PENDING_SECONDS": "1"}
    client, container = client_and_container(env, **fast)
    with client, running_worker({**env, **fast}, tmp_path / "w.log", app_module=FAULT_APP) as w:
        headers = register_and_login(client)
        ids = [
            upload(client, headers, f"fault-slow-4.{n}.txt", f"memo {n}".encode()).json()["file_id"]
            for n in range(6)
        ]
        _wait("files running", lambda: any(_in_fault_stage(container, i) for i in ids))
        redis_of_our_own.stop()  # queued messages and unacknowledged ones are gone with it
        # Uploads go on while the broker is down: stored, pending, answered at once.
        started = time.monotonic()
        r = upload(client, headers, "during-outage.txt", b"uploaded while redis was down")
        assert r.status_code == 202, r.text
        assert time.monotonic() - started < 15
        ids.append(r.json()["file_id"])
        time.sleep(3)
        redis_of_our_own.start()
        # The sweeper (hourly in production, here by hand) re-queues what the broker lost.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            container.sweeper.sweep()
            states = [_record(container, i).status for i in ids]
            if all(s in (FileStatus.COMPLETED, FileStatus.FAILED) for s in states):
                break
            time.sleep(2)
        for file_id in ids:
            record = _record(container, file_id)
            assert record.status is FileStatus.COMPLETED or (
                record.status is FileStatus.FAILED and record.error
            ), (file_id, record.status, record.stage, w.log()[-3000:])
        # The worker is not silent after the reconnect: a new upload is processed.
        late = upload(client, headers, "after-restart.txt", b"fresh work").json()["file_id"]
        assert wait_for_status(client, headers, late, timeout=120)["status"] == "completed"
    container.close()
