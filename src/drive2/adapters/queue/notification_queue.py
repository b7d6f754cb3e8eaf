"""Notification tasks sent by name to the `notifications` queue, so a burst of messages (or
LINE's rate limits) never holds up file processing, and the API never imports task code."""

from __future__ import annotations

from typing import Any

from celery import Celery

from drive2.messaging.task_names import (
    NOTIFICATIONS_QUEUE,
    SEND_BATCH_NOTIFICATIONS,
    SEND_DAILY_SUMMARY,
    SEND_PROCESSING_COMPLETE,
    SEND_PROCESSING_FAILED,
    SEND_STORAGE_QUOTA_ALERT,
)


class CeleryNotificationQueue:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def _send(self, name: str, args: list[Any], countdown: float | None = None) -> None:
        self.app.send_task(name, args=args, queue=NOTIFICATIONS_QUEUE, countdown=countdown)

    def send_completion(self, file_id: str, user_id: str, delay_seconds: float) -> None:
        self._send(SEND_PROCESSING_COMPLETE, [file_id, user_id], countdown=delay_seconds or None)

    def send_failure(self, file_id: str, user_id: str, error_message: str) -> None:
        self._send(SEND_PROCESSING_FAILED, [file_id, user_id, error_message])

    def send_quota_alert(self, user_id: str, usage_percent: float) -> None:
        self._send(SEND_STORAGE_QUOTA_ALERT, [user_id, usage_percent])

    def send_daily_summary(self, user_id: str) -> None:
        self._send(SEND_DAILY_SUMMARY, [user_id])

    def send_batch(self, notifications: list[dict[str, Any]]) -> None:
        self._send(SEND_BATCH_NOTIFICATIONS, [notifications])
