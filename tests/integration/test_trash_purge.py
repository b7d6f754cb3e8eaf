"""The trash retention job: files trashed longer than TRASH_RETENTION_DAYS are deleted for
good (row, objects, vectors, share links), the rest is left alone — on SQLite and PostgreSQL,
and run by a real Celery Beat and worker on the server deployment's parts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from drive2.api.app import create_app
from drive2.bootstrap import Container
from drive2.domain.models import FileStatus
from drive2.messaging.celery_config import create_celery_app
from drive2.messaging.task_names import PURGE_TRASH
from tests.conftest import SettingsFactory
from tests.integration.test_search_api import BREAD, add, make_container
from tests.support.api import register_and_login, upload
from tests.support.app import client_and_container
from tests.support.services import fresh_postgres_database, server_deployment_env
from tests.support.worker import running_worker


def _age(container: Container, file_id: str, days: float) -> None:
    """Pretend the file went into the trash `days` ago."""
    with container.engine.begin() as conn:
        conn.execute(
            text("UPDATE files SET trashed_at = :t WHERE id = :id"),
            {"t": datetime.now(UTC) - timedelta(days=days), "id": file_id},
        )


def _vectors(container: Container, file_id: str) -> int:
    e = container.embedder
    return container.vectors.count(e.model_name, e.dimension, file_id=file_id)


@pytest.fixture(params=["sqlite", "postgresql"])
def purge_client(
    request: pytest.FixtureRequest, make_settings: SettingsFactory
) -> Iterator[TestClient]:
    def serve(**values: object) -> Iterator[TestClient]:
        container = make_container(make_settings(TRASH_RETENTION_DAYS=30, **values))
        with TestClient(create_app(container)) as client:
            yield client
        container.close()

    if request.param == "sqlite":
        yield from serve()
    else:
        request.applymarker(pytest.mark.services)
        with fresh_postgres_database() as url:
            yield from serve(DATABASE_URL=url)


def test_the_purge_deletes_only_what_waited_past_the_retention(purge_client: TestClient) -> None:
    client = purge_client
    c: Container = client.app.state.container  # type: ignore[attr-defined]
    headers = register_and_login(client)
    old = add(client, headers, "old.md", BREAD)
    recent = upload(client, headers, "recent.txt", b"trashed yesterday").json()["file_id"]
    kept = upload(client, headers, "kept.txt", b"never trashed").json()["file_id"]
    busy = upload(client, headers, "busy.txt", b"trashed while processing").json()["file_id"]
    share = client.post(f"/api/v1/files/{old}/shares", headers=headers, json={}).json()
    for fid in (old, recent, busy):
        assert client.delete(f"/api/v1/files/{fid}", headers=headers).status_code == 204
    _age(c, old, 31)
    _age(c, recent, 29)
    _age(c, busy, 45)
    pending = c.repo.get_file(busy)
    assert pending is not None and c.repo.claim(busy, pending.status, pending.attempts)
    record = c.repo.get_file(old)
    assert record is not None and _vectors(c, old) > 0
    keys = record.object_keys()
    used = client.get("/api/v1/users/me", headers=headers).json()["storage_used_bytes"]

    assert c.trash.purge_expired() == 1
    assert client.get(f"/api/v1/files/{old}", headers=headers).status_code == 404
    assert not any(c.blobs.exists(k) for k in keys)
    assert _vectors(c, old) == 0
    assert client.get(share["url"].removeprefix("http://testserver")).status_code == 404
    with c.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM share_links")).scalar() == 0
    after = client.get("/api/v1/users/me", headers=headers).json()["storage_used_bytes"]
    assert after == used - record.size_bytes
    # Yesterday's trash, the drive and a file still processing are left alone.
    assert client.get(f"/api/v1/files/{recent}", headers=headers).json()["trashed_at"]
    assert client.get(f"/api/v1/files/{kept}", headers=headers).status_code == 200
    processing = c.repo.get_file(busy)
    assert processing is not None and processing.status is FileStatus.PROCESSING
    entries = client.get("/api/v1/audit", headers=headers).json()["items"]
    purged = [e for e in entries if e["action"] == "purged"]
    assert [(e["file_id"], e["source"], e["filename"]) for e in purged] == [
        (old, "retention", "old.md")
    ]
    assert purged[0]["detail"] == {"retention_days": 30}
    # Nothing more to do on a second run; the busy file goes once its run has ended.
    assert c.trash.purge_expired() == 0
    assert c.repo.fail(busy, None, "stopped")
    assert c.trash.purge_expired() == 1
    assert client.get(f"/api/v1/files/{busy}", headers=headers).status_code == 404


def test_retention_zero_keeps_the_trash_until_it_is_emptied(
    make_settings: SettingsFactory,
) -> None:
    container = make_container(make_settings(TRASH_RETENTION_DAYS=0))
    with TestClient(create_app(container)) as client:
        headers = register_and_login(client)
        fid = upload(client, headers, "a.txt", b"kept for ever").json()["file_id"]
        client.delete(f"/api/v1/files/{fid}", headers=headers)
        _age(container, fid, 10_000)
        assert container.trash.purge_expired() == 0
        assert client.get(f"/api/v1/files/{fid}", headers=headers).status_code == 200
        assert client.get("/api/v1/users/me", headers=headers).json()["trash_retention_days"] == 0
    container.close()


def test_the_purge_is_on_the_beat_schedule(make_settings: SettingsFactory) -> None:
    entry = create_celery_app(make_settings(TRASH_PURGE_INTERVAL_SECONDS=120)).conf.beat_schedule[
        "purge-trash"
    ]
    assert entry["task"] == PURGE_TRASH == "drive2.purge_trash"
    assert entry["schedule"] == 120
    assert entry["options"]["expires"] == 60


@pytest.mark.services
@pytest.mark.slow
def test_a_real_beat_and_worker_purge_old_trash(tmp_path: Path) -> None:
    with server_deployment_env(
        tmp_path, TRASH_PURGE_INTERVAL_SECONDS="1", TRASH_RETENTION_DAYS="30"
    ) as env:
        client, container = client_and_container(env)
        with client:
            headers = register_and_login(client)
            old = upload(client, headers, "old.txt", b"trashed long ago").json()["file_id"]
            recent = upload(client, headers, "recent.txt", b"trashed today").json()["file_id"]
            for fid in (old, recent):
                client.delete(f"/api/v1/files/{fid}", headers=headers)
            _age(container, old, 31)
            beat_log = tmp_path / "beat.log"
            with running_worker(env, tmp_path / "worker.log"), open(beat_log, "ab") as log:
                beat = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "drive2.worker.celery_app",
                        "beat",
                        "--loglevel",
                        "INFO",
                        "-s",
                        str(tmp_path / "beat-schedule"),
                    ],
                    env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                try:
                    deadline = time.monotonic() + 90
                    while time.monotonic() < deadline:
                        if client.get(f"/api/v1/files/{old}", headers=headers).status_code == 404:
                            break
                        time.sleep(0.5)
                    else:
                        raise AssertionError(beat_log.read_text(errors="replace")[-3000:])
                finally:
                    beat.terminate()
                    beat.wait(20)
            assert PURGE_TRASH in beat_log.read_text(errors="replace")
            assert client.get(f"/api/v1/files/{recent}", headers=headers).status_code == 200
            user_id = client.get("/api/v1/users/me", headers=headers).json()["id"]
            assert container.blobs.list_keys(f"originals/{user_id}/") == [
                f"originals/{user_id}/{recent}"
            ]
            audit = client.get("/api/v1/audit", headers=headers).json()["items"]
            assert ("purged", old, "retention") in {
                (e["action"], e["file_id"], e["source"]) for e in audit
            }
        container.close()
