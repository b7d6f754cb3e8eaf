"""Running the external tools (tesseract, ffmpeg, ffprobe) safely: always with a
timeout, killed with their whole process group when it passes, one OpenMP thread each, and a
clear error when the tool is not installed."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from drive2.domain.errors import ProcessingError


class ToolMissingError(ProcessingError):
    pass


class ToolTimeoutError(ProcessingError):
    pass


class ToolFailedError(ProcessingError):
    pass


@dataclass(frozen=True)
class ToolResult:
    stdout: bytes
    stderr: bytes


def require_tool(cmd: str) -> str:
    path = shutil.which(cmd)
    if path is None:
        raise ToolMissingError(f"{cmd} is not installed (run `make system-deps` or see the README)")
    return path


def run_tool(
    argv: Sequence[str],
    timeout: float,
    stdin: bytes | None = None,
    ok_codes: tuple[int, ...] = (0,),
) -> ToolResult:
    exe = require_tool(argv[0])
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    proc = subprocess.Popen(
        [exe, *argv[1:]],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # so a timeout kills the tool's children too
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ToolTimeoutError(
            f"{argv[0]} did not finish within {timeout:g} s and was stopped"
        ) from None
    except BaseException:
        # A soft time limit or Ctrl-C while waiting: the tool must not run on alone.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if proc.returncode not in ok_codes:
        message = err.decode("utf-8", "replace").strip().splitlines()
        tail = message[-1] if message else f"exit code {proc.returncode}"
        raise ToolFailedError(f"{argv[0]} failed: {tail[:300]}")
    return ToolResult(out, err)
