"""The composition root: the only module that picks adapters from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from drive2.adapters.ai.local import LocalAiProvider
from drive2.adapters.blob.local import LocalBlobStore
from drive2.adapters.db.engine import build_engine
from drive2.adapters.db.repository import SqlRepository
from drive2.adapters.queue.celery_queue import CeleryTaskQueue
from drive2.config import Settings
from drive2.pipeline.registry import default_stages
from drive2.pipeline.runner import PipelineRunner
from drive2.ports.ai_provider import AiProvider
from drive2.ports.blob_store import BlobStore
from drive2.ports.task_queue import TaskQueue
from drive2.services.auth import AuthService
from drive2.services.files import FileService
from drive2.services.health import HealthService
from drive2.services.sweeper import Sweeper
from drive2.services.thumbnails import ThumbnailService
from drive2.services.upload import UploadService
from drive2.services.users import UserService

log = logging.getLogger(__name__)


def build_blob_store(settings: Settings) -> BlobStore:
    if settings.uses_s3:
        from drive2.adapters.blob.s3 import S3BlobStore

        assert settings.s3_endpoint
        return S3BlobStore(
            endpoint=settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            bucket=settings.s3_bucket,
            region=settings.s3_region,
        )
    return LocalBlobStore(settings.objects_path, fsync=settings.storage_fsync)


@dataclass
class Container:
    """Everything built once per process; properties build lazily so a CLI command pays
    only for what it uses."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return build_engine(self.settings.resolved_database_url)

    @cached_property
    def repo(self) -> SqlRepository:
        return SqlRepository(self.engine)

    @cached_property
    def blobs(self) -> BlobStore:
        return build_blob_store(self.settings)

    @cached_property
    def queue(self) -> TaskQueue:
        from drive2.worker.celery_config import create_celery_app

        return CeleryTaskQueue(create_celery_app(self.settings))

    @cached_property
    def ai(self) -> AiProvider:
        return LocalAiProvider()

    @cached_property
    def auth(self) -> AuthService:
        return AuthService(self.repo, self.settings)

    @cached_property
    def users(self) -> UserService:
        return UserService(self.repo)

    @cached_property
    def uploads(self) -> UploadService:
        return UploadService(self.repo, self.blobs, self.queue, self.settings)

    @cached_property
    def files(self) -> FileService:
        return FileService(self.repo, self.blobs, self.queue)

    @cached_property
    def sweeper(self) -> Sweeper:
        return Sweeper(self.repo, self.queue, self.settings)

    @cached_property
    def thumbnails(self) -> ThumbnailService:
        return ThumbnailService(self.repo, self.blobs, self.settings)

    @cached_property
    def runner(self) -> PipelineRunner:
        from celery.exceptions import SoftTimeLimitExceeded

        return PipelineRunner(
            self.repo,
            self.blobs,
            default_stages(self.ai, self.blobs),
            self.settings,
            passthrough=(SoftTimeLimitExceeded,),
        )

    @cached_property
    def health(self) -> HealthService:
        return HealthService(
            {
                "database": self.repo.ping,
                "object_store": self.blobs.check,
                "broker": self.queue.check,
            }
        )

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def build_container(settings: Settings) -> Container:
    return Container(settings)
