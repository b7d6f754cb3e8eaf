"""Making a file's thumbnail again, outside a pipeline run (the seed's thumbnail tasks)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from pathlib import Path

from drive2.config import Settings
from drive2.domain.errors import (
    Drive2Error,
    InvalidInputError,
    NotFoundError,
    PermanentProcessingError,
    TransientProcessingError,
)
from drive2.pipeline.thumbnails import make_thumbnail, store_thumbnail, wants_thumbnail
from drive2.ports.blob_store import BlobStore
from drive2.ports.repository import Repository

log = logging.getLogger(__name__)


class ThumbnailService:
    def __init__(self, repo: Repository, blobs: BlobStore, settings: Settings) -> None:
        self.repo = repo
        self.blobs = blobs
        self.settings = settings

    def regenerate(self, file_id: str, require_type: str | None = None) -> str | None:
        """Make and store the file's thumbnail; its object key, or None when the file's type
        has no thumbnail. Raises NotFoundError, InvalidInputError (not `require_type`),
        PermanentProcessingError or a tool error (damaged content), UnsafeContentError (a
        bomb) and TransientProcessingError (the object store did not answer)."""
        record = self.repo.get_file(file_id)
        if record is None:
            raise NotFoundError("file not found")
        if require_type is not None and record.content_type != require_type:
            raise InvalidInputError(f"the file is {record.content_type}, not {require_type}")
        if not wants_thumbnail(record.content_type, record.metadata):
            return None
        duration = (record.metadata.get("media") or {}).get("duration_seconds")
        with tempfile.TemporaryDirectory(prefix=f"drive2-thumb-{file_id[:8]}-") as tmp:
            workdir = Path(tmp)
            try:
                local = workdir / "original"
                self.blobs.get_to_file(record.storage_key, local)
            except FileNotFoundError as exc:
                raise PermanentProcessingError("the stored original is missing") from exc
            except Exception as exc:
                raise TransientProcessingError(f"object store: {exc}") from exc
            made = make_thumbnail(
                local, record.content_type, workdir, self.settings, duration=duration
            )
            if made is None:
                return None
            key = store_thumbnail(self.blobs, record.user_id, record.id, made)
        self.repo.set_thumbnail(record.id, key)
        return key

    def regenerate_many(self, file_ids: Iterable[str]) -> dict[str, int]:
        """Each file in turn; one file's failure never stops the others."""
        counts = {"generated": 0, "no_thumbnail": 0, "failed": 0}
        for file_id in file_ids:
            try:
                key = self.regenerate(file_id)
            except Drive2Error as exc:
                log.warning("no thumbnail for %s: %s", file_id, exc)
                counts["failed"] += 1
                continue
            counts["generated" if key else "no_thumbnail"] += 1
        return counts
