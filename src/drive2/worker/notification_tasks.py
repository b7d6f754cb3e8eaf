"""LINE notification tasks (queue `notifications`): each a few lines over
NotificationService. Retries are decided by the service from the outbox row's attempts, and
the countdown comes from LINE's Retry-After when it sends one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from celery import Task

from drive2.services.notifications import NotificationService, RetryLater
from drive2.worker.celery_app import app
from drive2.worker.runtime import container
from drive2.worker.task_names import (
    NOTIFICATIONS_QUEUE,
    RESEND_NOTIFICATIONS,
    SEND_BATCH_NOTIFICATIONS,
    SEND_DAILY_SUMMARIES,
    SEND_DAILY_SUMMARY,
    SEND_PROCESSING_COMPLETE,
    SEND_PROCESSING_FAILED,
    SEND_STORAGE_QUOTA_ALERT,
)


def _send(task: Task, work: Callable[[NotificationService], Any]) -> Any:
    try:
        return work(container().notifications)
    except RetryLater as exc:
        raise task.retry(exc=exc, countdown=exc.delay) from exc


@app.task(bind=True, name=SEND_PROCESSING_COMPLETE, queue=NOTIFICATIONS_QUEUE, max_retries=None)
def send_processing_complete(self: Task, file_id: str, user_id: str) -> str:
    """The file is ready: a bubble, or a carousel with the others that finished with it."""
    return str(_send(self, lambda n: n.send_completion(file_id, user_id)))


@app.task(bind=True, name=SEND_PROCESSING_FAILED, queue=NOTIFICATIONS_QUEUE, max_retries=None)
def send_processing_failed(self: Task, file_id: str, user_id: str, error_message: str) -> str:
    return str(_send(self, lambda n: n.send_failure(file_id, user_id, error_message)))


@app.task(bind=True, name=SEND_STORAGE_QUOTA_ALERT, queue=NOTIFICATIONS_QUEUE, max_retries=None)
def send_storage_quota_alert(self: Task, user_id: str, usage_percent: float) -> str:
    return str(_send(self, lambda n: n.send_quota_alert(user_id, usage_percent)))


@app.task(bind=True, name=SEND_DAILY_SUMMARY, queue=NOTIFICATIONS_QUEUE, max_retries=None)
def send_daily_summary(self: Task, user_id: str, day: str | None = None) -> str:
    """Today's (or `day`'s, YYYY-MM-DD) uploads, completions, failures and storage."""
    wanted = date.fromisoformat(day) if day else None
    return str(_send(self, lambda n: n.send_daily_summary(user_id, wanted)))


@app.task(bind=True, name=SEND_BATCH_NOTIFICATIONS, queue=NOTIFICATIONS_QUEUE, max_retries=None)
def send_batch_notifications(self: Task, notifications: list[dict[str, Any]]) -> dict[str, str]:
    """Completions ({"file_id", "user_id"}) grouped into one carousel per user, or batches
    ({"batch_key"}) sent as they are."""
    return dict(_send(self, lambda n: n.send_batch(notifications)))


@app.task(name=SEND_DAILY_SUMMARIES, queue=NOTIFICATIONS_QUEUE)
def send_daily_summaries() -> int:
    """Beat, at DAILY_SUMMARY_TIME local time: one send_daily_summary per linked user."""
    return container().notifications.fan_out_daily_summaries()


@app.task(name=RESEND_NOTIFICATIONS, queue=NOTIFICATIONS_QUEUE)
def resend_notifications() -> int:
    """Beat: outbox batches whose task was lost are sent again."""
    return container().notifications.resend_overdue()
