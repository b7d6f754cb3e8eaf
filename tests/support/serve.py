"""`drive2 serve` started as a user starts it, in a temporary data dir on a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.proxy import free_port


@dataclass
class ServedDrive2:
    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@contextmanager
def serve_embedded(
    workdir: Path, env: dict[str, str] | None = None, concurrency: int = 1
) -> Iterator[ServedDrive2]:
    port = free_port()
    data_dir = workdir / "data"
    log = workdir / "serve.log"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    full_env.update({"PYTHONUNBUFFERED": "1", **(env or {})})
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
            env=full_env,
            cwd=workdir,
            start_new_session=True,
        )
    served = ServedDrive2(process, f"http://127.0.0.1:{port}", data_dir, log)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if "Drive2 is running at" in log.read_text(errors="replace"):
                try:
                    if httpx.get(f"{served.url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
            assert process.poll() is None, served.log_tail()
            time.sleep(0.2)
        else:
            raise AssertionError("drive2 serve did not start:\n" + served.log_tail())
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
