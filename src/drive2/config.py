"""Settings for every part of Drive2, read from the environment and `.env`.

Unset URLs mean the embedded default inside the data dir, so `drive2 serve` needs nothing
configured. Settings are built by `get_settings()`, never at import time, so tests and the
CLI can change the environment first.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

GIB = 1024**3


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def is_redis_url(url: str | None) -> bool:
    """Whether a broker or store URL is Redis's (redis://, rediss://, or a unix socket)."""
    return bool(url) and str(url).startswith(REDIS_SCHEMES)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # --- where things live -------------------------------------------------------------
    data_dir: Path = Field(default=Path("drive2-data"), alias="DRIVE2_DATA_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL", repr=False)
    celery_broker_url: str | None = Field(default=None, alias="CELERY_BROKER_URL", repr=False)
    celery_result_backend: str | None = Field(
        default=None, alias="CELERY_RESULT_BACKEND", repr=False
    )
    redis_url: str | None = Field(default=None, alias="REDIS_URL", repr=False)
    s3_endpoint: str | None = Field(default=None, alias="S3_ENDPOINT")
    s3_access_key: str | None = Field(default=None, alias="S3_ACCESS_KEY")
    s3_secret_key: str | None = Field(default=None, alias="S3_SECRET_KEY", repr=False)
    s3_bucket: str = Field(default="drive2", alias="S3_BUCKET")
    s3_region: str = Field(default="us-east-1", alias="S3_REGION")
    qdrant_url: str | None = Field(default=None, alias="QDRANT_URL")

    # --- API -----------------------------------------------------------------------------
    api_host: str = Field(default="127.0.0.1", alias="API_HOST")
    api_port: int = Field(default=8000, alias="API_PORT")
    public_url: str | None = Field(default=None, alias="PUBLIC_URL")
    jwt_secret: str | None = Field(default=None, alias="JWT_SECRET", repr=False)
    jwt_expire_minutes: int = Field(default=24 * 60, alias="JWT_EXPIRE_MINUTES")
    max_upload_bytes: int = Field(default=4 * GIB, alias="MAX_UPLOAD_BYTES")
    default_storage_quota_bytes: int = Field(default=50 * GIB, alias="DEFAULT_STORAGE_QUOTA_BYTES")
    storage_fsync: bool = Field(default=True, alias="STORAGE_FSYNC")

    # --- processing rules (DESIGN.md section 3) ------------------------------------------
    task_time_limit_seconds: int = Field(default=600, alias="TASK_TIME_LIMIT_SECONDS")
    task_soft_time_limit_seconds: int = Field(default=540, alias="TASK_SOFT_TIME_LIMIT_SECONDS")
    task_max_retries: int = Field(default=3, alias="TASK_MAX_RETRIES")
    task_retry_delay_seconds: float = Field(default=60.0, alias="TASK_RETRY_DELAY_SECONDS")
    task_result_expires_seconds: int = Field(default=86400, alias="TASK_RESULT_EXPIRES_SECONDS")
    stuck_processing_seconds: int = Field(default=3600, alias="STUCK_PROCESSING_SECONDS")
    stale_pending_seconds: int = Field(default=900, alias="STALE_PENDING_SECONDS")
    max_dispatch_attempts: int = Field(default=24, alias="MAX_DISPATCH_ATTEMPTS")
    #: A file whose runs killed the worker this many times is failed instead of run again.
    max_worker_crashes: int = Field(default=3, ge=1, alias="MAX_WORKER_CRASHES")
    sweep_interval_seconds: float = Field(default=3600.0, alias="SWEEP_INTERVAL_SECONDS")
    timezone: str = Field(default="Asia/Bangkok", alias="TIMEZONE")
    worker_concurrency: int = Field(default=2, alias="WORKER_CONCURRENCY")
    broker_polling_interval: float = Field(default=0.1, alias="BROKER_POLLING_INTERVAL")

    # --- content -------------------------------------------------------------------------
    text_max_chars: int = Field(default=2_000_000, alias="TEXT_MAX_CHARS")
    text_excerpt_chars: int = Field(default=500, alias="TEXT_EXCERPT_CHARS")
    pdf_max_pages: int = Field(default=2000, alias="PDF_MAX_PAGES")

    # --- OCR (tesseract) ---------------------------------------------------------------------
    ocr_enabled: bool = Field(default=True, alias="OCR_ENABLED")
    ocr_languages: str = Field(default="eng+tha", alias="OCR_LANGUAGES")
    ocr_dpi: int = Field(default=200, alias="OCR_DPI")
    ocr_max_pages: int = Field(default=50, alias="OCR_MAX_PAGES")
    ocr_page_timeout_seconds: float = Field(default=60.0, alias="OCR_PAGE_TIMEOUT_SECONDS")
    tesseract_cmd: str = Field(default="tesseract", alias="TESSERACT_CMD")

    # --- media tools, thumbnails and reader safety ------------------------------------------
    ffmpeg_cmd: str = Field(default="ffmpeg", alias="FFMPEG_CMD")
    ffprobe_cmd: str = Field(default="ffprobe", alias="FFPROBE_CMD")
    tool_timeout_seconds: float = Field(default=60.0, alias="TOOL_TIMEOUT_SECONDS")
    thumbnail_size: int = Field(default=300, alias="THUMBNAIL_SIZE")
    thumbnail_quality: int = Field(default=85, alias="THUMBNAIL_QUALITY")
    image_max_pixels: int = Field(default=100_000_000, alias="IMAGE_MAX_PIXELS")
    office_max_uncompressed_bytes: int = Field(
        default=256 * 1024 * 1024, alias="OFFICE_MAX_UNCOMPRESSED_BYTES"
    )
    office_max_compression_ratio: int = Field(default=100, alias="OFFICE_MAX_COMPRESSION_RATIO")
    preview_size: int = Field(default=1440, alias="PREVIEW_SIZE")
    preview_quality: int = Field(default=82, alias="PREVIEW_QUALITY")

    # --- pictures: place names, image labels, kind (photo, screenshot, document) ---------------
    place_names_enabled: bool = Field(default=True, alias="PLACE_NAMES_ENABLED")
    place_max_distance_km: float = Field(default=100.0, alias="PLACE_MAX_DISTANCE_KM")
    picture_analysis_enabled: bool = Field(default=True, alias="PICTURE_ANALYSIS_ENABLED")
    picture_label_min_score: float = Field(default=0.35, alias="PICTURE_LABEL_MIN_SCORE")
    picture_max_labels: int = Field(default=3, alias="PICTURE_MAX_LABELS")
    picture_summary_languages: str = Field(default="en,th", alias="PICTURE_SUMMARY_LANGUAGES")

    # --- AI providers (DESIGN.md: Gemini, then Ollama, then local) --------------------------
    ai_providers: str = Field(default="gemini,ollama,local", alias="AI_PROVIDERS")
    ai_request_timeout_seconds: float = Field(default=60.0, alias="AI_REQUEST_TIMEOUT_SECONDS")
    ai_breaker_cooldown_seconds: float = Field(default=300.0, alias="AI_BREAKER_COOLDOWN_SECONDS")
    ai_max_input_chars: int = Field(default=24_000, alias="AI_MAX_INPUT_CHARS")
    gemini_api_key: str | None = Field(default=None, alias="GEMINI_API_KEY", repr=False)
    gemini_model: str = Field(default="gemini-2.5-flash", alias="GEMINI_MODEL")
    gemini_base_url: str | None = Field(default=None, alias="GEMINI_BASE_URL")
    gemini_rpm: int = Field(default=10, alias="GEMINI_RPM")
    gemini_daily_quota: int = Field(default=250, alias="GEMINI_DAILY_QUOTA")
    ollama_url: str | None = Field(default=None, alias="OLLAMA_URL")
    ollama_model: str = Field(default="llama3.2", alias="OLLAMA_MODEL")
    ollama_rpm: int = Field(default=60, alias="OLLAMA_RPM")
    ollama_daily_quota: int = Field(default=0, alias="OLLAMA_DAILY_QUOTA")  # 0: unlimited
    ai_rerun_interval_seconds: float = Field(default=3600.0, alias="AI_RERUN_INTERVAL_SECONDS")

    # --- money on receipts, invoices and transfer slips ------------------------------------
    #: The currency of amounts a document writes without one (ISO 4217; empty: none).
    money_default_currency: str = Field(default="THB", alias="MONEY_DEFAULT_CURRENCY")

    # --- embeddings and search ---------------------------------------------------------------
    #: multilingual-e5-small reads Thai and English; all-MiniLM-L6-v2 (English only) stays
    #: selectable. Each model has its own collection: switching re-embeds (`drive2 reindex`).
    embedding_model: Literal["multilingual-e5-small", "all-MiniLM-L6-v2"] = Field(
        default="multilingual-e5-small", alias="EMBEDDING_MODEL"
    )
    #: e5 only: "torch" runs the bundled weights converted once to a torch encoder, "engine"
    #: the package's C engine; "auto" is torch, falling back to the engine.
    embedding_runtime: Literal["auto", "torch", "engine"] = Field(
        default="auto", alias="EMBEDDING_RUNTIME"
    )
    #: e5's torch runtime: bf16 where the CPU has it natively (auto), else fp32.
    embedding_precision: Literal["auto", "fp32", "bf16"] = Field(
        default="auto", alias="EMBEDDING_PRECISION"
    )
    #: Where the converted e5 model is cached (default: `models/` in the data dir).
    embedding_cache_dir: Path | None = Field(default=None, alias="EMBEDDING_CACHE_DIR")
    #: A local all-MiniLM-L6-v2 directory instead of the packaged one.
    embedding_model_path: str | None = Field(default=None, alias="EMBEDDING_MODEL_PATH")
    embedding_batch_size: int = Field(default=32, alias="EMBEDDING_BATCH_SIZE")
    torch_threads: int = Field(default=1, alias="TORCH_THREADS")
    #: How often Beat starts (or resumes) re-embedding when the configured model's collection
    #: is not complete; each job runs for at most half the soft time limit, then hands over.
    reindex_check_seconds: float = Field(default=60.0, gt=0, alias="REINDEX_CHECK_SECONDS")
    reindex_batch_files: int = Field(default=8, ge=1, alias="REINDEX_BATCH_FILES")
    #: A re-embedding job silent this long (killed) is taken over by the next one.
    reindex_lease_seconds: float = Field(default=600.0, gt=0, alias="REINDEX_LEASE_SECONDS")
    chunk_tokens: int = Field(default=256, alias="CHUNK_TOKENS")
    chunk_overlap_tokens: int = Field(default=32, alias="CHUNK_OVERLAP_TOKENS")
    max_chunks_per_file: int = Field(default=2000, alias="MAX_CHUNKS_PER_FILE")
    search_default_limit: int = Field(default=20, alias="SEARCH_DEFAULT_LIMIT")

    # --- logging -------------------------------------------------------------------------
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_json: bool = Field(default=False, alias="LOG_JSON")

    # --- LINE notifications and the LINE bot (no token: LINE is off) ------------------------
    line_channel_access_token: str | None = Field(
        default=None, alias="LINE_CHANNEL_ACCESS_TOKEN", repr=False
    )
    line_channel_secret: str | None = Field(default=None, alias="LINE_CHANNEL_SECRET", repr=False)
    line_api_base_url: str = Field(default="https://api.line.me", alias="LINE_API_BASE_URL")
    line_data_api_base_url: str = Field(
        default="https://api-data.line.me", alias="LINE_DATA_API_BASE_URL"
    )
    line_request_timeout_seconds: float = Field(default=15.0, alias="LINE_REQUEST_TIMEOUT_SECONDS")
    line_send_max_attempts: int = Field(default=6, alias="LINE_SEND_MAX_ATTEMPTS")
    line_retry_base_seconds: float = Field(default=5.0, alias="LINE_RETRY_BASE_SECONDS")
    line_batch_window_seconds: float = Field(default=5.0, alias="LINE_BATCH_WINDOW_SECONDS")
    line_link_code_ttl_seconds: int = Field(default=600, alias="LINE_LINK_CODE_TTL_SECONDS")
    line_signed_url_ttl_seconds: int = Field(
        default=7 * 24 * 3600, alias="LINE_SIGNED_URL_TTL_SECONDS"
    )
    daily_summary_time: str = Field(default="20:00", alias="DAILY_SUMMARY_TIME")

    # --- LINE Login and LIFF (issue 17; no channel id and secret: "Sign in with LINE" is off) --
    line_login_channel_id: str | None = Field(default=None, alias="LINE_LOGIN_CHANNEL_ID")
    line_login_channel_secret: str | None = Field(
        default=None, alias="LINE_LOGIN_CHANNEL_SECRET", repr=False
    )
    line_login_auth_url: str = Field(default="https://access.line.me", alias="LINE_LOGIN_AUTH_URL")
    line_login_api_url: str = Field(default="https://api.line.me", alias="LINE_LOGIN_API_URL")
    liff_id: str | None = Field(default=None, alias="LIFF_ID", pattern=r"^[A-Za-z0-9_-]{1,64}$")

    @property
    def line_enabled(self) -> bool:
        return bool(self.line_channel_access_token)

    # --- ask your drive (GET /ask, questions on LINE) ---------------------------------------
    #: With Gemini or Ollama configured, they write the answers; false keeps them offline.
    ask_use_llm: bool = Field(default=True, alias="ASK_USE_LLM")
    ask_llm_timeout_seconds: float = Field(default=30.0, gt=0, alias="ASK_LLM_TIMEOUT_SECONDS")

    @property
    def line_login_enabled(self) -> bool:
        return bool(self.line_login_channel_id and self.line_login_channel_secret)

    @property
    def liff_enabled(self) -> bool:
        """LIFF runs inside a LINE Login channel: its ID tokens are checked with that channel."""
        return self.line_login_enabled and bool(self.liff_id)

    # --- resolved values -------------------------------------------------------------------
    @property
    def data_path(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_path / 'drive2.sqlite3'}"

    @property
    def resolved_broker_url(self) -> str:
        if self.celery_broker_url:
            return self.celery_broker_url
        if self.redis_url:
            return self.redis_url
        return f"sqla+sqlite:///{self.data_path / 'celery-broker.sqlite3'}"

    @property
    def resolved_result_backend(self) -> str:
        if self.celery_result_backend:
            return self.celery_result_backend
        if self.redis_url:
            return self.redis_url
        return f"db+sqlite:///{self.data_path / 'celery-results.sqlite3'}"

    @property
    def embedding_cache_path(self) -> Path:
        return (self.embedding_cache_dir or self.data_path / "models").expanduser().resolve()

    @property
    def objects_path(self) -> Path:
        return self.data_path / "objects"

    @property
    def uses_s3(self) -> bool:
        return bool(self.s3_endpoint)

    @property
    def shared_redis_url(self) -> str | None:
        """The Redis every process shares (REDIS_URL, else a Redis broker), or None: where the
        AI limits and the deployment's metric counters live when there is one."""
        url = self.redis_url or self.resolved_broker_url
        return url if is_redis_url(url) else None

    @property
    def embedded_broker(self) -> bool:
        return self.resolved_broker_url.startswith("sqla+sqlite")

    def resolved_jwt_secret(self) -> str:
        """The configured secret, or one generated once and kept in the data dir.

        A generated secret keeps the embedded deployment zero-config while tokens survive a
        restart; the server deployment sets JWT_SECRET in its environment.
        """
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_path / "jwt-secret"
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            candidate = secrets.token_urlsafe(48)
            try:
                # 0600 from the first byte: never readable by others, not even for a moment.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(candidate)
        return path.read_text(encoding="ascii").strip()

    # --- web app (issue 8) -------------------------------------------------------------------
    # How often the live status stream (GET /api/v1/files/events) looks for changed files.
    events_poll_seconds: float = Field(default=1.0, gt=0, le=60, alias="EVENTS_POLL_SECONDS")

    # --- security at the door (issue 5) ------------------------------------------------------
    # Secrets and URLs that may carry a password are declared with repr=False above, so
    # repr(settings) and tracebacks that show it never print them.
    login_max_failures: int = Field(default=10, alias="LOGIN_MAX_FAILURES")
    login_max_failures_per_ip: int = Field(default=50, alias="LOGIN_MAX_FAILURES_PER_IP")
    login_window_seconds: float = Field(default=900.0, alias="LOGIN_WINDOW_SECONDS")
    multipart_max_parts: int = Field(default=16, alias="MULTIPART_MAX_PARTS")
    multipart_max_field_bytes: int = Field(default=64 * 1024, alias="MULTIPART_MAX_FIELD_BYTES")
    multipart_max_header_bytes: int = Field(default=16 * 1024, alias="MULTIPART_MAX_HEADER_BYTES")

    # --- trash and share links (issue 16) -----------------------------------------------------
    # Files stay in the trash this many days, then the Beat job deletes them for good (0: keep
    # them until the user empties the trash). Trashed files still count toward the quota.
    trash_retention_days: int = Field(default=30, ge=0, alias="TRASH_RETENTION_DAYS")
    trash_purge_interval_seconds: float = Field(
        default=3600.0, gt=0, alias="TRASH_PURGE_INTERVAL_SECONDS"
    )
    # Requests to one share link's download, and share requests from one address, allowed per
    # window (per API process, in memory); past it the answer is 429 with Retry-After.
    share_downloads_per_token: int = Field(default=100, ge=0, alias="SHARE_DOWNLOADS_PER_TOKEN")
    share_requests_per_ip: int = Field(default=300, ge=0, alias="SHARE_REQUESTS_PER_IP")
    share_rate_window_seconds: float = Field(default=600.0, gt=0, alias="SHARE_RATE_WINDOW_SECONDS")

    # --- hardening (issue 13) ----------------------------------------------------------------
    #: Who may create an account over HTTP: anyone, nobody (the CLI still can), or the holder
    #: of an invite code made with `drive2 invite create`.
    registration: Literal["open", "closed", "invite"] = Field(default="open", alias="REGISTRATION")
    registration_max_per_ip: int = Field(default=10, alias="REGISTRATION_MAX_PER_IP")
    registration_window_seconds: float = Field(default=3600.0, alias="REGISTRATION_WINDOW_SECONDS")
    #: Largest body of a sign-in or registration request; larger ones answer 413 unread.
    auth_max_body_bytes: int = Field(default=16 * 1024, ge=1024, alias="AUTH_MAX_BODY_BYTES")
    #: Largest body of any other request but an upload (the LINE webhook included).
    max_request_body_bytes: int = Field(
        default=1024 * 1024, ge=8 * 1024, alias="MAX_REQUEST_BODY_BYTES"
    )
    #: A client must send a request's headers within this many seconds of starting it.
    http_header_timeout_seconds: float = Field(
        default=15.0, gt=0, alias="HTTP_HEADER_TIMEOUT_SECONDS"
    )
    #: A request body that sends nothing for this long is abandoned (408) and its upload
    #: discarded.
    http_body_timeout_seconds: float = Field(default=30.0, gt=0, alias="HTTP_BODY_TIMEOUT_SECONDS")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
