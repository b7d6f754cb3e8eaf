"""Hands work to Celery by task name; the same code serves the SQLite and Redis brokers."""

from __future__ import annotations

from celery import Celery

from drive2.messaging.queues import pipeline_queue
from drive2.messaging.task_names import DEFAULT_QUEUE, PROCESS_UPLOADED_FILE, REPROCESS_FILE


class CeleryTaskQueue:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def dispatch_processing(
        self, file_id: str, user_id: str, content_type: str | None = None
    ) -> None:
        queue = pipeline_queue(content_type)
        self.app.send_task(PROCESS_UPLOADED_FILE, args=[file_id, user_id], queue=queue)

    def dispatch_reprocess(
        self, file_id: str, user_id: str, content_type: str | None = None
    ) -> None:
        queue = pipeline_queue(content_type)
        self.app.send_task(REPROCESS_FILE, args=[file_id, user_id], queue=queue)

    def check(self) -> None:
        with self.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            conn.default_channel.queue_declare(queue=DEFAULT_QUEUE, durable=True)

    def close(self) -> None:
        self.app.close()
