"""A zip of a user's originals, made while it is sent: nothing is held whole in memory.

zipfile writes into a sink that only collects what was written since the last look; each
chunk read from the object store (1 MiB) goes through the zip writer and out to the client
before the next is read. The sink cannot seek, so zipfile writes each entry's CRC and sizes
after its data (a data descriptor), which every unzip tool reads. Zip64 is used where a
size or an offset needs it. Types that are compressed already (photos, video, PDFs, office
files) are stored; text is deflated.
"""

from __future__ import annotations

import logging
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from drive2.config import Settings
from drive2.domain.archive_names import unique_names
from drive2.domain.audit import AuditAction
from drive2.domain.errors import InvalidInputError, NotFoundError
from drive2.domain.models import FileRecord, User
from drive2.ports.blob_store import BlobStore
from drive2.ports.repository import Repository
from drive2.services.audit import Auditor

log = logging.getLogger(__name__)

MAX_ARCHIVE_FILES = 500
CHUNK_BYTES = 1 << 20
#: What deflate makes smaller; everything else is stored as it is.
_COMPRESSIBLE_PREFIXES = ("text/",)
_COMPRESSIBLE_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/rtf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/x-ndjson",
        "application/sql",
        "message/rfc822",
        "image/bmp",
        "image/svg+xml",
        "image/tiff",
    }
)
_ZIP_EPOCH = datetime(1980, 1, 1)
MISSING_NOTE = "not-included.txt"


class _Sink:
    """A write-only, unseekable file for zipfile: it keeps only what was written since the
    last take()."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def compress_type(content_type: str) -> int:
    base = content_type.split(";", 1)[0].strip().lower()
    if base.startswith(_COMPRESSIBLE_PREFIXES) or base in _COMPRESSIBLE_TYPES:
        return zipfile.ZIP_DEFLATED
    return zipfile.ZIP_STORED


@dataclass(frozen=True)
class ArchivePlan:
    user_id: str
    entries: list[tuple[FileRecord, str]]  # (file, name in the zip)

    @property
    def download_name(self) -> str:
        return f"drive2-{len(self.entries)}-files.zip"


class ArchiveService:
    def __init__(
        self, repo: Repository, blobs: BlobStore, audit: Auditor, settings: Settings
    ) -> None:
        self.repo = repo
        self.blobs = blobs
        self.audit = audit
        self.settings = settings

    def plan(self, user: User, file_ids: list[str]) -> ArchivePlan:
        """Check every id before a byte is sent: one that is not the user's file is a 404 for
        the whole request, as on every other route."""
        if not file_ids:
            raise InvalidInputError("file_ids must not be empty")
        if len(file_ids) > MAX_ARCHIVE_FILES:
            raise InvalidInputError(f"at most {MAX_ARCHIVE_FILES} files in one zip")
        records: list[FileRecord] = []
        for raw in dict.fromkeys(file_ids):
            try:
                file_id = str(uuid.UUID(raw))
            except ValueError:
                raise NotFoundError("file not found") from None
            record = self.repo.get_file(file_id, user_id=user.id)
            if record is None:
                raise NotFoundError("file not found")
            records.append(record)
        names = unique_names([r.filename for r in records])
        plan = ArchivePlan(user.id, list(zip(records, names, strict=True)))
        self.audit.record(user.id, AuditAction.ARCHIVED, records, detail={"files": len(records)})
        return plan

    def _info(self, record: FileRecord, name: str) -> zipfile.ZipInfo:
        local = record.uploaded_at.astimezone(ZoneInfo(self.settings.timezone)).replace(tzinfo=None)
        when = max(local, _ZIP_EPOCH)
        info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
        info.compress_type = compress_type(record.content_type)
        info.file_size = record.size_bytes  # lets zipfile choose zip64 up front
        info.external_attr = 0o644 << 16
        return info

    def stream(self, plan: ArchivePlan) -> Iterator[bytes]:
        """The zip's bytes, a piece per chunk read from the store."""
        for piece in self._pieces(plan):
            if piece:
                yield piece

    def _pieces(self, plan: ArchivePlan) -> Iterator[bytes]:
        sink = _Sink()
        missing: list[str] = []
        # compresslevel 1: most of deflate's gain on text at a fraction of its CPU.
        zf = zipfile.ZipFile(sink, "w", allowZip64=True, compresslevel=1)
        with zf:
            for record, name in plan.entries:
                try:
                    chunks = self.blobs.iter_range(record.storage_key, chunk_size=CHUNK_BYTES)
                    first = next(chunks, b"")
                except FileNotFoundError:
                    log.warning(
                        "zip for %s: the original of %s is missing", plan.user_id, record.id
                    )
                    missing.append(name)
                    continue
                big = record.size_bytes >= zipfile.ZIP64_LIMIT
                with zf.open(self._info(record, name), "w", force_zip64=big) as out:
                    out.write(first)
                    yield sink.take()
                    for chunk in chunks:
                        out.write(chunk)
                        yield sink.take()
                yield sink.take()
            if missing:
                note = "These files could not be read and are not in this zip:\n" + "".join(
                    f"- {n}\n" for n in missing
                )
                zf.writestr(MISSING_NOTE, note.encode())
        yield sink.take()
