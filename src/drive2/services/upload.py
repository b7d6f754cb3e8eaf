"""Upload: stream the bytes to the object store, then record the row, then dispatch.

The body is never held in memory: chunks are hashed, counted and written as they arrive,
in batches of about a megabyte handed to a thread so the event loop keeps serving others.
The limit is enforced on the bytes actually received, whatever Content-Length claimed.
Order matters: object, then committed row, then the task — a task never sees a row that is
not there, and a row that cannot be written leaves no object behind.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import anyio

from drive2.config import Settings
from drive2.domain.errors import InvalidInputError, PayloadTooLargeError
from drive2.domain.models import FileRecord, NewFile, User
from drive2.domain.names import safe_filename
from drive2.domain.object_keys import original_key
from drive2.pipeline.sniff import SNIFF_BYTES, detect_mime
from drive2.ports.blob_store import BlobStore, BlobWriter
from drive2.ports.repository import Repository
from drive2.ports.task_queue import TaskQueue

log = logging.getLogger(__name__)

FLUSH_BYTES = 1 << 20


@dataclass(frozen=True)
class UploadEvent:
    """What a multipart reader yields: a part starts, some of its bytes, or it ends."""

    kind: str  # "start" | "data" | "end"
    field: str | None = None
    filename: str | None = None
    data: bytes | memoryview = b""


@dataclass(frozen=True)
class UploadOutcome:
    file: FileRecord
    duplicate: bool


class _StreamingObject:
    """One object being written: hash, size and first bytes, flushed in big batches."""

    def __init__(self, writer: BlobWriter, limit: int, limit_message: str) -> None:
        self.writer = writer
        self.limit = limit
        self.limit_message = limit_message
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.head = bytearray()
        self._pending: list[bytes | memoryview] = []
        self._pending_bytes = 0

    async def add(self, data: bytes | memoryview) -> None:
        if not data:
            return
        self.size += len(data)
        if self.size > self.limit:
            raise PayloadTooLargeError(self.limit_message)
        if len(self.head) < SNIFF_BYTES:
            self.head += data[: SNIFF_BYTES - len(self.head)]
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= FLUSH_BYTES:
            await self.flush()

    def _write(self, batch: bytes) -> None:
        self.sha256.update(batch)
        self.writer.write(batch)

    async def flush(self) -> None:
        if not self._pending:
            return
        batch = b"".join(self._pending)
        self._pending, self._pending_bytes = [], 0
        await anyio.to_thread.run_sync(self._write, batch)


class UploadService:
    def __init__(
        self,
        repo: Repository,
        blobs: BlobStore,
        queue: TaskQueue,
        settings: Settings,
        after_store: Callable[[User, FileRecord], None] | None = None,
    ) -> None:
        self.repo = repo
        self.blobs = blobs
        self.queue = queue
        self.settings = settings
        #: Called with each newly stored file (the LINE storage alert); must not raise.
        self.after_store = after_store

    async def _remaining_quota(self, user: User) -> int:
        used = await anyio.to_thread.run_sync(self.repo.storage_used_bytes, user.id)
        return max(0, user.storage_quota_bytes - used)

    async def precheck(self, user: User, declared_length: int | None) -> int:
        """Refuse before reading a byte when the declared size cannot fit; return the quota
        left, for receive()."""
        if declared_length is not None and declared_length > self.settings.max_upload_bytes + 65536:
            raise PayloadTooLargeError(self._size_message())
        remaining = await self._remaining_quota(user)
        if declared_length is not None and declared_length > remaining + 64 * 1024:
            raise PayloadTooLargeError("this upload would exceed your storage quota")
        return remaining

    def _size_message(self) -> str:
        return f"file is larger than the upload limit of {self.settings.max_upload_bytes} bytes"

    async def receive(
        self, user: User, events: AsyncIterator[UploadEvent], remaining_quota: int | None = None
    ) -> UploadOutcome:
        remaining = (
            remaining_quota if remaining_quota is not None else await self._remaining_quota(user)
        )
        limit = min(self.settings.max_upload_bytes, remaining)
        message = (
            self._size_message()
            if limit == self.settings.max_upload_bytes
            else "this upload would exceed your storage quota"
        )
        file_id = str(uuid.uuid4())
        key = original_key(user.id, file_id)
        obj: _StreamingObject | None = None
        filename: str | None = None
        finished = False
        try:
            async for event in events:
                if finished:
                    continue  # later parts are read and dropped; one file per request
                if event.kind == "start" and event.field == "file" and event.filename is not None:
                    filename = event.filename
                    writer = await anyio.to_thread.run_sync(self.blobs.open_writer, key)
                    obj = _StreamingObject(writer, limit, message)
                elif event.kind == "data" and obj is not None:
                    await obj.add(event.data)
                elif event.kind == "end" and obj is not None:
                    await obj.flush()
                    finished = True
            if obj is None or not finished:
                raise InvalidInputError("the multipart field 'file' with a file is required")
            await anyio.to_thread.run_sync(obj.writer.commit)
        except BaseException:
            if obj is not None:
                await anyio.to_thread.run_sync(obj.writer.abort)
            raise
        new = NewFile(
            id=file_id,
            user_id=user.id,
            filename=safe_filename(filename),
            content_type=detect_mime(bytes(obj.head), None, filename or ""),
            size_bytes=obj.size,
            checksum_sha256=obj.sha256.hexdigest(),
            storage_key=key,
            document_date=datetime.now(ZoneInfo(self.settings.timezone)).date(),
        )
        outcome = await anyio.to_thread.run_sync(self._record_and_dispatch, new)
        if self.after_store is not None and not outcome.duplicate:
            await anyio.to_thread.run_sync(self.after_store, user, outcome.file)
        return outcome

    def _record_and_dispatch(self, new: NewFile) -> UploadOutcome:
        try:
            record, duplicate = self.repo.add_file(new)
        except BaseException:  # the database down (ServiceUnavailableError) among others
            self.blobs.delete(new.storage_key)
            raise
        if duplicate:
            self.blobs.delete(new.storage_key)
            return UploadOutcome(record, True)
        try:
            self.queue.dispatch_processing(record.id, record.user_id, record.content_type)
        except Exception:
            # The row is committed and pending: the sweeper dispatches it again later.
            log.exception("could not queue file %s; the sweeper will retry", record.id)
        return UploadOutcome(record, False)
