"""The things Drive2 talks about, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


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


class StageOutcome(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class User:
    id: str
    email: str
    password_hash: str
    storage_quota_bytes: int
    line_user_id: str | None
    created_at: datetime
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "suggested_filename": self.suggested_filename,
            "summary": self.summary,
            "tags": list(self.tags),
            "language": self.language,
            "provider": self.provider,
            "model": self.model,
        }

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
