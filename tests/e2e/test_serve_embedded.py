"""`drive2 serve` as a user runs it: one command, SQLite everywhere, a real worker and Beat,
driven over real HTTP."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.api import register_and_login, upload, wait_for_status
from tests.support.files import pdf_with_text, truncated_pdf
from tests.support.serve import Served, serving
from tests.unit.test_private_data_dir import open_to_others

pytestmark = [pytest.mark.slow, pytest.mark.heavy]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serving(tmp_path, {"MAX_UPLOAD_BYTES": str(1024 * 1024)}) as running:
        yield running


def _wait_worker_ready(served: Served, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.log.read_text(errors="replace").count(" ready.") >= count:
            return
        time.sleep(0.2)
    raise AssertionError("worker did not become ready")


def test_serve_runs_the_whole_product_in_one_command(served: Served) -> None:
    text = served.log.read_text()
    assert f"Drive2 is running at http://localhost:{served.url.rsplit(':', 1)[1]}" in text
    with httpx.Client(base_url=served.url, timeout=30) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        headers = register_and_login(client)
        ids = {
            "notes.txt": upload(client, headers, "notes.txt", b"Embedded mode works.").json(),
            "scan.pdf": upload(
                client, headers, "scan.pdf", pdf_with_text("Lease agreement")
            ).json(),
            "empty.bin": upload(client, headers, "empty.bin", b"").json(),
            "cut.pdf": upload(client, headers, "cut.pdf", truncated_pdf()).json(),
        }
        assert all(body["status"] == "pending" for body in ids.values())
        results = {
            name: wait_for_status(client, headers, body["file_id"]) for name, body in ids.items()
        }
        assert results["notes.txt"]["status"] == "completed"
        assert results["scan.pdf"]["status"] == "completed"
        assert results["empty.bin"]["status"] == "completed"
        assert results["cut.pdf"]["status"] == "failed"
        assert results["cut.pdf"]["attempts"] == 1
        pdf_text = client.get(f"/api/v1/files/{ids['scan.pdf']['file_id']}/text", headers=headers)
        assert "Lease agreement" in pdf_text.text
        download = client.get(
            f"/api/v1/files/{ids['notes.txt']['file_id']}/download", headers=headers
        )
        assert download.content == b"Embedded mode works."
        # A chunked body with no Content-Length, over the 1 MiB limit: counted while streaming.
        boundary = "e2eboundary"

        def chunked() -> Iterator[bytes]:
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="big.bin"\r\n\r\n'
            ).encode()
            for _ in range(40):
                yield b"\x01" * 65536
            yield f"\r\n--{boundary}--\r\n".encode()

        big = client.post(
            "/api/v1/files/upload",
            headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            content=chunked(),
        )
        assert big.status_code == 413
        assert client.get("/api/v1/files", headers=headers).json()["total"] == 4
        incoming = served.data_dir / "objects" / ".incoming"
        assert list(incoming.iterdir()) == []
        # Everything serve wrote (objects, SQLite files, broker, vectors, secret) is private,
        # although this test started it with the usual umask of 022.
        assert open_to_others(served.data_dir) == []
        # Reprocess a finished file: it runs again and completes.
        fid = ids["notes.txt"]["file_id"]
        assert client.post(f"/api/v1/files/{fid}/reprocess", headers=headers).status_code == 202
        again = wait_for_status(client, headers, fid)
        assert again["status"] == "completed" and again["attempts"] == 2


def test_serve_restarts_a_dead_worker_and_stops_cleanly(served: Served) -> None:
    _wait_worker_ready(served, 1)
    [worker] = served.children("worker")
    assert served.children("beat") and served.children("api")
    worker.kill()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        alive = [w for w in served.children("worker") if w.pid != worker.pid]
        if alive:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("worker was not restarted")
    assert "worker (pid" in served.log.read_text() and "killed by SIGKILL" in served.log.read_text()
    _wait_worker_ready(served, 2)
    with httpx.Client(base_url=served.url, timeout=30) as client:
        headers = register_and_login(client)
        fid = upload(client, headers, "after.txt", b"processed by the new worker").json()["file_id"]
        assert wait_for_status(client, headers, fid)["status"] == "completed"
    pids = [c.pid for c in psutil.Process(served.process.pid).children(recursive=True)]
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(40) == 0
    time.sleep(0.5)
    assert not [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
