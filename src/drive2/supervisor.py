"""`drive2 serve`: the embedded deployment's processes, kept alive.

The API, one Celery worker and Celery Beat run as child processes. A child that dies is
started again (with a back-off when it keeps dying) and the reason is logged; SIGINT or
SIGTERM stops all of them, the worker given time for a warm shutdown.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

log = logging.getLogger("drive2.serve")

#: uvicorn's httptools protocol with a deadline for request headers (api/http_server.py), for
#: `drive2 serve` and `drive2 api` alike.
HTTP_PROTOCOL = "drive2.api.http_server:TimedHttpProtocol"


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0
    next_start: float = 0.0
    history: list[float] = field(default_factory=list)

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(self.argv, env=env)
        self.started_at = time.monotonic()
        log.info("started %s (pid %d)", self.name, self.process.pid)


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


class Supervisor:
    def __init__(self, children: list[Child], env: dict[str, str]) -> None:
        self.children = children
        self.env = env
        self._stopping = False

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        self._stopping = True

    def run(self, ready_message: str | None = None) -> int:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        for child in self.children:
            child.start(self.env)
        if ready_message:
            print(ready_message, flush=True)
        try:
            while not self._stopping:
                self._watch()
                time.sleep(0.5)
        finally:
            self.stop()
        return 0

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self.children:
            proc = child.process
            if proc is None:
                if now >= child.next_start:
                    child.start(self.env)
                continue
            code = proc.poll()
            if code is None:
                continue
            child.history = [t for t in child.history if now - t < 60] + [now]
            delay = min(30.0, 0.5 * 2 ** max(0, len(child.history) - 1))
            log.error(
                "%s (pid %d) %s; restarting in %.1f s",
                child.name,
                proc.pid,
                _describe_exit(code),
                delay,
            )
            child.restarts += 1
            child.process = None
            child.next_start = now + delay

    def stop(self, timeout: float = 20.0) -> None:
        running = [c for c in self.children if c.process and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in time; killing it", child.name)
                child.process.kill()
                child.process.wait()
        log.info("all processes stopped")


def embedded_children(host: str, port: int, concurrency: int, log_level: str) -> list[Child]:
    py = sys.executable
    return [
        Child(
            "api",
            [
                py,
                "-m",
                "uvicorn",
                "--factory",
                "drive2.api.asgi:create_app_from_env",
                "--host",
                host,
                "--port",
                str(port),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "5",
                "--http",
                HTTP_PROTOCOL,
            ],
        ),
        Child(
            "worker",
            [
                py,
                "-m",
                "celery",
                "-A",
                "drive2.worker.celery_app",
                "worker",
                "--loglevel",
                log_level,
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"drive2-embedded-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        ),
        Child(
            "beat",
            [py, "-m", "celery", "-A", "drive2.worker.celery_app", "beat", "--loglevel", log_level],
        ),
    ]
