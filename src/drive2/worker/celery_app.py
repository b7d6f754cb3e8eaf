"""The worker's Celery application: `celery -A drive2.worker.celery_app worker` finds `app`.

Producers (API, CLI) build their own instance with create_celery_app() from the container's
settings and send tasks by name, so they never import the task code.
"""

from __future__ import annotations

from typing import Any

from celery.signals import setup_logging

from drive2.config import get_settings
from drive2.logging_setup import configure_logging
from drive2.worker.celery_config import create_celery_app
from drive2.worker.recovery import RecoverOrphans

app = create_celery_app(get_settings())


@setup_logging.connect
def _drive2_logging(**_: Any) -> None:
    # Connecting here stops Celery from installing its own handlers: one format everywhere.
    configure_logging(get_settings())


app.autodiscover_tasks(["drive2.worker"], related_name="tasks", force=True)
app.steps["consumer"].add(RecoverOrphans)
