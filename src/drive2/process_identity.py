"""Who is running a file: "host:pid:start-ticks", and whether that process is gone.

A new delivery of a file that a worker still owns must leave it alone; one whose owner died
(SIGKILL, OOM kill, a crashed container) must take it over at once instead of waiting for the
hourly sweeper. The start time (from /proc, in clock ticks since boot) tells a reused pid from
the owner. Another host's process cannot be checked from here: it counts as alive, and the
time rule in `run_must_be_over` covers it.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from functools import cache

#: How long after the hard time limit a run is certainly over (the pool kills it at the limit).
HARD_LIMIT_GRACE = timedelta(seconds=30)


def _start_ticks(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat; None when the process is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = raw[raw.rfind(")") + 2 :].split()
    if not fields or fields[0] in ("Z", "X"):
        return None
    return fields[19] if len(fields) > 19 else None


@cache
def _host() -> str:
    return socket.gethostname()


def current_token() -> str:
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_ticks(pid) or '?'}"


def is_gone(token: str | None) -> bool:
    """True only when the owner is known to be dead: same host, and no such process now."""
    if not token:
        return False
    parts = token.rsplit(":", 2)
    if len(parts) != 3:
        return False
    host, pid_text, ticks = parts
    if host != _host() or not pid_text.isdigit() or not os.path.isdir("/proc"):
        return False
    now_ticks = _start_ticks(int(pid_text))
    return now_ticks is None or (ticks != "?" and now_ticks != ticks)


def run_must_be_over(
    owner: str | None, started_at: datetime | None, now: datetime, hard_limit_seconds: float
) -> bool:
    """The run that claimed a file has ended without recording it (killed, lost)."""
    if is_gone(owner):
        return True
    if started_at is None:
        return False
    return now - started_at > timedelta(seconds=hard_limit_seconds) + HARD_LIMIT_GRACE
