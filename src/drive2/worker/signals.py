"""One log line per task start, end and failure, with task id, file id and duration."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery.signals import task_failure, task_postrun, task_prerun, task_retry

log = logging.getLogger("drive2.tasks")
_started: dict[str, float] = {}


def _file_id(args: Any, kwargs: Any) -> str | None:
    if kwargs and "file_id" in kwargs:
        return str(kwargs["file_id"])
    if args and isinstance(args[0], str):
        return args[0]
    return None


@task_prerun.connect
def _on_prerun(task_id: str, task: Any, args: Any = None, kwargs: Any = None, **_: Any) -> None:
    _started[task_id] = time.monotonic()
    log.info("task start name=%s task_id=%s file_id=%s", task.name, task_id, _file_id(args, kwargs))


@task_postrun.connect
def _on_postrun(
    task_id: str,
    task: Any,
    args: Any = None,
    kwargs: Any = None,
    state: str | None = None,
    retval: Any = None,
    **_: Any,
) -> None:
    started = _started.pop(task_id, None)
    duration = time.monotonic() - started if started is not None else -1.0
    log.info(
        "task end name=%s task_id=%s file_id=%s state=%s duration_s=%.3f result=%s",
        task.name,
        task_id,
        _file_id(args, kwargs),
        state,
        duration,
        retval,
    )


@task_failure.connect
def _on_failure(
    task_id: str,
    exception: BaseException,
    args: Any = None,
    kwargs: Any = None,
    sender: Any = None,
    **_: Any,
) -> None:
    log.error(
        "task failure name=%s task_id=%s file_id=%s error=%r",
        getattr(sender, "name", "?"),
        task_id,
        _file_id(args, kwargs),
        exception,
    )


@task_retry.connect
def _on_retry(request: Any = None, reason: Any = None, **_: Any) -> None:
    log.warning(
        "task retry name=%s task_id=%s file_id=%s reason=%s",
        getattr(request, "task", "?"),
        getattr(request, "id", "?"),
        _file_id(getattr(request, "args", None), getattr(request, "kwargs", None)),
        reason,
    )
