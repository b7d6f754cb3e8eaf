"""The real worker application with one extra, last pipeline stage that misbehaves on files
that ask for it — the stand-in for a file that crashes a C library or hangs in one.

Start it as `celery -A tests.support.fault_app worker` (WorkerProcess(app_module=…)). A file
whose name starts with one of the markers below triggers the fault (any kind of file can carry
it); every other file runs the normal pipeline. The stage runs after every real stage, so a
run killed there has already written its thumbnail and vectors: the re-run must not leave a
second set.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded

import drive2.bootstrap
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.stage import Stage
from drive2.worker.celery_app import app

CRASH_ALWAYS = "fault-crash-always"
HANG = "fault-hang"
#: followed by the seconds to sleep and a dot: "fault-slow-5.txt"
SLOW = "fault-slow-"


class FaultStage:
    name = "fault_injection"
    optional = False

    def applies(self, ctx: ProcessingContext) -> bool:
        return True

    def run(self, ctx: ProcessingContext) -> None:
        name = ctx.file.filename
        if name.startswith(CRASH_ALWAYS):
            os.kill(os.getpid(), signal.SIGKILL)
        elif name.startswith(HANG):
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline:  # deaf to the soft limit, like C code is
                with contextlib.suppress(SoftTimeLimitExceeded):
                    time.sleep(0.2)
        elif name.startswith(SLOW):
            time.sleep(float(name[len(SLOW) :].split(".", 1)[0]))


_real_stages = drive2.bootstrap.default_stages


def _stages_with_fault(*args: Any, **kwargs: Any) -> list[Stage]:
    return [*_real_stages(*args, **kwargs), FaultStage()]


drive2.bootstrap.default_stages = _stages_with_fault

__all__ = ["app"]
