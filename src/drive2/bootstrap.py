"""The composition root: the only module that picks adapters from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from drive2.adapters.ai.chain import build_chain
from drive2.adapters.ai.limits import AiLimiter, build_limiter
from drive2.adapters.ai.local import LocalAiProvider
from drive2.adapters.ai.minilm import MiniLmEmbedder
from drive2.adapters.blob.local import LocalBlobStore
from drive2.adapters.db.engine import build_engine
from drive2.adapters.db.repository import SqlRepository
from drive2.adapters.queue.celery_queue import CeleryTaskQueue
from drive2.config import Settings
from drive2.pipeline.registry import default_stages
from drive2.pipeline.runner import PipelineRunner
from drive2.ports.ai_provider import AiProvider
from drive2.ports.blob_store import BlobStore
from drive2.ports.embedder import Embedder
from drive2.ports.task_queue import TaskQueue
from drive2.ports.vector_index import VectorIndex
from drive2.services.auth import AuthService
from drive2.services.files import FileService
from drive2.services.health import HealthService
from drive2.services.login_throttle import LoginThrottle
from drive2.services.search import SearchService
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
    def ai_limiter(self) -> AiLimiter:
        """Rate limits, quotas and breakers of the AI providers: in Redis when the deployment
        has one, else in the database every worker shares."""
        redis_url = self.settings.redis_url or self.settings.resolved_broker_url
        return build_limiter(redis_url, self.engine, self.settings.timezone)

    @cached_property
    def embedder(self) -> Embedder:
        """The packaged MiniLM, one per process: it loads on first use (~9 s, never from a
        hub) and serves every task after that, for the AI stage and the embed stage alike."""
        return MiniLmEmbedder(
            self.settings.embedding_model_path,
            self.settings.embedding_batch_size,
            self.settings.torch_threads,
        )

    @cached_property
    def vectors(self) -> VectorIndex:
        """Qdrant when QDRANT_URL is set; else the embedded index in the data dir (SQLite +
        numpy per user, chosen by measurement: see adapters/vector/embedded.py)."""
        if self.settings.qdrant_url:
            from drive2.adapters.vector.qdrant import QdrantVectorIndex

            return QdrantVectorIndex.from_url(self.settings.qdrant_url)
        from drive2.adapters.vector.embedded import EmbeddedVectorIndex

        return EmbeddedVectorIndex(self.settings.data_path / "vectors")

    @cached_property
    def search(self) -> SearchService:
        from drive2.adapters.db.keyword_index import SqlKeywordIndex

        return SearchService(
            SqlKeywordIndex(self.engine), self.vectors, self.embedder, self.settings
        )

    @cached_property
    def local_ai(self) -> AiProvider:
        """The offline provider: the embedded default and the chain's last fallback."""
        return LocalAiProvider(self.embedder, timezone=self.settings.timezone)

    @cached_property
    def ai(self) -> AiProvider:
        """The configured LLM providers in AI_PROVIDERS order, then local_ai."""
        return build_chain(self.settings, self.local_ai, self.ai_limiter)

    @cached_property
    def auth(self) -> AuthService:
        return AuthService(self.repo, self.settings)

    @cached_property
    def login_throttle(self) -> LoginThrottle:
        return LoginThrottle(
            self.settings.login_max_failures,
            self.settings.login_max_failures_per_ip,
            self.settings.login_window_seconds,
        )

    @cached_property
    def users(self) -> UserService:
        return UserService(self.repo)

    @cached_property
    def uploads(self) -> UploadService:
        return UploadService(self.repo, self.blobs, self.queue, self.settings)

    @cached_property
    def files(self) -> FileService:
        return FileService(self.repo, self.blobs, self.queue, self.vectors)

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
            default_stages(self.ai, self.blobs, embedder=self.embedder, vectors=self.vectors),
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
                "vector_index": self.vectors.check,
            }
        )

    def close(self) -> None:
        if "vectors" in self.__dict__:
            self.vectors.close()
        if "engine" in self.__dict__:
            self.engine.dispose()


def build_container(settings: Settings) -> Container:
    return Container(settings)
