"""One log line per task start, end, failure and retry — with task id, file id, stage,
duration and outcome as fields (JSON logs carry them as keys) — and the deployment-wide task
metrics (services/metrics.py) counted from the same signals."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery.signals import task_failure, task_postrun, task_prerun, task_retry

from drive2.messaging.task_names import (
    BATCH_GENERATE_THUMBNAILS,
    GENERATE_AI_METADATA,
    GENERATE_PDF_THUMBNAIL,
    GENERATE_THUMBNAIL,
    PROCESS_UPLOADED_FILE,
    REPROCESS_FILE,
)
from drive2.services.metrics import MetricsRecorder
from drive2.worker.runtime import services_of

log = logging.getLogger("drive2.tasks")
_started: dict[str, float] = {}

#: Tasks that do one stage's work; the others report the file's own current stage.
_TASK_STAGES = {
    GENERATE_THUMBNAIL: "thumbnail",
    GENERATE_PDF_THUMBNAIL: "thumbnail",
    BATCH_GENERATE_THUMBNAILS: "thumbnail",
    GENERATE_AI_METADATA: "ai_analysis",
}
#: Tasks whose result is how the file ended ("completed", "failed", …).
_PIPELINE_TASKS = frozenset({PROCESS_UPLOADED_FILE, REPROCESS_FILE})


def _file_id(args: Any, kwargs: Any) -> str | None:
    if kwargs and "file_id" in kwargs:
        return str(kwargs["file_id"])
    if args and isinstance(args[0], str):
        return args[0]
    return None


def _metrics(task: Any) -> MetricsRecorder | None:
    """The metrics of the task's worker app; None for a task of another Celery app."""
    try:
        return services_of(task).metrics
    except LookupError:
        return None


def _stage(task: Any, file_id: str | None) -> str | None:
    if task.name in _TASK_STAGES:
        return str(_TASK_STAGES[task.name])
    if file_id is None:
        return None
    try:
        record = services_of(task).repo.get_file(file_id)
    except Exception:
        return None  # the line matters more than the field
    return record.stage if record is not None else None


@task_prerun.connect
def _on_prerun(task_id: str, task: Any, args: Any = None, kwargs: Any = None, **_: Any) -> None:
    _started[task_id] = time.monotonic()
    file_id = _file_id(args, kwargs)
    stage = _stage(task, file_id)
    log.info(
        "task start name=%s task_id=%s file_id=%s stage=%s",
        task.name,
        task_id,
        file_id,
        stage,
        extra={
            "event": "task_start",
            "task": task.name,
            "task_id": task_id,
            "file_id": file_id,
            "stage": stage,
        },
    )


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
    duration = time.monotonic() - started if started is not None else None
    file_id = _file_id(args, kwargs)
    stage = _stage(task, file_id)
    outcome = str(retval) if task.name in _PIPELINE_TASKS and state == "SUCCESS" else state
    log.info(
        "task end name=%s task_id=%s file_id=%s stage=%s state=%s duration_s=%.3f result=%s",
        task.name,
        task_id,
        file_id,
        stage,
        state,
        duration if duration is not None else -1.0,
        retval,
        extra={
            "event": "task_end",
            "task": task.name,
            "task_id": task_id,
            "file_id": file_id,
            "stage": stage,
            "state": state,
            "outcome": outcome,
            "duration_s": round(duration, 4) if duration is not None else None,
        },
    )
    metrics = _metrics(task)
    if metrics is None:
        return
    metrics.task_finished(task.name, str(state), duration)
    if task.name in _PIPELINE_TASKS and state == "SUCCESS":
        metrics.file_processed(str(retval))


@task_failure.connect
def _on_failure(
    task_id: str,
    exception: BaseException,
    args: Any = None,
    kwargs: Any = None,
    sender: Any = None,
    **_: Any,
) -> None:
    name = getattr(sender, "name", "?")
    file_id = _file_id(args, kwargs)
    log.error(
        "task failure name=%s task_id=%s file_id=%s error=%r",
        name,
        task_id,
        file_id,
        exception,
        extra={
            "event": "task_failure",
            "task": name,
            "task_id": task_id,
            "file_id": file_id,
            "outcome": "FAILURE",
            "error": repr(exception),
        },
    )
    metrics = _metrics(sender)
    if metrics is not None:
        metrics.task_failed(name)


@task_retry.connect
def _on_retry(sender: Any = None, request: Any = None, reason: Any = None, **_: Any) -> None:
    name = getattr(request, "task", "?")
    task_id = getattr(request, "id", "?")
    file_id = _file_id(getattr(request, "args", None), getattr(request, "kwargs", None))
    log.warning(
        "task retry name=%s task_id=%s file_id=%s reason=%s",
        name,
        task_id,
        file_id,
        reason,
        extra={
            "event": "task_retry",
            "task": name,
            "task_id": task_id,
            "file_id": file_id,
            "outcome": "RETRY",
            "reason": str(reason),
        },
    )
    metrics = _metrics(sender)
    if metrics is not None:
        metrics.task_retried(str(name))
