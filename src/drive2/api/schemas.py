"""Request and response shapes of API v1, kept apart from the domain models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from drive2.domain.models import FileRecord, StageRecord


class RegisterIn(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=8, max_length=1024)
    #: Needed when the server runs with REGISTRATION=invite (`drive2 invite create`).
    invite_code: str | None = Field(default=None, max_length=128)


class UserOut(BaseModel):
    id: str
    email: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class MeOut(BaseModel):
    id: str
    email: str
    storage_used_bytes: int
    storage_quota_bytes: int
    line_user_id: str | None


class AiOut(BaseModel):
    suggested_filename: str | None
    summary: str | None
    tags: list[str]
    language: str | None
    provider: str
    model: str


class FileOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size_bytes: int
    checksum_sha256: str
    status: str
    progress: int
    stage: str | None
    error: str | None
    uploaded_at: datetime
    processed_at: datetime | None
    has_thumbnail: bool
    metadata: dict[str, Any]
    text_excerpt: str | None
    tags: list[str]
    ai: AiOut | None

    @classmethod
    def of(cls, f: FileRecord) -> FileOut:
        return cls(
            id=f.id,
            filename=f.filename,
            content_type=f.content_type,
            size_bytes=f.size_bytes,
            checksum_sha256=f.checksum_sha256,
            status=f.status.value,
            progress=f.progress,
            stage=f.stage,
            error=f.error,
            uploaded_at=f.uploaded_at,
            processed_at=f.processed_at,
            has_thumbnail=f.thumbnail_key is not None,
            metadata=f.metadata,
            text_excerpt=f.text_excerpt,
            tags=f.tags,
            ai=AiOut(**f.ai.as_dict()) if f.ai else None,
        )


class FileListOut(BaseModel):
    items: list[FileOut]
    total: int


class UploadOut(BaseModel):
    file_id: str
    status: str
    filename: str
    size_bytes: int
    content_type: str
    checksum_sha256: str
    duplicate: bool = False


class StageOut(BaseModel):
    name: str
    outcome: str
    detail: str | None
    duration_ms: int
    attempt: int

    @classmethod
    def of(cls, s: StageRecord) -> StageOut:
        return cls(
            name=s.name,
            outcome=s.outcome.value,
            detail=s.detail,
            duration_ms=s.duration_ms,
            attempt=s.attempt,
        )


class StatusOut(BaseModel):
    file_id: str
    status: str
    progress: int
    stage: str | None
    attempts: int
    error: str | None
    processed_at: datetime | None
    ai: AiOut | None
    stages: list[StageOut]


class ReprocessOut(BaseModel):
    file_id: str
    status: str


class FilePatchIn(BaseModel):
    filename: str | None = Field(default=None, min_length=1, max_length=1024)
    tags: list[str] | None = Field(default=None, max_length=64)


class SearchItemOut(BaseModel):
    file_id: str
    filename: str
    score: float
    snippet: str
    # Additive to DESIGN.md section 4: enough to show a result without a second request.
    content_type: str
    uploaded_at: datetime | None


class SearchOut(BaseModel):
    items: list[SearchItemOut]


class SessionIn(BaseModel):
    """The web app's sign-in (POST /auth/session)."""

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class ErrorOut(BaseModel):
    """Every error answer: {"detail": "..."}."""

    detail: str
