"""The database, seen by services and the pipeline."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from drive2.domain.models import (
    AiMetadata,
    FileRecord,
    FileSort,
    FileStatus,
    NewFile,
    ProcessingResult,
    StageRecord,
    User,
)


class UserRepository(Protocol):
    def create_user(self, email: str, password_hash: str, quota_bytes: int) -> User: ...

    def get_user(self, user_id: str) -> User | None: ...

    def get_user_by_email(self, email: str) -> User | None: ...

    def storage_used_bytes(self, user_id: str) -> int: ...

    def set_quota(self, user_id: str, quota_bytes: int) -> None: ...

    def revoke_tokens(self, user_id: str) -> None:
        """Raise the user's token version: every token issued before stops working."""
        ...


class FileRepository(Protocol):
    def add_file(self, new: NewFile) -> tuple[FileRecord, bool]:
        """Insert the row; if the user has the same content, return that row and True."""
        ...

    def get_file(self, file_id: str, user_id: str | None = None) -> FileRecord | None: ...

    def list_files(
        self,
        user_id: str,
        status: FileStatus | None,
        tag: str | None,
        limit: int,
        offset: int,
        *,
        sort: FileSort = FileSort.NEWEST,
        kinds: list[str] | None = None,
        trashed: bool = False,
    ) -> tuple[list[FileRecord], int]:
        """`kinds`: content-type filters as search takes them (image, application/pdf, pdf),
        any of which may match. `trashed`: the trash instead of the drive."""
        ...

    def files_changed_since(self, user_id: str, since: datetime, limit: int) -> list[FileRecord]:
        """The user's files whose row changed after `since`, oldest change first."""
        ...

    def get_text(self, file_id: str) -> str: ...

    def update_file(
        self, file_id: str, filename: str | None = None, tags: list[str] | None = None
    ) -> None: ...

    def delete_file(self, file_id: str) -> None: ...

    # --- trash -----------------------------------------------------------------------------
    def trash_file(self, file_id: str, when: datetime) -> bool:
        """Into the trash; False when it is there already (or gone)."""
        ...

    def restore_file(self, file_id: str) -> bool:
        """Out of the trash; False when it was not in it."""
        ...

    def trashed_files(
        self, before: datetime | None, limit: int, user_id: str | None = None
    ) -> list[FileRecord]:
        """Files in the trash since before `before` (None: any time), longest there first."""
        ...

    def mark_pending_for_reprocess(self, file_id: str) -> bool:
        """pending|completed|failed -> pending; False when the file is processing."""
        ...

    def note_dispatch(self, file_id: str) -> None: ...

    # --- pipeline state, every change compare-and-set on (status, attempts) ---------
    def claim(
        self, file_id: str, expected: FileStatus, attempt: int, worker: str | None = None
    ) -> FileRecord | None: ...

    def set_stage(self, file_id: str, attempt: int, stage: str, progress: int) -> bool: ...

    def record_stage(self, file_id: str, record: StageRecord) -> None: ...

    def stage_records(self, file_id: str) -> list[StageRecord]: ...

    def complete(self, file_id: str, attempt: int, result: ProcessingResult) -> bool: ...

    def fail(self, file_id: str, attempt: int | None, error: str) -> bool: ...

    def release_for_retry(self, file_id: str, attempt: int, error: str) -> bool: ...

    def set_thumbnail(self, file_id: str, key: str | None) -> None: ...

    # --- sweeper -----------------------------------------------------------------------
    # --- AI re-runs ------------------------------------------------------------------------
    def files_with_ai_not_from(self, provider: str, limit: int) -> list[FileRecord]:
        """Completed files whose AI result another provider made, least recently touched
        first."""
        ...

    def update_ai(self, file_id: str, ai: AiMetadata, expected_provider: str | None = None) -> bool:
        """Store a new AI result on a completed file; with expected_provider, only if the
        stored result is still that provider's."""
        ...

    def stuck_processing(self, older_than: datetime) -> list[FileRecord]: ...

    def stale_pending(self, older_than: datetime) -> list[FileRecord]: ...

    def processing_files(self) -> list[FileRecord]: ...

    def ping(self) -> None: ...


class Repository(UserRepository, FileRepository, Protocol):
    pass
