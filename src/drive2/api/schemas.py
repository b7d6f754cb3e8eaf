"""Request and response shapes of API v1, kept apart from the domain models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

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
    #: None for an account made by signing in with LINE, until an email is added.
    email: str | None
    storage_used_bytes: int
    storage_quota_bytes: int
    line_user_id: str | None
    # Additive (issue 16), for the web app: whether to offer "Link LINE", and how long the
    # trash keeps files (0: until it is emptied).
    line_enabled: bool = False
    trash_retention_days: int = 0
    # Additive (issue 17): the LINE profile name, and whether a password signs in too.
    display_name: str | None = None
    has_password: bool = True


class LineSessionOut(BaseModel):
    id: str
    email: str | None
    display_name: str | None
    line_user_id: str | None


class EmailPasswordIn(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=8, max_length=1024)


class MoneyOut(BaseModel):
    """ai.money (DESIGN.md section 4): what a receipt, invoice or transfer slip records."""

    amount: str  # two decimals, no grouping: "1250.00"
    currency: str  # ISO 4217
    date: str | None  # YYYY-MM-DD
    counterparty: str | None
    reference: str | None
    kind: str  # transfer | receipt | invoice


class AiOut(BaseModel):
    suggested_filename: str | None
    summary: str | None
    tags: list[str]
    language: str | None
    provider: str
    model: str
    money: MoneyOut | None = None


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
    # Additive to DESIGN.md section 4 (issue 14): GET /files/{id}/preview answers 200.
    has_preview: bool = False
    metadata: dict[str, Any]
    text_excerpt: str | None
    tags: list[str]
    ai: AiOut | None
    #: The date the content states, then date taken, creation, upload (DESIGN.md section 4).
    document_date: date | None
    trashed_at: datetime | None = None

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
            has_preview=f.preview_key is not None,
            metadata=f.metadata,
            text_excerpt=f.text_excerpt,
            tags=f.tags,
            ai=AiOut(**f.ai.as_dict()) if f.ai else None,
            document_date=f.document_date,
            trashed_at=f.trashed_at,
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
    # Additive too: why it was found. "name", "tag", "phrase" (exact matches, listed first),
    # "keyword", "semantic"; and each side's own score (BM25; cosine of the best chunk).
    matched: list[str] = []
    keyword_score: float | None = None
    semantic_score: float | None = None


class DateRangeOut(BaseModel):
    """The days a query named ("from April 2024"): from/to as ISO dates, null when open."""

    start: date | None = Field(serialization_alias="from")
    end: date | None = Field(serialization_alias="to")
    phrase: str


class SearchOut(BaseModel):
    items: list[SearchItemOut]
    # Additive to DESIGN.md section 4: the date range read from the query, if any.
    date_range: DateRangeOut | None = None


class SessionIn(BaseModel):
    """The web app's sign-in (POST /auth/session)."""

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class ErrorOut(BaseModel):
    """Every error answer: {"detail": "..."}."""

    detail: str


class CitationOut(BaseModel):
    file_id: str
    filename: str
    quote: str
    score: float


class AskOut(BaseModel):
    """GET /ask: the answer, whether one was found, who wrote it, and its sources in the
    order the answer uses them."""

    answer: str
    found: bool
    mode: Literal["extractive", "gemini", "ollama"]
    citations: list[CitationOut]
