"""New documents are not stuck behind a backlog of scans: a file's processing is queued on
`slow` when its type may need OCR and on `fast` otherwise, so a worker kept for `fast` keeps
turning documents around. Real worker processes on PostgreSQL + Redis."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from drive2.messaging.queues import FAST_QUEUE, SLOW_QUEUE, pipeline_queue
from tests.support.api import register_and_login, upload, wait_for_status
from tests.support.app import client_and_container
from tests.support.images import png_bytes, render_text
from tests.support.services import fresh_postgres_database, fresh_redis_db
from tests.support.worker import running_worker

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.mark.parametrize(
    ("content_type", "queue"),
    [
        ("image/png", SLOW_QUEUE),
        ("application/pdf", SLOW_QUEUE),
        ("text/plain", FAST_QUEUE),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", FAST_QUEUE),
        ("video/mp4", FAST_QUEUE),
    ],
)
def test_the_type_picks_the_queue(content_type: str, queue: str) -> None:
    assert pipeline_queue(content_type) == queue


def test_a_fast_worker_finishes_documents_while_scans_wait_for_a_slow_one(
    tmp_path: Path,
) -> None:
    with fresh_postgres_database() as db_url, fresh_redis_db() as redis_url:
        env = {
            "DATABASE_URL": db_url,
            "CELERY_BROKER_URL": redis_url,
            "CELERY_RESULT_BACKEND": redis_url,
            "DRIVE2_DATA_DIR": str(tmp_path / "data"),
            "JWT_SECRET": "queue-test-secret-" + "q" * 32,
            "STORAGE_FSYNC": "false",
            "AI_PROVIDERS": "local",
        }
        client, container = client_and_container(env)
        with client:
            headers = register_and_login(client)
            scan = upload(
                client, headers, "scan.png", png_bytes(render_text(["Harbour invoice 42"]))
            )
            note = upload(client, headers, "note.txt", b"Minutes of the harbour meeting.")
            with running_worker(env, tmp_path / "fast.log", queues=FAST_QUEUE):
                done = wait_for_status(client, headers, note.json()["file_id"], timeout=120)
                assert done["status"] == "completed"
                time.sleep(1)
                waiting = client.get(
                    f"/api/v1/files/{scan.json()['file_id']}/status", headers=headers
                ).json()
                assert waiting["status"] == "pending"
            with running_worker(env, tmp_path / "slow.log", queues=SLOW_QUEUE):
                done = wait_for_status(client, headers, scan.json()["file_id"], timeout=120)
                assert done["status"] == "completed"
                text = client.get(
                    f"/api/v1/files/{scan.json()['file_id']}/text", headers=headers
                ).text
                assert "invoice" in text.lower()
        container.close()
