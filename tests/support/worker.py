"""A real Celery worker process for a test, with its own environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WorkerProcess:
    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        concurrency: int = 2,
        queues: str | None = None,
    ) -> None:
        self.log_path = log_path
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "drive2.worker.celery_app",
                "worker",
                "--loglevel",
                "INFO",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--hostname",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *(["-Q", queues] if queues else []),
            ],
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.log()[-4000:]}")
            time.sleep(0.2)
        raise AssertionError(f"worker not ready in {timeout}s:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


@contextmanager
def running_worker(
    env: dict[str, str], log_path: Path, concurrency: int = 2, queues: str | None = None
) -> Iterator[WorkerProcess]:
    """`queues`: comma-separated queues to consume (e.g. "drive2,notifications"); None keeps
    the worker's default."""
    worker = WorkerProcess(env, log_path, concurrency, queues)
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()
