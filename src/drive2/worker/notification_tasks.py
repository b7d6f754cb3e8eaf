"""LINE notification tasks (queue `notifications`): each a few lines over
NotificationService. Retries are decided by the service from the outbox row's attempts, and
the countdown comes from LINE's Retry-After when it sends one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from celery import Celery, Task

from drive2.messaging.task_names import (
    NOTIFICATIONS_QUEUE,
    RESEND_NOTIFICATIONS,
    SEND_BATCH_NOTIFICATIONS,
    SEND_DAILY_SUMMARIES,
    SEND_DAILY_SUMMARY,
    SEND_PROCESSING_COMPLETE,
    SEND_PROCESSING_FAILED,
    SEND_STORAGE_QUOTA_ALERT,
)
from drive2.services.notifications import NotificationService, RetryLater
from drive2.worker.runtime import services_of


def _send(task: Task, work: Callable[[NotificationService], Any]) -> Any:
    try:
        return work(services_of(task).notifications)
    except RetryLater as exc:
        raise task.retry(exc=exc, countdown=exc.delay) from exc


def send_processing_complete(self: Task, file_id: str, user_id: str) -> str:
    """The file is ready: a bubble, or a carousel with the others that finished with it."""
    return str(_send(self, lambda n: n.send_completion(file_id, user_id)))


def send_processing_failed(self: Task, file_id: str, user_id: str, error_message: str) -> str:
    return str(_send(self, lambda n: n.send_failure(file_id, user_id, error_message)))


def send_storage_quota_alert(self: Task, user_id: str, usage_percent: float) -> str:
    return str(_send(self, lambda n: n.send_quota_alert(user_id, usage_percent)))


def send_daily_summary(self: Task, user_id: str, day: str | None = None) -> str:
    """Today's (or `day`'s, YYYY-MM-DD) uploads, completions, failures and storage."""
    wanted = date.fromisoformat(day) if day else None
    return str(_send(self, lambda n: n.send_daily_summary(user_id, wanted)))


def send_batch_notifications(self: Task, notifications: list[dict[str, Any]]) -> dict[str, str]:
    """Completions ({"file_id", "user_id"}) grouped into one carousel per user, or batches
    ({"batch_key"}) sent as they are."""
    return dict(_send(self, lambda n: n.send_batch(notifications)))


def send_daily_summaries(self: Task) -> int:
    """Beat, at DAILY_SUMMARY_TIME local time: one send_daily_summary per linked user."""
    return services_of(self).notifications.fan_out_daily_summaries()


def resend_notifications(self: Task) -> int:
    """Beat: outbox batches whose task was lost are sent again."""
    return services_of(self).notifications.resend_overdue()


def register_notification_tasks(app: Celery) -> None:
    app.task(bind=True, name=SEND_PROCESSING_COMPLETE, queue=NOTIFICATIONS_QUEUE, max_retries=None)(
        send_processing_complete
    )
    app.task(bind=True, name=SEND_PROCESSING_FAILED, queue=NOTIFICATIONS_QUEUE, max_retries=None)(
        send_processing_failed
    )
    app.task(bind=True, name=SEND_STORAGE_QUOTA_ALERT, queue=NOTIFICATIONS_QUEUE, max_retries=None)(
        send_storage_quota_alert
    )
    app.task(bind=True, name=SEND_DAILY_SUMMARY, queue=NOTIFICATIONS_QUEUE, max_retries=None)(
        send_daily_summary
    )
    app.task(bind=True, name=SEND_BATCH_NOTIFICATIONS, queue=NOTIFICATIONS_QUEUE, max_retries=None)(
        send_batch_notifications
    )
    app.task(bind=True, name=SEND_DAILY_SUMMARIES, queue=NOTIFICATIONS_QUEUE)(send_daily_summaries)
    app.task(bind=True, name=RESEND_NOTIFICATIONS, queue=NOTIFICATIONS_QUEUE)(resend_notifications)
