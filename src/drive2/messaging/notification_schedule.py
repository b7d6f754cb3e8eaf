"""Beat entries of the LINE notifications: the daily summary at DAILY_SUMMARY_TIME in
TIMEZONE (Celery's timezone, so crontab reads local time), and the outbox resend job."""

from __future__ import annotations

import re
from typing import Any

from celery.schedules import crontab

from drive2.config import Settings
from drive2.messaging.task_names import (
    NOTIFICATIONS_QUEUE,
    RESEND_NOTIFICATIONS,
    SEND_DAILY_SUMMARIES,
)

RESEND_INTERVAL_SECONDS = 600.0
_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_daily_time(value: str) -> tuple[int, int]:
    match = _HH_MM.match(value.strip())
    if not match:
        raise ValueError(f"DAILY_SUMMARY_TIME must be HH:MM (24-hour), not {value!r}")
    return int(match[1]), int(match[2])


def notification_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    if not settings.line_enabled:
        return {}
    hour, minute = parse_daily_time(settings.daily_summary_time)
    return {
        "line-daily-summaries": {
            "task": SEND_DAILY_SUMMARIES,
            "schedule": crontab(hour=hour, minute=minute),
            # A summary hours late is worse than none: a Beat that was down skips the day.
            "options": {"expires": 3600.0, "queue": NOTIFICATIONS_QUEUE},
        },
        "line-resend-notifications": {
            "task": RESEND_NOTIFICATIONS,
            "schedule": RESEND_INTERVAL_SECONDS,
            "options": {"expires": RESEND_INTERVAL_SECONDS / 2, "queue": NOTIFICATIONS_QUEUE},
        },
    }
