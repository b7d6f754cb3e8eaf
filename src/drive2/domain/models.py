"""The things Drive2 talks about, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from drive2.domain.money import Money


class FileStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class FileSort(StrEnum):
    """Orders of the file list, as the API spells them."""

    NEWEST = "-uploaded_at"
    OLDEST = "uploaded_at"
    NAME = "filename"
    NAME_DESC = "-filename"
    LARGEST = "-size_bytes"
    SMALLEST = "size_bytes"
    #: By the date the document states (then date taken, creation, upload): see dates.py.
    DOCUMENT_NEWEST = "-document_date"
    DOCUMENT_OLDEST = "document_date"


class StageOutcome(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class User:
    id: str
    #: None for an account made by signing in with LINE, until its owner adds one.
    email: str | None
    #: None while the account has no password (LINE sign-in only).
    password_hash: str | None
    storage_quota_bytes: int
    #: The LINE account: signs in with LINE Login and receives the bot's messages.
    line_user_id: str | None
    created_at: datetime
    #: The name LINE gave at the last LINE sign-in.
    display_name: str | None = None
    #: The LINE account blocked the bot: it still signs in, but nothing is pushed to it.
    line_bot_blocked: bool = False

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def line_push_to(self) -> str | None:
        """Where the bot's messages go: the linked LINE account, unless it blocked the bot."""
        return None if self.line_bot_blocked else self.line_user_id

    @property
    def label(self) -> str:
        """How messages name the account."""
        return self.email or self.display_name or "your account"

    #: Raised by signing out; a token carrying an older version is refused.
    token_version: int = 0


@dataclass(frozen=True)
class AiMetadata:
    suggested_filename: str | None
    summary: str | None
    tags: list[str]
    language: str | None
    provider: str
    model: str
    #: What a receipt, invoice or transfer slip records (domain/money.py); None otherwise.
    money: Money | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "suggested_filename": self.suggested_filename,
            "summary": self.summary,
            "tags": list(self.tags),
            "language": self.language,
            "provider": self.provider,
            "model": self.model,
        }
        if self.money is not None:
            out["money"] = self.money.as_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> AiMetadata | None:
        if not data:
            return None
        return cls(
            suggested_filename=data.get("suggested_filename"),
            summary=data.get("summary"),
            tags=list(data.get("tags") or []),
            language=data.get("language"),
            provider=str(data.get("provider") or "unknown"),
            model=str(data.get("model") or "unknown"),
            money=Money.from_dict(data.get("money")),
        )


@dataclass(frozen=True)
class StageRecord:
    name: str
    outcome: StageOutcome
    detail: str | None
    duration_ms: int
    attempt: int
    finished_at: datetime


@dataclass(frozen=True)
class FileRecord:
    id: str
    user_id: str
    filename: str
    content_type: str
    size_bytes: int
    checksum_sha256: str
    storage_key: str
    thumbnail_key: str | None
    status: FileStatus
    progress: int
    stage: str | None
    attempts: int
    error: str | None
    uploaded_at: datetime
    updated_at: datetime
    processed_at: datetime | None
    metadata: dict[str, Any]
    text_excerpt: str | None
    ai: AiMetadata | None
    tags: list[str] = field(default_factory=list)
    dispatch_count: int = 0
    #: The user chose the tags; processing leaves them alone from then on.
    tags_edited: bool = False
    #: Runs started since the last clean end (a run that never ended crashed its worker).
    deliveries: int = 0
    #: The process running the file ("host:pid:start"), while it is processing.
    worker: str | None = None
    started_at: datetime | None = None
    #: The date the content states, else date taken, creation, and the upload day last.
    document_date: date | None = None
    #: When the user moved the file to the trash; None while it is in the drive.
    trashed_at: datetime | None = None
    #: The larger rendition for the file page and LINE (images and PDFs).
    preview_key: str | None = None

    def object_keys(self) -> list[str]:
        """Every object the store holds for this file: what deleting it for good removes."""
        keys = [self.storage_key, self.thumbnail_key, self.preview_key]
        return [key for key in keys if key]

    @property
    def trashed(self) -> bool:
        return self.trashed_at is not None


@dataclass(frozen=True)
class NewFile:
    """What the upload knows before the row exists."""

    id: str
    user_id: str
    filename: str
    content_type: str
    size_bytes: int
    checksum_sha256: str
    storage_key: str
    #: The upload's day in the drive's time zone, until processing finds a better date.
    document_date: date | None = None


@dataclass
class ProcessingResult:
    """What a finished pipeline run writes back to the file row."""

    content_type: str
    text: str
    text_excerpt: str
    metadata: dict[str, Any]
    ai: AiMetadata | None
    thumbnail_key: str | None
    tags: list[str]
    document_date: date | None = None
    preview_key: str | None = None
