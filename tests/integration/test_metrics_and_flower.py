"""The operator's view of a real deployment: PostgreSQL, Redis, a real Celery worker process,
the API's /metrics, and Flower started as a subprocess reading the same worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from drive2.messaging.task_names import PROCESS_UPLOADED_FILE
from tests.support.api import register_and_login, upload, wait_for_status
from tests.support.app import client_and_container
from tests.support.files import pdf_with_text, truncated_pdf
from tests.support.proxy import free_port
from tests.support.services import server_deployment_env
from tests.support.worker import running_worker

pytestmark = [pytest.mark.services, pytest.mark.slow]

PIPELINE_OK = {"task": PROCESS_UPLOADED_FILE, "state": "SUCCESS"}


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with server_deployment_env(tmp_path) as env:
        yield env


def _scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    r = client.get("/metrics")
    assert r.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_move_as_a_real_worker_processes_files(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    client, container = client_and_container(server_env)
    with client:
        headers = register_and_login(client)
        before = _scrape(client)
        assert _value(before, "drive2_files", status="completed") == 0
        assert _value(before, "drive2_metrics_source_up", source="database") == 1
        assert _value(before, "drive2_metrics_source_up", source="broker") == 1

        # No worker yet: the upload waits in the broker, and the queue depth says so.
        waiting = upload(client, headers, "report.pdf", pdf_with_text("Quarterly revenue"))
        assert waiting.status_code == 202
        queued = _scrape(client)
        assert _value(queued, "drive2_queue_depth", queue="slow") == 1  # a PDF may need OCR
        assert _value(queued, "drive2_files", status="pending") == 1
        size = waiting.json()["size_bytes"]
        assert _value(queued, "drive2_stored_bytes", status="pending") == size
        assert _value(queued, "drive2_uploads_total", outcome="accepted") >= 1

        with running_worker(server_env, tmp_path / "worker.log"):
            broken = upload(client, headers, "cut.pdf", truncated_pdf()).json()["file_id"]
            assert (
                wait_for_status(client, headers, waiting.json()["file_id"], timeout=120)["status"]
                == "completed"
            )
            assert wait_for_status(client, headers, broken, timeout=120)["status"] == "failed"
            # The task's end is counted just after the file's row is written: give it a moment.
            deadline = time.monotonic() + 30
            after = _scrape(client)
            while _value(after, "drive2_tasks_total", **PIPELINE_OK) < 2:
                assert time.monotonic() < deadline, "task counts never reached 2"
                time.sleep(0.2)
                after = _scrape(client)

    assert _value(after, "drive2_queue_depth", queue="slow") == 0
    assert _value(after, "drive2_files", status="completed") == 1
    assert _value(after, "drive2_files", status="failed") == 1
    assert _value(after, "drive2_files", status="pending") == 0
    assert _value(after, "drive2_files_processed_total", outcome="completed") == 1
    assert _value(after, "drive2_files_processed_total", outcome="failed") == 1
    assert _value(after, "drive2_tasks_total", **PIPELINE_OK) == 2
    count = _value(after, "drive2_task_duration_seconds_count", task=PROCESS_UPLOADED_FILE)
    assert count == 2
    total = _value(after, "drive2_task_duration_seconds_sum", task=PROCESS_UPLOADED_FILE)
    assert total > 0
    inf = _value(
        after, "drive2_task_duration_seconds_bucket", task=PROCESS_UPLOADED_FILE, le="+Inf"
    )
    assert inf == 2
    # The stage records of both files: detect_type ran (done) for each.
    detect = _value(
        after, "drive2_stage_duration_seconds_count", stage="detect_type", outcome="done"
    )
    assert detect == 2
    assert _value(after, "drive2_stage_duration_seconds_count", stage="embed", outcome="done") == 1
    # The completed PDF was analysed by the local provider, in the worker process.
    assert _value(after, "drive2_ai_calls_total", provider="local", outcome="ok") == 1
    container.close()


def _flower(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    log = open(log_path, "wb")  # noqa: SIM115 - the process owns it until it ends
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drive2.cli",
            "flower",
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
            "--basic-auth",
            "ops:s3cret-pass",
        ],
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_http(url: str, log_path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered:\n{log_path.read_text(errors='replace')[-3000:]}")


def test_flower_shows_the_worker_and_the_finished_task(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    client, container = client_and_container(server_env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    auth = ("ops", "s3cret-pass")
    flower_log = tmp_path / "flower.log"
    flower = _flower(server_env, port, flower_log)
    try:
        with client, running_worker(server_env, tmp_path / "worker.log") as worker:
            _wait_http(f"{base}/healthcheck", flower_log)
            assert httpx.get(f"{base}/api/workers", timeout=10).status_code == 401
            assert (
                httpx.get(f"{base}/api/workers", auth=("ops", "wrong"), timeout=10).status_code
                == 401
            )

            worker_name = worker.name.replace("%h", os.uname().nodename)
            deadline = time.monotonic() + 60
            workers: dict[str, Any] = {}
            while worker_name not in workers:
                assert time.monotonic() < deadline, f"Flower never saw {worker_name}: {workers}"
                r = httpx.get(f"{base}/api/workers", params={"refresh": "1"}, auth=auth, timeout=30)
                assert r.status_code == 200, r.text
                workers = r.json()
                time.sleep(0.5)
            queues = {q["name"] for q in workers[worker_name].get("active_queues", [])}
            assert queues == {"drive2", "fast", "slow", "notifications"}

            headers = register_and_login(client)
            fid = upload(client, headers, "memo.txt", b"Memo about the office move.").json()[
                "file_id"
            ]
            assert wait_for_status(client, headers, fid, timeout=120)["status"] == "completed"

            deadline = time.monotonic() + 60
            finished: list[dict[str, Any]] = []
            while not finished:
                assert time.monotonic() < deadline, f"Flower never listed the task: {finished}"
                r = httpx.get(
                    f"{base}/api/tasks",
                    params={"taskname": PROCESS_UPLOADED_FILE},
                    auth=auth,
                    timeout=10,
                )
                assert r.status_code == 200, r.text
                finished = [
                    t
                    for t in r.json().values()
                    if fid in str(t.get("args")) and t.get("state") == "SUCCESS"
                ]
                time.sleep(0.5)
            task = finished[0]
            assert task["name"] == PROCESS_UPLOADED_FILE
            assert task["worker"] == worker_name
            assert "completed" in str(task["result"])
    finally:
        flower.terminate()
        try:
            flower.wait(20)
        except subprocess.TimeoutExpired:
            flower.kill()
            flower.wait()
        container.close()
