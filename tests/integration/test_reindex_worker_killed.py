"""Re-embedding in the background survives a worker killed with SIGKILL: Beat starts the job
by itself after the model change, the worker is killed mid-way, a new worker picks it up
where it stopped (not from the start), and search switches when every file is done.

Real Celery worker and Beat processes, the real e5 model; on the embedded deployment (SQLite
database and broker, embedded index) and on PostgreSQL + Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from drive2.ports.embedding_collections import BUILDING, SERVING
from drive2.ports.vector_index import VectorPoint
from drive2.services.metrics import FILES_REEMBEDDED
from tests.support.app import client_and_container
from tests.support.redis_server import own_redis
from tests.support.reindex import processed_files
from tests.support.services import fresh_postgres_database
from tests.support.worker import WorkerProcess

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.heavy, pytest.mark.timeout(900)]

E5, MINILM = "multilingual-e5-small", "all-MiniLM-L6-v2"
FILES = 14
PARAGRAPH = (
    "รายงานการประชุมคณะกรรมการ ครั้งที่ {n} เรื่องงบประมาณไตรมาสที่สอง และการย้ายคลังสินค้า "
    "Minutes of board meeting number {n}: the second-quarter budget and the warehouse move. "
)


@pytest.fixture(params=["sqlite", "postgresql+redis"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    base = {
        "DRIVE2_DATA_DIR": str(tmp_path / "data"),
        "JWT_SECRET": "reindex-test-secret-" + "r" * 32,
        "STORAGE_FSYNC": "false",
        "AI_PROVIDERS": "local",
        "REINDEX_BATCH_FILES": "1",
        "REINDEX_LEASE_SECONDS": "4",
        "REINDEX_CHECK_SECONDS": "3",
        "BROKER_POLLING_INTERVAL": "0.2",
    }
    if request.param == "sqlite":
        yield base
        return
    with own_redis(tmp_path / "redis") as redis, fresh_postgres_database() as url:
        yield {
            **base,
            "DATABASE_URL": url,
            "CELERY_BROKER_URL": redis.url,
            "CELERY_RESULT_BACKEND": redis.url,
        }


def _wait(what: str, check: Callable[[], bool], timeout: float = 420.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _beat(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "drive2.worker.celery_app", "beat"],
        env={**os.environ, **env},
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_a_killed_worker_loses_nothing_and_the_next_one_resumes(
    env: dict[str, str], tmp_path: Path
) -> None:
    client, container = client_and_container(env)
    texts = [PARAGRAPH.format(n=n) * 4 for n in range(FILES)]
    file_ids = processed_files(container, "owner@example.com", texts)
    # As the upgrade left it: MiniLM's collection serves (here with one point to drop).
    container.embedding_collections.add(MINILM, 384, SERVING, 0)
    container.vectors.upsert(
        MINILM, 384, [VectorPoint(file_ids[0], "u", 0, "x", np.ones(384, dtype=np.float32))]
    )
    collections = container.embedding_collections
    beat = _beat(env, tmp_path / "beat.log")
    worker = WorkerProcess(env, tmp_path / "w1.log", concurrency=1)
    try:
        worker.wait_ready()

        def started() -> bool:
            found = collections.get(E5)
            return found is not None and found.files_done >= 3

        _wait("Beat to start re-embedding and 3 files done", started)
        worker.kill()
        at_kill = collections.get(E5)
        assert at_kill is not None and at_kill.state == BUILDING
        assert 3 <= at_kill.files_done < FILES, at_kill
        assert at_kill.files_total == FILES and at_kill.cursor is not None
        # Search still reads MiniLM; nothing of it was dropped yet.
        assert container.reindex.serving_model() == (MINILM, 384)
        assert container.vectors.count(MINILM, 384) == 1

        worker = WorkerProcess(env, tmp_path / "w2.log", concurrency=1)
        worker.wait_ready()
        _wait("the new worker to finish", lambda: container.reindex.serving_model()[0] == E5)
    finally:
        worker.stop()
        beat.kill()
        beat.wait()

    done = collections.get(E5)
    assert done is not None and (done.state, done.files_done, done.files_total) == (
        SERVING,
        FILES,
        FILES,
    )
    for file_id in file_ids:
        assert container.vectors.count(E5, 384, file_id=file_id) >= 1, file_id
    assert container.vectors.count(MINILM, 384) == 0  # dropped after the switch
    assert [c.model for c in collections.all()] == [E5]
    # Resumed, not restarted: at most the one file in flight at the kill was done twice.
    counted = sum(
        v for (name, _), v in container.metric_counters.read().items() if name == FILES_REEMBEDDED
    )
    assert FILES <= counted <= FILES + 1, counted
    assert "re-embedding with multilingual-e5-small complete" in worker.log()
    client.close()
    container.close()
