"""The worker's entry point: `celery -A drive2.worker.celery_app worker|beat|flower` finds
`app`, made when Celery imports this module at start, from the settings of that moment.

This module and bootstrap are the only parts of drive2.worker's world that know how the
services are built (tests/unit/test_layering.py): the rest of the package takes a factory.
Producers (API, CLI) build their own Celery instance with messaging's create_celery_app()
and send tasks by name, so they never import the task code.
"""

from __future__ import annotations

from celery import Celery

from drive2.bootstrap import build_container
from drive2.config import get_settings
from drive2.worker.app import create_worker_app


def worker_app_from_env() -> Celery:
    settings = get_settings()
    return create_worker_app(settings, lambda: build_container(settings))


app = worker_app_from_env()
