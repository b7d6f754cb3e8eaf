"""The Celery tasks: each a few lines over the pipeline runner or a service.

Payloads are ids only (JSON). Transient failures retry TASK_MAX_RETRIES times,
TASK_RETRY_DELAY_SECONDS apart; then the file is failed with the reason.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import OperationalError

import drive2.worker.notification_tasks  # noqa: F401 - registers the LINE tasks
from drive2.domain.errors import TransientProcessingError
from drive2.pipeline.money.record import MoneySettler
from drive2.services.ai_refresh import refresh_ai_metadata
from drive2.services.ai_rerun import rerun_fallback_ai
from drive2.services.reindex import PAUSED
from drive2.worker import signals  # noqa: F401 - connects the logging signal handlers
from drive2.worker.celery_app import app
from drive2.worker.runtime import container
from drive2.worker.task_names import (
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

log = logging.getLogger(__name__)


def _run_pipeline(task: Task, file_id: str) -> str:
    c = container()
    redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
    try:
        return str(c.runner.run(file_id, redelivered=redelivered))
    except (TransientProcessingError, OperationalError) as exc:
        # OperationalError: the database itself blinked before the runner could record it.
        if task.request.retries >= c.settings.task_max_retries:
            reason = f"gave up after {task.request.retries + 1} attempts: {exc}"
            c.failures.fail(file_id, None, reason)
            return "failed"
        raise task.retry(exc=exc, countdown=c.settings.task_retry_delay_seconds) from exc
    except SoftTimeLimitExceeded:
        limit = c.settings.task_soft_time_limit_seconds
        c.failures.fail(file_id, None, f"processing took longer than the {limit} s time limit")
        return "failed"


@app.task(bind=True, name=PROCESS_UPLOADED_FILE, max_retries=None)
def process_uploaded_file(self: Task, file_id: str, user_id: str) -> str:
    outcome = _run_pipeline(self, file_id)
    container().notifications.notify_outcome(file_id)  # LINE, once per outcome; never raises
    return outcome


@app.task(bind=True, name=REPROCESS_FILE, max_retries=None)
def reprocess_file(self: Task, file_id: str, user_id: str) -> str:
    outcome = _run_pipeline(self, file_id)
    container().notifications.notify_outcome(file_id)  # LINE, once per outcome; never raises
    return outcome


@app.task(name=GENERATE_AI_METADATA)
def generate_ai_metadata(file_id: str, *_seed_args: Any) -> dict[str, object]:
    """Analyse a completed file's text again with the AI chain and save the result. (The
    seed's text and filename arguments are ignored: the stored ones are used.)"""
    c = container()
    return refresh_ai_metadata(c.repo, c.ai, file_id)


def _thumbnail(task: Task, file_id: str, require_type: str | None = None) -> str | None:
    c = container()
    try:
        return c.thumbnails.regenerate(file_id, require_type)
    except TransientProcessingError as exc:
        raise task.retry(
            exc=exc,
            countdown=c.settings.task_retry_delay_seconds,
            max_retries=c.settings.task_max_retries,
        ) from exc


@app.task(bind=True, name=GENERATE_THUMBNAIL)
def generate_thumbnail(self: Task, file_id: str) -> str | None:
    """(Re)make one file's thumbnail; its object key, or None when the type has none."""
    return _thumbnail(self, file_id)


@app.task(bind=True, name=GENERATE_PDF_THUMBNAIL)
def generate_pdf_thumbnail(self: Task, file_id: str) -> str | None:
    """The same for a file that must be a PDF (anything else is an error)."""
    return _thumbnail(self, file_id, require_type="application/pdf")


@app.task(name=BATCH_GENERATE_THUMBNAILS)
def batch_generate_thumbnails(file_ids: list[str]) -> dict[str, int]:
    """Counts: {"generated", "no_thumbnail", "failed"}."""
    return container().thumbnails.regenerate_many(file_ids)


@app.task(name=RERUN_FALLBACK_AI)
def rerun_fallback_ai_task() -> dict[str, object]:
    """Files a fallback provider served, analysed again by the primary once it is back."""
    c = container()
    budget = c.settings.task_soft_time_limit_seconds / 2  # a slow provider must not hit it
    settle = MoneySettler(c.settings.timezone, c.settings.money_default_currency)
    return rerun_fallback_ai(c.repo, c.ai, time_budget_seconds=budget, settle=settle).as_dict()


@app.task(bind=True, name=REINDEX_EMBEDDINGS)
def reindex_embeddings(self: Task) -> str:
    """Fill the configured model's collection for a while; hand over to a fresh task when
    time runs out (a duplicate finds the lease taken and returns at once)."""
    c = container()
    budget = c.settings.task_soft_time_limit_seconds / 2
    outcome = c.reindex.run(budget_seconds=budget, owner=f"task-{self.request.id}")
    if outcome == PAUSED:
        self.apply_async(countdown=1)
    return outcome


@app.task(name=CLEANUP_OLD_TASKS)
def cleanup_old_tasks() -> dict[str, int]:
    c = container()
    report = c.sweeper.sweep()
    try:
        # Expired results: the database backend needs this call; Redis expires by itself.
        app.backend.cleanup()
    except Exception:
        log.exception("result cleanup failed")
    return {
        "failed_stuck": len(report.failed_stuck),
        "redispatched": len(report.redispatched),
        "failed_undeliverable": len(report.failed_undeliverable),
        "recovered": len(report.recovered),
    }


@app.task(name=PURGE_TRASH)
def purge_trash() -> int:
    """Beat: files in the trash longer than TRASH_RETENTION_DAYS, deleted for good."""
    return container().trash.purge_expired()
