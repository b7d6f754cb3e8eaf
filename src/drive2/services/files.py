"""Everything a user does to their own files after the upload."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from drive2.domain.audit import AuditAction, AuditSource
from drive2.domain.errors import ConflictError, InvalidInputError, NotFoundError
from drive2.domain.models import FileRecord, FileSort, FileStatus, StageRecord, User
from drive2.domain.names import MAX_TAGS, normalise_tags, safe_filename
from drive2.ports.blob_store import BlobStore
from drive2.ports.repository import Repository
from drive2.ports.task_queue import TaskQueue
from drive2.ports.vector_index import VectorIndex, VectorIndexUnavailable
from drive2.services.audit import Auditor

log = logging.getLogger(__name__)

MAX_PAGE = 500
_KIND = re.compile(r"[a-z0-9.+/-]{1,100}")


def parse_kinds(kind: str | None) -> list[str] | None:
    """`image`, `application/pdf`, `pdf` or several of them joined by commas (any matches),
    the way search's `type` filter reads one."""
    if kind is None or not kind.strip():
        return None
    kinds = [k.strip().lower() for k in kind.split(",") if k.strip()]
    if not kinds or len(kinds) > 20 or not all(_KIND.fullmatch(k) for k in kinds):
        raise InvalidInputError("type must look like image, application/pdf or pdf (or a list)")
    return kinds


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive


class FileService:
    def __init__(
        self,
        repo: Repository,
        blobs: BlobStore,
        queue: TaskQueue,
        vectors: VectorIndex,
        audit: Auditor | None = None,
    ) -> None:
        self.repo = repo
        self.blobs = blobs
        self.queue = queue
        self.vectors = vectors
        self.audit = audit

    def get(self, user: User, file_id: str) -> FileRecord:
        record = self.repo.get_file(file_id, user_id=user.id)
        if record is None:
            raise NotFoundError("file not found")
        return record

    def list_files(
        self,
        user: User,
        status: str | None,
        tag: str | None,
        limit: int,
        offset: int,
        sort: str | None = None,
        kind: str | None = None,
        trashed: bool = False,
    ) -> tuple[list[FileRecord], int]:
        try:
            wanted = FileStatus(status) if status else None
        except ValueError:
            raise InvalidInputError(
                f"status must be one of {', '.join(s.value for s in FileStatus)}"
            ) from None
        try:
            order = FileSort(sort) if sort else FileSort.NEWEST
        except ValueError:
            raise InvalidInputError(
                f"sort must be one of {', '.join(s.value for s in FileSort)}"
            ) from None
        limit = max(1, min(limit, MAX_PAGE))
        tags = normalise_tags([tag]) if tag else []
        tag_filter = tags[0] if tags else None
        return self.repo.list_files(
            user.id,
            wanted,
            tag_filter,
            limit,
            max(0, offset),
            sort=order,
            kinds=parse_kinds(kind),
            trashed=trashed,
        )

    def stages(self, user: User, file_id: str) -> tuple[FileRecord, list[StageRecord]]:
        record = self.get(user, file_id)
        return record, self.repo.stage_records(record.id)

    def text(self, user: User, file_id: str) -> str:
        return self.repo.get_text(self.get(user, file_id).id)

    def update(
        self,
        user: User,
        file_id: str,
        filename: str | None,
        tags: list[str] | None,
        source: AuditSource = AuditSource.API,
    ) -> FileRecord:
        record = self.get(user, file_id)
        new_name = safe_filename(filename) if filename is not None else None
        new_tags = normalise_tags(tags) if tags is not None else None
        self.repo.update_file(record.id, filename=new_name, tags=new_tags)
        if new_name is not None and new_name != record.filename:
            self._audit(user, AuditAction.RENAMED, record, source, {"to": new_name})
        if new_tags is not None:
            added = [t for t in new_tags if t not in record.tags]
            removed = [t for t in record.tags if t not in new_tags]
            if added:
                self._audit(user, AuditAction.TAGS_ADDED, record, source, {"tags": added})
            if removed:
                self._audit(user, AuditAction.TAGS_REMOVED, record, source, {"tags": removed})
        return self.get(user, file_id)

    def add_tags(
        self, user: User, file_id: str, tags: list[str], source: AuditSource = AuditSource.API
    ) -> FileRecord:
        record = self.get(user, file_id)
        merged = record.tags + [t for t in normalise_tags(tags) if t not in record.tags]
        if len(merged) > MAX_TAGS:
            raise InvalidInputError(f"a file has at most {MAX_TAGS} tags")
        if merged == record.tags:
            return record
        return self.update(user, file_id, None, merged, source)

    def remove_tags(
        self, user: User, file_id: str, tags: list[str], source: AuditSource = AuditSource.API
    ) -> FileRecord:
        record = self.get(user, file_id)
        unwanted = set(normalise_tags(tags))
        kept = [t for t in record.tags if t not in unwanted]
        if kept == record.tags:
            return record
        return self.update(user, file_id, None, kept, source)

    def _audit(
        self,
        user: User,
        action: AuditAction,
        record: FileRecord,
        source: AuditSource,
        detail: dict[str, object] | None = None,
    ) -> None:
        if self.audit is not None:
            self.audit.record(user.id, action, [record], source, detail)

    def reprocess(
        self, user: User, file_id: str, source: AuditSource = AuditSource.API
    ) -> FileRecord:
        record = self.get(user, file_id)
        if record.trashed:
            raise ConflictError("the file is in the trash; restore it to process it again")
        if not self.repo.mark_pending_for_reprocess(record.id):
            raise ConflictError("the file is being processed; reprocess it when that ends")
        try:
            self.vectors.delete_file(record.id)
        except VectorIndexUnavailable:
            # The embed stage replaces the file's vectors anyway; this only clears them early.
            log.warning("could not clear the vectors of %s before reprocessing", record.id)
        try:
            self.queue.dispatch_reprocess(record.id, user.id, record.content_type)
        except Exception:
            log.exception("could not queue reprocess of %s; the sweeper will retry", record.id)
        self._audit(user, AuditAction.REPROCESSED, record, source)
        return self.get(user, file_id)

    # --- download ---------------------------------------------------------------------------
    @staticmethod
    def parse_range(header: str | None, size: int) -> ByteRange | None:
        """One byte range (RFC 9110); None means the whole file. Multiple ranges are served
        whole, which the RFC allows."""
        if not header or not header.startswith("bytes=") or "," in header:
            return None
        spec = header[len("bytes=") :].strip()
        first, _, last = spec.partition("-")
        try:
            if first == "":
                length = int(last)
                if length <= 0:
                    raise InvalidRangeError(size)
                return ByteRange(max(0, size - length), size - 1)
            start = int(first)
            end = int(last) if last else size - 1
        except ValueError:
            return None
        if start >= size or end < start:
            raise InvalidRangeError(size)
        return ByteRange(start, min(end, size - 1))

    def open_original(self, record: FileRecord, byte_range: ByteRange | None) -> Iterator[bytes]:
        if byte_range is None:
            return self.blobs.iter_range(record.storage_key)
        return self.blobs.iter_range(record.storage_key, byte_range.start, byte_range.end)

    def open_thumbnail(self, user: User, file_id: str) -> Iterator[bytes]:
        return self._open_rendition(self.get(user, file_id).thumbnail_key, "thumbnail")

    def open_preview(self, user: User, file_id: str) -> Iterator[bytes]:
        return self._open_rendition(self.get(user, file_id).preview_key, "preview")

    def _open_rendition(self, key: str | None, what: str) -> Iterator[bytes]:
        if not key:
            raise NotFoundError(f"this file has no {what}")
        try:
            return self.blobs.iter_range(key)
        except FileNotFoundError:
            raise NotFoundError(f"this file has no {what}") from None


class InvalidRangeError(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"range not satisfiable for {size} bytes")
        self.size = size
