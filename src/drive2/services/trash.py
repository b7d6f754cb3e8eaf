"""The trash: files wait there, restorable, until their owner empties it or the retention
job (Celery Beat, every TRASH_PURGE_INTERVAL_SECONDS) deletes those older than
TRASH_RETENTION_DAYS.

A trashed file keeps everything — row, objects, vectors, keyword-index row — so restoring it
is one column set back to NULL and it is found again at once, with no reprocessing. Lists,
search and ask leave it out by that column (adapters/db/keyword_index.filter_clauses). It
keeps counting toward the quota until it is deleted for good.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from drive2.config import Settings
from drive2.domain.audit import AuditAction, AuditSource
from drive2.domain.errors import NotFoundError, ServiceUnavailableError
from drive2.domain.models import FileRecord, FileStatus, User
from drive2.ports.blob_store import BlobStore
from drive2.ports.repository import Repository
from drive2.ports.vector_index import VectorIndex, VectorIndexUnavailable
from drive2.services.audit import Auditor

log = logging.getLogger(__name__)

#: Files removed per database round trip when emptying the trash or purging.
BATCH = 200


class TrashService:
    def __init__(
        self,
        repo: Repository,
        blobs: BlobStore,
        vectors: VectorIndex,
        audit: Auditor,
        settings: Settings,
    ) -> None:
        self.repo = repo
        self.blobs = blobs
        self.vectors = vectors
        self.audit = audit
        self.settings = settings

    def _owned(self, user: User, file_id: str) -> FileRecord:
        record = self.repo.get_file(file_id, user_id=user.id)
        if record is None:
            raise NotFoundError("file not found")
        return record

    def trash(self, user: User, file_id: str, source: AuditSource = AuditSource.API) -> FileRecord:
        """Into the trash; a file there already stays as it is."""
        record = self._owned(user, file_id)
        if self.repo.trash_file(record.id, datetime.now(UTC)):
            self.audit.record(user.id, AuditAction.TRASHED, [record], source)
        return self._owned(user, file_id)

    def restore(
        self, user: User, file_id: str, source: AuditSource = AuditSource.API
    ) -> FileRecord:
        """Back into the drive (and into search, with the vectors it kept); a file that is
        not in the trash stays as it is."""
        record = self._owned(user, file_id)
        if self.repo.restore_file(record.id):
            self.audit.record(user.id, AuditAction.RESTORED, [record], source)
        return self._owned(user, file_id)

    def delete_for_good(
        self, user: User, file_id: str, source: AuditSource = AuditSource.API
    ) -> None:
        record = self._owned(user, file_id)
        self._remove(record)
        self.audit.record(user.id, AuditAction.DELETED, [record], source)

    def empty(self, user: User) -> int:
        """Delete every file in the user's trash for good; how many."""
        removed = 0
        while batch := self.repo.trashed_files(None, BATCH, user_id=user.id):
            for record in batch:
                self._remove(record)
            self.audit.record(user.id, AuditAction.DELETED, batch, detail={"emptied_trash": True})
            removed += len(batch)
        return removed

    def purge_expired(self, now: datetime | None = None) -> int:
        """The Beat job: files trashed more than TRASH_RETENTION_DAYS ago, deleted for good.
        A file still being processed waits for the next run (its worker may yet write a
        thumbnail that would be left behind)."""
        days = self.settings.trash_retention_days
        if days <= 0:
            return 0
        cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
        purged = 0
        skipped: set[str] = set()
        while True:
            batch = [
                r
                for r in self.repo.trashed_files(cutoff, BATCH + len(skipped))
                if r.id not in skipped
            ]
            if not batch:
                break
            for record in batch:
                if record.status is FileStatus.PROCESSING:
                    skipped.add(record.id)
                    continue
                try:
                    self._remove(record)
                except Exception:
                    # One file that cannot go now (the index is down) must not keep the
                    # others; the next run tries it again.
                    log.exception("could not purge trashed file %s", record.id)
                    skipped.add(record.id)
                    continue
                self.audit.record(
                    record.user_id,
                    AuditAction.PURGED,
                    [record],
                    AuditSource.RETENTION,
                    {"retention_days": days},
                )
                purged += 1
        if purged or skipped:
            log.info("trash purge: %d deleted for good, %d left for later", purged, len(skipped))
        return purged

    def _remove(self, record: FileRecord) -> None:
        """Objects, then vectors, then the row (with its keyword-index row, tags, stages and
        share links): if a step fails, the row is still there to delete again."""
        for key in record.object_keys():
            self.blobs.delete(key)
        try:
            self.vectors.delete_file(record.id)
        except VectorIndexUnavailable as exc:
            raise ServiceUnavailableError("the search index is not available; try again") from exc
        self.repo.delete_file(record.id)
