"""The worker's Celery application, made by a function: nothing is built at import.

create_worker_app(settings, factory) is the producers' Celery configuration
(messaging/celery_config.py) plus the tasks and the recovery step, with a WorkerRuntime that
builds the process's services from `factory` on first use; tasks and signal handlers find
it through their app (runtime.services_of). `drive2.worker.celery_app`, the `-A` target,
calls it with bootstrap's builder; tests call it with their own container.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging, worker_process_init

from drive2.config import Settings
from drive2.logging_setup import configure_logging
from drive2.messaging.celery_config import create_celery_app
from drive2.worker import signals  # noqa: F401 - connects the logging and metrics handlers
from drive2.worker.notification_tasks import register_notification_tasks
from drive2.worker.recovery import RecoverOrphans
from drive2.worker.runtime import WorkerRuntime
from drive2.worker.services import ServicesFactory
from drive2.worker.tasks import register_tasks


def create_worker_app(settings: Settings, factory: ServicesFactory) -> Celery:
    app = create_celery_app(settings)
    runtime = WorkerRuntime(factory)
    app.drive2_runtime = runtime

    def _logging(**_: Any) -> None:
        # Connecting here stops Celery from installing its own handlers: one format everywhere.
        configure_logging(settings)

    def _after_fork(**_: Any) -> None:
        runtime.after_fork()

    setup_logging.connect(_logging, weak=False)
    worker_process_init.connect(_after_fork, weak=False)
    register_tasks(app)
    register_notification_tasks(app)
    app.steps["consumer"].add(RecoverOrphans)
    return app
