"""The pipeline and the tasks run by a real Celery worker process, with PostgreSQL as the
database and Redis as broker and result backend — the server deployment's parts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from drive2.domain.models import FileStatus
from drive2.messaging.task_names import CLEANUP_OLD_TASKS
from tests.support.api import register_and_login, upload, wait_for_status
from tests.support.app import client_and_container
from tests.support.files import pdf_with_text, truncated_pdf, utf16_text, windows874_text
from tests.support.proxy import TcpProxy, free_port
from tests.support.services import server_deployment_env
from tests.support.worker import running_worker

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with server_deployment_env(tmp_path) as env:
        yield env


def test_a_real_worker_processes_every_kind_of_text(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    client, container = client_and_container(server_env)
    cases = {
        "notes.txt": (b"Plain words about the annual budget meeting.", "annual budget"),
        "thai.txt": (windows874_text("สวัสดีครับ ใบเสร็จรับเงิน"), "ใบเสร็จรับเงิน"),
        "utf16.txt": (utf16_text("Grüße aus München, invoice 42"), "Grüße aus München"),
        "readme.md": (b"# Title\n\n- item one\n- item two\n", "item two"),
        "table.csv": (b"name,amount\nacme consulting,120\n", "acme consulting"),
        "data.json": (b'{"customer": {"name": "Globex"}, "total": 99}', "name: Globex"),
        "page.html": (
            b"<html><head><title>T</title><script>var hidden=1;</script></head>"
            b"<body><p>Visible paragraph</p></body></html>",
            "Visible paragraph",
        ),
        "report.pdf": (
            pdf_with_text("Quarterly revenue grew strongly", "Page two text"),
            "Page two text",
        ),
    }
    with client, running_worker(server_env, tmp_path / "worker.log"):
        headers = register_and_login(client)
        ids = {}
        for name, (data, _) in cases.items():
            r = upload(client, headers, name, data)
            assert r.status_code == 202, r.text
            assert r.json()["status"] == "pending"
            ids[name] = r.json()["file_id"]
        for name, (_, expected) in cases.items():
            status = wait_for_status(client, headers, ids[name])
            assert status["status"] == "completed", (name, status)
            assert status["progress"] == 100
            assert status["attempts"] == 1
            assert status["error"] is None
            expected_stages = (
                ["detect_type", "metadata", "extract_text", "document_date", "thumbnail"]
                if name.endswith(".pdf")
                else ["detect_type", "extract_text", "document_date"]
            ) + ["ai_analysis", "money", "embed"]
            assert [s["name"] for s in status["stages"]] == expected_stages
            text = client.get(f"/api/v1/files/{ids[name]}/text", headers=headers).text
            assert expected in text, (name, text)
            f = client.get(f"/api/v1/files/{ids[name]}", headers=headers).json()
            assert f["ai"]["provider"] == "local"
            assert f["processed_at"] is not None
        html = client.get(f"/api/v1/files/{ids['page.html']}/text", headers=headers).text
        assert "hidden" not in html
        pdf = client.get(f"/api/v1/files/{ids['report.pdf']}", headers=headers).json()
        assert pdf["metadata"]["text"]["pages"] == 2
        assert pdf["content_type"] == "application/pdf"
    container.close()


def test_empty_file_completes_and_truncated_pdf_fails_at_once(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    client, container = client_and_container(server_env)
    with client, running_worker(server_env, tmp_path / "worker.log") as worker:
        headers = register_and_login(client)
        empty = upload(client, headers, "empty.txt", b"").json()["file_id"]
        broken = upload(client, headers, "cut.pdf", truncated_pdf()).json()["file_id"]
        done = wait_for_status(client, headers, empty)
        assert done["status"] == "completed"
        assert client.get(f"/api/v1/files/{empty}/text", headers=headers).text == ""
        failed = wait_for_status(client, headers, broken)
        assert failed["status"] == "failed"
        assert "truncated" in failed["error"]
        assert failed["attempts"] == 1
        time.sleep(2)  # a retry, if one were scheduled, would have run by now (delay 0.5 s)
        again = client.get(f"/api/v1/files/{broken}/status", headers=headers).json()
        assert again["attempts"] == 1 and again["status"] == "failed"
        assert "Retry in" not in worker.log()
    container.close()


def test_reprocess_runs_the_pipeline_again_idempotently(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    client, container = client_and_container(server_env)
    with client, running_worker(server_env, tmp_path / "worker.log"):
        headers = register_and_login(client)
        fid = upload(client, headers, "memo.txt", b"Memo about the office move in March.").json()[
            "file_id"
        ]
        first = wait_for_status(client, headers, fid)
        assert first["status"] == "completed"
        tags_before = client.get(f"/api/v1/files/{fid}", headers=headers).json()["tags"]
        r = client.post(f"/api/v1/files/{fid}/reprocess", headers=headers)
        assert r.status_code == 202
        second = wait_for_status(client, headers, fid)
        assert second["status"] == "completed"
        assert second["attempts"] == 2
        after = client.get(f"/api/v1/files/{fid}", headers=headers).json()
        assert after["tags"] == tags_before  # one set of results, not two
        records = container.repo.stage_records(fid)
        assert len(records) == len({r.name for r in records}) >= 4  # one per stage, not two
        emb = container.embedder
        assert container.vectors.count(emb.model_name, emb.dimension, file_id=fid) == 1
    container.close()


@pytest.fixture
def moto_url() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _s3(url: str) -> dict[str, str]:
    return {
        "S3_ENDPOINT": url,
        "S3_ACCESS_KEY": "testing",
        "S3_SECRET_KEY": "testing",
        "S3_BUCKET": "drive2-retry-test",
    }


def test_transient_object_store_outage_is_retried_then_completes(
    server_env: dict[str, str], tmp_path: Path, moto_url: str
) -> None:
    _host, port = moto_url.rsplit(":", 1)
    proxy = TcpProxy("127.0.0.1", int(port))
    client, container = client_and_container({**server_env, **_s3(moto_url)})
    worker_env = {
        **server_env,
        **_s3(f"http://127.0.0.1:{proxy.port}"),
        "TASK_RETRY_DELAY_SECONDS": "1.5",
        "TASK_MAX_RETRIES": "5",
    }
    try:
        with client:
            headers = register_and_login(client)
            fid = upload(client, headers, "note.txt", b"Retry me please").json()["file_id"]
            proxy.cut()
            with running_worker(worker_env, tmp_path / "worker.log"):
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    s = client.get(f"/api/v1/files/{fid}/status", headers=headers).json()
                    if s["attempts"] >= 1 and s["status"] == "pending":
                        break
                    time.sleep(0.1)
                assert s["status"] == "pending" and s["attempts"] >= 1, s
                assert "will retry" in (s["error"] or "")
                proxy.restore()
                done = wait_for_status(client, headers, fid)
        assert done["status"] == "completed", done
        assert done["attempts"] >= 2
        assert done["error"] is None
    finally:
        proxy.close()
        container.close()


def test_retries_run_out_and_the_file_fails_with_the_reason(
    server_env: dict[str, str], tmp_path: Path, moto_url: str
) -> None:
    client, container = client_and_container({**server_env, **_s3(moto_url)})
    dead = f"http://127.0.0.1:{free_port()}"
    worker_env = {**server_env, **_s3(dead), "TASK_MAX_RETRIES": "2"}
    with client, running_worker(worker_env, tmp_path / "worker.log"):
        headers = register_and_login(client)
        fid = upload(client, headers, "n.txt", b"never readable").json()["file_id"]
        failed = wait_for_status(client, headers, fid, timeout=90)
    assert failed["status"] == "failed"
    assert failed["attempts"] == 3
    assert "gave up after 3 attempts" in failed["error"]
    container.close()


def test_sweeper_redispatches_lost_pending_and_fails_stuck_processing(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    client, container = client_and_container(server_env)
    worker_env = {**server_env, "STALE_PENDING_SECONDS": "0", "STUCK_PROCESSING_SECONDS": "0"}
    with client:
        headers = register_and_login(client)
        lost = upload(client, headers, "lost.txt", b"message lost with the broker").json()
        stuck = upload(client, headers, "stuck.txt", b"worker died holding this").json()
        # The broker loses every queued message; a worker "takes" one file and dies.
        import redis

        redis.Redis.from_url(server_env["CELERY_BROKER_URL"]).flushdb()
        assert container.repo.claim(stuck["file_id"], FileStatus.PENDING, 0) is not None
        time.sleep(0.05)
        with running_worker(worker_env, tmp_path / "worker.log"):
            container.queue.app.send_task(CLEANUP_OLD_TASKS)  # type: ignore[attr-defined]
            done = wait_for_status(client, headers, lost["file_id"])
            failed = wait_for_status(client, headers, stuck["file_id"])
    assert done["status"] == "completed"
    assert failed["status"] == "failed"
    assert "worker was probably lost" in failed["error"]
    container.close()
