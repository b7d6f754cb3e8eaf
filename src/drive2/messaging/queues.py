"""The task queues and which task goes to which: fast work must not wait behind slow work.

- ``fast``: thumbnails, the sweeper and the trash purge — seconds at most, so a new upload's
  quick results and the housekeeping are never stuck behind a backlog of OCR.
- ``slow``: AI analysis and the re-run of fallback AI results — model and LLM calls.
- ``notifications``: every ``drive2.send_*`` / ``drive2.notify*`` task (LINE and the like), so
  a slow or failing messaging API delays nothing else.
- The pipeline of a file goes to ``slow`` when its type may need OCR (images, PDFs) and to
  ``fast`` otherwise (text, office documents, e-mail, audio and video): a worker kept for
  ``fast`` turns new documents around while scans wait for tesseract elsewhere.
- ``drive2``: the default queue, kept so messages sent by an older version still run.

A worker started without ``-Q`` consumes every queue listed here; ``drive2 worker -Q slow``
consumes only the named ones.
"""

from __future__ import annotations

from typing import Any

from kombu.entity import Exchange, Queue

from drive2.messaging.task_names import (
    BATCH_GENERATE_THUMBNAILS,
    CLEANUP_OLD_TASKS,
    DEFAULT_QUEUE,
    GENERATE_AI_METADATA,
    GENERATE_PDF_THUMBNAIL,
    GENERATE_THUMBNAIL,
    NOTIFICATIONS_QUEUE,
    PURGE_TRASH,
    REINDEX_EMBEDDINGS,
    RERUN_FALLBACK_AI,
)

FAST_QUEUE = "fast"
SLOW_QUEUE = "slow"
ALL_QUEUES = (FAST_QUEUE, SLOW_QUEUE, NOTIFICATIONS_QUEUE, DEFAULT_QUEUE)

ROUTES: dict[str, dict[str, str]] = {
    GENERATE_THUMBNAIL: {"queue": FAST_QUEUE},
    GENERATE_PDF_THUMBNAIL: {"queue": FAST_QUEUE},
    BATCH_GENERATE_THUMBNAILS: {"queue": FAST_QUEUE},
    CLEANUP_OLD_TASKS: {"queue": FAST_QUEUE},
    PURGE_TRASH: {"queue": FAST_QUEUE},
    GENERATE_AI_METADATA: {"queue": SLOW_QUEUE},
    RERUN_FALLBACK_AI: {"queue": SLOW_QUEUE},
    REINDEX_EMBEDDINGS: {"queue": SLOW_QUEUE},
    # Glob patterns: Celery matches them against the task name.
    "drive2.send_*": {"queue": NOTIFICATIONS_QUEUE},
    "drive2.notify*": {"queue": NOTIFICATIONS_QUEUE},
}


def queue_config() -> dict[str, Any]:
    """The Celery settings that declare the queues and route the tasks."""
    exchange = Exchange(DEFAULT_QUEUE, type="direct")  # type: ignore[no-untyped-call]
    queues = [
        Queue(name, exchange, routing_key=name)  # type: ignore[no-untyped-call]
        for name in ALL_QUEUES
    ]
    return {
        "task_queues": tuple(queues),
        "task_routes": ROUTES,
        "task_default_queue": DEFAULT_QUEUE,
        "task_default_exchange": DEFAULT_QUEUE,
        "task_default_routing_key": DEFAULT_QUEUE,
    }


#: Types whose processing may run tesseract over pages or pictures.
_MAY_NEED_OCR = ("image/", "application/pdf")


def pipeline_queue(content_type: str | None) -> str:
    """Where a file's processing waits, from the type sniffed at upload."""
    if content_type is None:
        return DEFAULT_QUEUE
    return SLOW_QUEUE if content_type.startswith(_MAY_NEED_OCR) else FAST_QUEUE


def route_of(task_name: str) -> str:
    """The queue a task is sent to (for docs, metrics and tests)."""
    from fnmatch import fnmatchcase

    for pattern, route in ROUTES.items():
        if fnmatchcase(task_name, pattern):
            return route["queue"]
    return DEFAULT_QUEUE
