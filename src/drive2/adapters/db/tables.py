"""Table definitions: the single source for the ORM and for Alembic's comparisons."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Always aware UTC on the way out; SQLite forgets the offset, PostgreSQL keeps it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    __tablename__ = "users"
    # One LINE account, one Drive2 account: LINE Login finds the account by it.
    __table_args__ = (Index("ix_users_line_user_id", "line_user_id", unique=True),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Both empty for an account made by signing in with LINE (migration 0012).
    email: Mapped[str | None] = mapped_column(String(320), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    storage_quota_bytes: Mapped[int] = mapped_column(BigInteger)
    line_user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    display_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    line_bot_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    #: Migration 0008: raised by signing out, which revokes every older token.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class FileRow(Base):
    __tablename__ = "files"
    __table_args__ = (
        UniqueConstraint("user_id", "checksum_sha256", name="uq_files_user_checksum"),
        Index("ix_files_user_uploaded", "user_id", "uploaded_at"),
        Index("ix_files_status_updated", "status", "updated_at"),
        Index("ix_files_user_document_date", "user_id", "document_date"),
        Index("ix_files_trashed_at", "trashed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(512))
    content_type: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    checksum_sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(512))
    # The column keeps the seed's name; it holds an object key in the store.
    thumbnail_key: Mapped[str | None] = mapped_column("thumbnail_path", String(512), nullable=True)
    #: The preview rendition's object key (images and PDFs); see migration 0009.
    preview_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    tags_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    dispatch_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Runs started since the last clean end; see migration 0004.
    deliveries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The process running the file: "host:pid:start-time".
    worker: Mapped[str | None] = mapped_column(String(128), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    text_content: Mapped[str | None] = mapped_column(Text, nullable=True)
    text_excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)
    metadata_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ai_json: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: Who wrote ai_json, as a column so the re-run job can find fallback results fast.
    ai_provider: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    #: The date the content states (then date taken, creation, upload); migration 0007.
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: In the trash since (migration 0011); None while the file is in the drive.
    trashed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class FileTagRow(Base):
    __tablename__ = "file_tags"

    file_id: Mapped[str] = mapped_column(
        ForeignKey("files.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)


class FileStageRow(Base):
    """One row per (file, stage): the last outcome of that stage, for status and debugging."""

    __tablename__ = "file_stages"

    file_id: Mapped[str] = mapped_column(
        ForeignKey("files.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(64), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AiUsageRow(Base):
    """Per provider: a token bucket, today's count and the breaker, shared by every worker
    of the embedded deployment (the server deployment keeps the same in Redis)."""

    __tablename__ = "ai_usage"

    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    refilled_at: Mapped[float] = mapped_column(Float)
    day: Mapped[str] = mapped_column(String(10))
    used_today: Mapped[int] = mapped_column(Integer)
    breaker_until: Mapped[float] = mapped_column(Float)


class FileSearchRow(Base):
    """The keyword index's words of one completed file, already normalised (lower case, Thai
    segmented into words; see adapters/db/keyword_index.py). SQLite indexes them in the FTS5
    table file_search_fts, kept in step by triggers; PostgreSQL in ``tsv`` (a weighted
    tsvector set by a trigger) under a GIN index. Both are made by migration 0003."""

    __tablename__ = "file_search"
    __table_args__ = (Index("ix_file_search_tsv", "tsv", postgresql_using="gin"),)

    #: An INTEGER key: FTS5 external content needs a stable integer rowid.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    filename: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    tsv: Mapped[str | None] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), nullable=True
    )
    #: The row's word count, set by a PostgreSQL trigger for BM25 (migration 0013).
    words: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class FileSearchTermRow(Base):
    """PostgreSQL's BM25 statistics: how many indexed rows hold each word, kept by a trigger
    (migration 0013). Empty on SQLite, whose FTS5 table keeps its own."""

    __tablename__ = "file_search_terms"

    term: Mapped[str] = mapped_column(Text, primary_key=True)
    docs: Mapped[int] = mapped_column(Integer)


class FileSearchTotalsRow(Base):
    """One row (id 1): how many rows file_search has and their words in all; see above."""

    __tablename__ = "file_search_totals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    docs: Mapped[int] = mapped_column(BigInteger)
    words: Mapped[int] = mapped_column(BigInteger)


# --- LINE notifications and the bot (migration 0005) -------------------------------------------


class NotificationRow(Base):
    """The notifications outbox: one row per message Drive2 decided to send.

    ``idempotency_key`` is unique: per (file, event, processing run) or (user, event, period),
    so deciding to send twice inserts one row. Rows sent in one push share ``batch_key``,
    which is also the push's X-Line-Retry-Key. Status: pending (a completion waiting to be
    grouped) → queued (due at next_attempt_at) → sending (leased until next_attempt_at) →
    sent | failed | skipped.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_kind_status", "user_id", "kind", "status"),
        Index("ix_notifications_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: No foreign key: the record of a message outlives the file it was about.
    file_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    batch_key: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LineLinkCodeRow(Base):
    """A one-time code a signed-in user sends to the bot to link their LINE account. Only
    the code's SHA-256 is kept."""

    __tablename__ = "line_link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LineWebhookEventRow(Base):
    """Webhook event ids already handled: LINE may deliver one event more than once."""

    __tablename__ = "line_webhook_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class QuotaAlertStateRow(Base):
    """The highest storage threshold (80, 90, 100) already announced to a user; lowered
    when usage falls below it, so the next crossing is announced again."""

    __tablename__ = "quota_alert_state"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(Integer, default=0)
    #: Counts the crossings, so each one has its own idempotency key.
    crossings: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- trash, share links and the audit log (migration 0011) --------------------------------------


class ShareLinkRow(Base):
    """A link that opens one file without an account. Only the token's SHA-256 is kept."""

    __tablename__ = "share_links"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    last_downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEventRow(Base):
    """Who did what to which file. No foreign key to the file: the record of a deletion
    outlives the file; the user's own records go with the user."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    file_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    filename: Mapped[str | None] = mapped_column(String(512), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmbeddingCollectionRow(Base):
    """One vector collection per embedding model: which one search reads, and the progress
    of re-embedding every file into the configured one (`drive2 reindex`, issue 12)."""

    __tablename__ = "embedding_collections"

    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    dimension: Mapped[int] = mapped_column(Integer)
    #: building (being filled) | serving (search reads it) | retired (to be dropped)
    state: Mapped[str] = mapped_column(String(16))
    files_total: Mapped[int] = mapped_column(Integer, default=0)
    files_done: Mapped[int] = mapped_column(Integer, default=0)
    #: the last file id re-embedded, in id order: a killed job resumes after it
    cursor: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class InviteRow(Base):
    """A single-use invite to register when REGISTRATION=invite (migration 0008). Only the
    code's SHA-256 is kept: the database never holds a usable code."""

    __tablename__ = "invites"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
