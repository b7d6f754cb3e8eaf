"""What the tasks need from the composition root, as a Protocol: the worker never imports
bootstrap. `drive2.worker.celery_app` (the `-A` entry point) passes bootstrap's builder in;
a test passes its own container."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from drive2.config import Settings
from drive2.pipeline.runner import PipelineRunner
from drive2.ports.ai_provider import AiProvider
from drive2.ports.repository import Repository
from drive2.services.failures import FileFailures
from drive2.services.metrics import MetricsRecorder
from drive2.services.notifications import NotificationService
from drive2.services.reindex import ReindexService
from drive2.services.sweeper import Sweeper
from drive2.services.thumbnails import ThumbnailService
from drive2.services.trash import TrashService


class WorkerServices(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def repo(self) -> Repository: ...

    @property
    def ai(self) -> AiProvider: ...

    @property
    def runner(self) -> PipelineRunner: ...

    @property
    def failures(self) -> FileFailures: ...

    @property
    def notifications(self) -> NotificationService: ...

    @property
    def thumbnails(self) -> ThumbnailService: ...

    @property
    def reindex(self) -> ReindexService: ...

    @property
    def sweeper(self) -> Sweeper: ...

    @property
    def trash(self) -> TrashService: ...

    @property
    def metrics(self) -> MetricsRecorder: ...

    def close(self) -> None: ...


#: Builds the services of one process (bootstrap.build_container, or a test's container).
ServicesFactory = Callable[[], WorkerServices]
