"""Everything a user does to their own files after the upload."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from drive2.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ServiceUnavailableError,
)
from drive2.domain.models import FileRecord, FileSort, FileStatus, StageRecord, User
from drive2.ports.blob_store import BlobStore
from drive2.ports.repository import Repository
from drive2.ports.task_queue import TaskQueue
from drive2.ports.vector_index import VectorIndex, VectorIndexUnavailable
from drive2.services.names import normalise_tags, safe_filename

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
        self, repo: Repository, blobs: BlobStore, queue: TaskQueue, vectors: VectorIndex
    ) -> None:
        self.repo = repo
        self.blobs = blobs
        self.queue = queue
        self.vectors = vectors

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
        )

    def stages(self, user: User, file_id: str) -> tuple[FileRecord, list[StageRecord]]:
        record = self.get(user, file_id)
        return record, self.repo.stage_records(record.id)

    def text(self, user: User, file_id: str) -> str:
        return self.repo.get_text(self.get(user, file_id).id)

    def update(
        self, user: User, file_id: str, filename: str | None, tags: list[str] | None
    ) -> FileRecord:
        record = self.get(user, file_id)
        self.repo.update_file(
            record.id,
            filename=safe_filename(filename) if filename is not None else None,
            tags=normalise_tags(tags) if tags is not None else None,
        )
        return self.get(user, file_id)

    def delete(self, user: User, file_id: str) -> None:
        record = self.get(user, file_id)
        # The row goes last: if deleting an object fails, the user can delete again.
        for key in record.object_keys():
            self.blobs.delete(key)
        try:
            self.vectors.delete_file(record.id)
        except VectorIndexUnavailable as exc:
            raise ServiceUnavailableError("the search index is not available; try again") from exc
        # The keyword index row goes with the file row, in the same transaction.
        self.repo.delete_file(record.id)

    def reprocess(self, user: User, file_id: str) -> FileRecord:
        record = self.get(user, file_id)
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
