"""LOG_JSON=true: one JSON object per line, with the request id on API lines and task id,
file id, stage, duration and outcome on the worker's task start and end lines."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import build_container
from drive2.config import Settings
from drive2.logging_setup import configure_logging
from drive2.messaging.task_names import PROCESS_UPLOADED_FILE
from tests.support.api import register_and_login, upload, wait_for_status
from tests.support.worker import running_worker


def _json_lines(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_api_lines_are_json_with_the_request_id_as_a_field(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, DRIVE2_DATA_DIR=tmp_path / "data", JWT_SECRET="j" * 40, LOG_JSON=True
    )
    configure_logging(settings)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with TestClient(create_app(container)) as client:
        r = client.get("/healthz", headers={"X-Request-ID": "req-abc-123"})
        assert r.headers["X-Request-ID"] == "req-abc-123"
        client.get("/api/v1/files/nope", headers={"X-Request-ID": "req-unauth"})
    container.close()
    lines = _json_lines(capfd.readouterr().err)
    requests = {line.get("request_id"): line for line in lines if line["logger"] == "drive2.api"}
    health = requests["req-abc-123"]
    assert health["path"] == "/healthz" and health["status"] == 200 and health["method"] == "GET"
    assert health["duration_ms"] >= 0 and health["level"] == "INFO"
    assert "id=req-abc-123" in health["message"]
    assert requests["req-unauth"]["status"] == 401
    assert requests["req-unauth"]["path"] == "/api/v1/files/{file_id}"


def test_extra_fields_never_override_the_standard_keys(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, restore_logging: None
) -> None:
    configure_logging(Settings(_env_file=None, DRIVE2_DATA_DIR=tmp_path, LOG_JSON=True))  # type: ignore[call-arg]
    logging.getLogger("drive2.test").warning(
        "odd %s", "value", extra={"level_hint": object(), "file_id": "f-1"}
    )
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("drive2.test").exception("failed")
    first, second = _json_lines(capfd.readouterr().err)[-2:]
    assert first["message"] == "odd value" and first["level"] == "WARNING"
    assert first["file_id"] == "f-1" and first["level_hint"].startswith("<object")
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exc"]


@pytest.mark.slow
def test_worker_task_lines_carry_task_file_stage_duration_and_outcome(tmp_path: Path) -> None:
    env = {
        "DRIVE2_DATA_DIR": str(tmp_path / "data"),
        "JWT_SECRET": "json-logs-" + "k" * 32,
        "STORAGE_FSYNC": "false",
        "LOG_JSON": "true",
    }
    settings = Settings(_env_file=None, **env)  # type: ignore[call-arg]
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with (
        TestClient(create_app(container)) as client,
        running_worker(env, tmp_path / "worker.log") as worker,
    ):
        headers = register_and_login(client)
        fid = upload(client, headers, "note.txt", b"A note about JSON logs.").json()["file_id"]
        assert wait_for_status(client, headers, fid, timeout=120)["status"] == "completed"
        lines: list[dict[str, Any]] = []
        for _ in range(100):
            lines = [line for line in _json_lines(worker.log()) if line.get("file_id") == fid]
            if any(line.get("event") == "task_end" for line in lines):
                break
            time.sleep(0.2)
    container.close()
    start = next(line for line in lines if line.get("event") == "task_start")
    end = next(line for line in lines if line.get("event") == "task_end")
    assert start["task"] == end["task"] == PROCESS_UPLOADED_FILE
    assert start["task_id"] == end["task_id"] and len(end["task_id"]) >= 32
    assert end["stage"] == "done"
    assert end["state"] == "SUCCESS" and end["outcome"] == "completed"
    assert 0 < end["duration_s"] < 120
    assert end["logger"] == "drive2.tasks" and end["level"] == "INFO"
