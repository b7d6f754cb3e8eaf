"""The worker's Celery application: `celery -A drive2.worker.celery_app worker` finds `app`.

Producers (API, CLI) build their own instance with create_celery_app() from the container's
settings and send tasks by name, so they never import the task code.
"""

from __future__ import annotations

from drive2.config import get_settings
from drive2.worker.celery_config import create_celery_app

app = create_celery_app(get_settings())
app.autodiscover_tasks(["drive2.worker"], related_name="tasks", force=True)
