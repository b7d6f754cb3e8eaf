"""Celery configuration from Settings (DESIGN.md section 3), shared by producers and workers."""

from __future__ import annotations

from datetime import timedelta

from celery import Celery

from drive2.config import Settings
from drive2.data_dir import prepare_data_dir
from drive2.messaging import sqlite_transport
from drive2.messaging.notification_schedule import notification_beat_schedule
from drive2.messaging.queues import queue_config
from drive2.messaging.task_names import (
    CLEANUP_OLD_TASKS,
    DEFAULT_QUEUE,
    PURGE_TRASH,
    REINDEX_EMBEDDINGS,
    RERUN_FALLBACK_AI,
)


def create_celery_app(settings: Settings) -> Celery:
    sqlite_transport.register(settings.broker_polling_interval)
    if settings.embedded_broker:
        prepare_data_dir(settings.data_path)
    broker = sqlite_transport.rewrite_url(settings.resolved_broker_url)
    app = Celery("drive2", broker=broker, backend=settings.resolved_result_backend)
    # Redis redelivers an unacknowledged message after the visibility timeout: it must be
    # longer than the hard limit or a long task would run twice while still alive.
    visibility = settings.task_time_limit_seconds * 2 + 60
    sweep = settings.sweep_interval_seconds
    rerun = settings.ai_rerun_interval_seconds
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone=settings.timezone,
        enable_utc=True,
        task_track_started=True,
        task_time_limit=settings.task_time_limit_seconds,
        task_soft_time_limit=settings.task_soft_time_limit_seconds,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_connection_retry_on_startup=True,
        result_expires=timedelta(seconds=settings.task_result_expires_seconds),
        result_extended=True,
        task_default_queue=DEFAULT_QUEUE,
        broker_transport_options={"visibility_timeout": visibility}
        if not settings.embedded_broker
        else {},
        result_backend_transport_options={"visibility_timeout": visibility},
        beat_schedule={
            "cleanup-old-tasks": {
                "task": CLEANUP_OLD_TASKS,
                "schedule": sweep,
                # After an outage, one sweep is enough; a backlog of them is not.
                "options": {"expires": max(sweep / 2, 1.0)},
            },
            # Re-embedding after a model change: starts it, and resumes a killed job.
            "reindex-embeddings": {
                "task": REINDEX_EMBEDDINGS,
                "schedule": settings.reindex_check_seconds,
                # A busy worker may take seconds to fetch it: not too short-lived either.
                "options": {"expires": max(settings.reindex_check_seconds / 2, 10.0)},
            },
            "rerun-fallback-ai": {
                "task": RERUN_FALLBACK_AI,
                "schedule": rerun,
                "options": {"expires": max(rerun / 2, 1.0)},
            },
        },
        beat_schedule_filename=str(settings.data_path / "celerybeat-schedule"),
        worker_hijack_root_logger=False,
    )
    # --- operating (issue 7): queues, routes and the events Flower shows ---------------------
    app.conf.update(queue_config())
    # Task events feed Flower. Only on a real broker: kombu's SQLite transport keeps exchange
    # bindings per process, so no other process could receive an event; each would be dropped
    # with an UndeliverableWarning.
    events = not settings.embedded_broker
    app.conf.update(worker_send_task_events=events, task_send_sent_event=events)
    app.conf.beat_schedule.update(notification_beat_schedule(settings))  # LINE (issue 6)
    purge = settings.trash_purge_interval_seconds
    app.conf.beat_schedule["purge-trash"] = {  # trash retention (issue 16)
        "task": PURGE_TRASH,
        "schedule": purge,
        "options": {"expires": max(purge / 2, 1.0)},
    }
    return app
