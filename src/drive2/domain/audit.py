"""The audit log's words: who did what to which file, and through which door."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AuditAction(StrEnum):
    TRASHED = "trashed"
    RESTORED = "restored"
    DELETED = "deleted"  # for good, by its owner
    PURGED = "purged"  # for good, by the trash retention job
    SHARE_CREATED = "share_created"
    SHARE_REVOKED = "share_revoked"
    SHARE_DOWNLOADED = "share_downloaded"
    RENAMED = "renamed"
    TAGS_ADDED = "tags_added"
    TAGS_REMOVED = "tags_removed"
    REPROCESSED = "reprocessed"
    ARCHIVED = "archived"  # downloaded in a zip


class AuditSource(StrEnum):
    API = "api"  # the owner, through the API or the web app
    LINE = "line"  # the owner, through the LINE bot
    RETENTION = "retention"  # the Beat job that empties old trash
    SHARE_LINK = "share_link"  # someone holding a share link


@dataclass(frozen=True)
class AuditEvent:
    user_id: str
    action: AuditAction
    file_id: str | None
    #: The file's name when it happened: the record outlives the file.
    filename: str | None
    source: AuditSource = AuditSource.API
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    event: AuditEvent
