"""The Celery tasks: each a few lines over the pipeline runner or a service, registered on a
worker app by register_tasks(); each finds its services through its app (runtime.py).

Payloads are ids only (JSON). Transient failures retry TASK_MAX_RETRIES times,
TASK_RETRY_DELAY_SECONDS apart; then the file is failed with the reason.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded

from drive2.domain.errors import ServiceUnavailableError, TransientProcessingError
from drive2.messaging.task_names import (
    BATCH_GENERATE_THUMBNAILS,
    CLEANUP_OLD_TASKS,
    GENERATE_AI_METADATA,
    GENERATE_PDF_THUMBNAIL,
    GENERATE_THUMBNAIL,
    PROCESS_UPLOADED_FILE,
    PURGE_TRASH,
    REINDEX_EMBEDDINGS,
    REPROCESS_FILE,
    RERUN_FALLBACK_AI,
)
from drive2.pipeline.money.record import MoneySettler
from drive2.services.ai_refresh import refresh_ai_metadata
from drive2.services.ai_rerun import rerun_fallback_ai
from drive2.services.reindex import PAUSED
from drive2.worker.runtime import services_of

log = logging.getLogger(__name__)


def _run_pipeline(task: Task, file_id: str) -> str:
    c = services_of(task)
    redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
    try:
        return str(c.runner.run(file_id, redelivered=redelivered))
    except (TransientProcessingError, ServiceUnavailableError) as exc:
        # ServiceUnavailableError: the database blinked before the runner could record it.
        if task.request.retries >= c.settings.task_max_retries:
            reason = f"gave up after {task.request.retries + 1} attempts: {exc}"
            c.failures.fail(file_id, None, reason)
            return "failed"
        raise task.retry(exc=exc, countdown=c.settings.task_retry_delay_seconds) from exc
    except SoftTimeLimitExceeded:
        limit = c.settings.task_soft_time_limit_seconds
        c.failures.fail(file_id, None, f"processing took longer than the {limit} s time limit")
        return "failed"


def process_uploaded_file(self: Task, file_id: str, user_id: str) -> str:
    outcome = _run_pipeline(self, file_id)
    services_of(self).notifications.notify_outcome(file_id)  # LINE, once per outcome; never raises
    return outcome


def reprocess_file(self: Task, file_id: str, user_id: str) -> str:
    outcome = _run_pipeline(self, file_id)
    services_of(self).notifications.notify_outcome(file_id)  # LINE, once per outcome; never raises
    return outcome


def generate_ai_metadata(self: Task, file_id: str, *_seed_args: Any) -> dict[str, object]:
    """Analyse a completed file's text again with the AI chain and save the result. (The
    seed's text and filename arguments are ignored: the stored ones are used.)"""
    c = services_of(self)
    return refresh_ai_metadata(c.repo, c.ai, file_id)


def _thumbnail(task: Task, file_id: str, require_type: str | None = None) -> str | None:
    c = services_of(task)
    try:
        return c.thumbnails.regenerate(file_id, require_type)
    except TransientProcessingError as exc:
        raise task.retry(
            exc=exc,
            countdown=c.settings.task_retry_delay_seconds,
            max_retries=c.settings.task_max_retries,
        ) from exc


def generate_thumbnail(self: Task, file_id: str) -> str | None:
    """(Re)make one file's thumbnail; its object key, or None when the type has none."""
    return _thumbnail(self, file_id)


def generate_pdf_thumbnail(self: Task, file_id: str) -> str | None:
    """The same for a file that must be a PDF (anything else is an error)."""
    return _thumbnail(self, file_id, require_type="application/pdf")


def batch_generate_thumbnails(self: Task, file_ids: list[str]) -> dict[str, int]:
    """Counts: {"generated", "no_thumbnail", "failed"}."""
    return services_of(self).thumbnails.regenerate_many(file_ids)


def rerun_fallback_ai_task(self: Task) -> dict[str, object]:
    """Files a fallback provider served, analysed again by the primary once it is back."""
    c = services_of(self)
    budget = c.settings.task_soft_time_limit_seconds / 2  # a slow provider must not hit it
    settle = MoneySettler(c.settings.timezone, c.settings.money_default_currency)
    return rerun_fallback_ai(c.repo, c.ai, time_budget_seconds=budget, settle=settle).as_dict()


def reindex_embeddings(self: Task) -> str:
    """Fill the configured model's collection for a while; hand over to a fresh task when
    time runs out (a duplicate finds the lease taken and returns at once)."""
    c = services_of(self)
    budget = c.settings.task_soft_time_limit_seconds / 2
    outcome = c.reindex.run(budget_seconds=budget, owner=f"task-{self.request.id}")
    if outcome == PAUSED:
        self.apply_async(countdown=1)
    return outcome


def cleanup_old_tasks(self: Task) -> dict[str, int]:
    c = services_of(self)
    report = c.sweeper.sweep()
    try:
        # Expired results: the database backend needs this call; Redis expires by itself.
        self.app.backend.cleanup()
    except Exception:
        log.exception("result cleanup failed")
    return {
        "failed_stuck": len(report.failed_stuck),
        "redispatched": len(report.redispatched),
        "failed_undeliverable": len(report.failed_undeliverable),
        "recovered": len(report.recovered),
    }


def purge_trash(self: Task) -> int:
    """Beat: files in the trash longer than TRASH_RETENTION_DAYS, deleted for good."""
    return services_of(self).trash.purge_expired()


def register_tasks(app: Celery) -> None:
    app.task(bind=True, name=PROCESS_UPLOADED_FILE, max_retries=None)(process_uploaded_file)
    app.task(bind=True, name=REPROCESS_FILE, max_retries=None)(reprocess_file)
    app.task(bind=True, name=GENERATE_AI_METADATA)(generate_ai_metadata)
    app.task(bind=True, name=GENERATE_THUMBNAIL)(generate_thumbnail)
    app.task(bind=True, name=GENERATE_PDF_THUMBNAIL)(generate_pdf_thumbnail)
    app.task(bind=True, name=BATCH_GENERATE_THUMBNAILS)(batch_generate_thumbnails)
    app.task(bind=True, name=RERUN_FALLBACK_AI)(rerun_fallback_ai_task)
    app.task(bind=True, name=REINDEX_EMBEDDINGS)(reindex_embeddings)
    app.task(bind=True, name=CLEANUP_OLD_TASKS)(cleanup_old_tasks)
    app.task(bind=True, name=PURGE_TRASH)(purge_trash)
