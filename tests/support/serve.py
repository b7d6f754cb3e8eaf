"""`drive2 serve` started as a user starts it, in a temp folder on a free port, over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from tests.support.proxy import free_port


class Served:
    def __init__(
        self, process: subprocess.Popen[bytes], url: str, data_dir: Path, log: Path
    ) -> None:
        self.process = process
        self.url = url
        self.data_dir = data_dir
        self.log = log

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def children(self, role: str) -> list[psutil.Process]:
        found = []
        for child in psutil.Process(self.process.pid).children(recursive=False):
            try:
                cmd = " ".join(child.cmdline())
            except psutil.Error:
                continue  # a zombie the supervisor has not reaped yet
            if (
                (role == "worker" and " worker" in cmd)
                or (role == "beat" and " beat" in cmd)
                or (role == "api" and "uvicorn" in cmd)
            ):
                found.append(child)
        return found


@contextmanager
def serving(
    tmp_path: Path, extra_env: dict[str, str] | None = None, concurrency: int = 1
) -> Iterator[Served]:
    """Embedded unless extra_env points DATABASE_URL / CELERY_* at servers."""
    port = free_port()
    data_dir = tmp_path / "data"
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    env.update(
        {
            "TASK_RETRY_DELAY_SECONDS": "0.5",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
    )
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "drive2.cli",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                "--concurrency",
                str(concurrency),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "Drive2 is running at" in text:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
        assert process.poll() is None, text[-3000:]
        time.sleep(0.2)
    else:
        raise AssertionError(log.read_text()[-3000:])
    served = Served(process, url, data_dir, log)
    try:
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
