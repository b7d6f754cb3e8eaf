"""Shapes of the trash, share-link, bulk, zip and audit routes (issue 16)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from drive2.domain.audit import AuditEntry
from drive2.domain.shares import ShareLink
from drive2.services.bulk import MAX_BULK_FILES, BulkResult
from drive2.services.shares import MAX_EXPIRY_DAYS

FileIds = Annotated[
    list[Annotated[str, Field(max_length=64)]], Field(min_length=1, max_length=MAX_BULK_FILES)
]


class ShareIn(BaseModel):
    #: None: the link works until it is revoked.
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_EXPIRY_DAYS)


class ShareCreatedOut(BaseModel):
    """The only answer that carries the link: its token is not kept, only its hash."""

    id: str
    url: str
    expires_at: datetime | None


class ShareOut(BaseModel):
    id: str
    created_at: datetime
    expires_at: datetime | None
    #: False once expired (revoked links are not listed).
    active: bool
    #: The link's first characters, to tell links apart; the rest is not kept.
    token_prefix: str
    download_count: int
    last_downloaded_at: datetime | None

    @classmethod
    def of(cls, share: ShareLink, now: datetime) -> ShareOut:
        return cls(
            id=share.id,
            created_at=share.created_at,
            expires_at=share.expires_at,
            active=share.active(now),
            token_prefix=share.token_prefix,
            download_count=share.download_count,
            last_downloaded_at=share.last_downloaded_at,
        )


class ShareListOut(BaseModel):
    items: list[ShareOut]


class BulkIn(BaseModel):
    action: Literal[
        "trash", "restore", "delete_permanently", "reprocess", "add_tags", "remove_tags"
    ]
    file_ids: FileIds
    tags: list[Annotated[str, Field(max_length=128)]] | None = Field(default=None, max_length=64)


class BulkResultOut(BaseModel):
    file_id: str
    ok: bool
    error: str | None

    @classmethod
    def of(cls, r: BulkResult) -> BulkResultOut:
        return cls(file_id=r.file_id, ok=r.ok, error=r.error)


class BulkOut(BaseModel):
    results: list[BulkResultOut]


class ArchiveIn(BaseModel):
    file_ids: FileIds


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    action: str
    source: str
    file_id: str | None
    filename: str | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        e = entry.event
        return cls(
            id=entry.id,
            at=entry.at,
            action=e.action.value,
            source=e.source.value,
            file_id=e.file_id,
            filename=e.filename,
            detail=e.detail,
        )


class AuditListOut(BaseModel):
    items: list[AuditEntryOut]
    total: int
