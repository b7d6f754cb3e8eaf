"""The SQLAlchemy repository: users, files, tags and per-stage records.

Every pipeline state change is a single compare-and-set UPDATE on (status, attempts), so a
late or duplicate task delivery can never overwrite what a newer run wrote.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from drive2.adapters.db import keyword_index
from drive2.adapters.db.tables import (
    FileRow,
    FileStageRow,
    FileTagRow,
    ShareLinkRow,
    UserRow,
    utcnow,
)
from drive2.domain.errors import EmailTakenError
from drive2.domain.models import (
    AiMetadata,
    FileRecord,
    FileSort,
    FileStatus,
    NewFile,
    ProcessingResult,
    StageOutcome,
    StageRecord,
    User,
)

#: List orders; the id breaks ties so paging never repeats or skips a file.
_ORDER: dict[FileSort, tuple[Any, ...]] = {
    FileSort.NEWEST: (FileRow.uploaded_at.desc(), FileRow.id.desc()),
    FileSort.OLDEST: (FileRow.uploaded_at.asc(), FileRow.id.asc()),
    FileSort.NAME: (func.lower(FileRow.filename).asc(), FileRow.id.asc()),
    FileSort.NAME_DESC: (func.lower(FileRow.filename).desc(), FileRow.id.desc()),
    FileSort.LARGEST: (FileRow.size_bytes.desc(), FileRow.id.desc()),
    FileSort.SMALLEST: (FileRow.size_bytes.asc(), FileRow.id.asc()),
    FileSort.DOCUMENT_NEWEST: (
        FileRow.document_date.desc(),
        FileRow.uploaded_at.desc(),
        FileRow.id.desc(),
    ),
    FileSort.DOCUMENT_OLDEST: (
        FileRow.document_date.asc(),
        FileRow.uploaded_at.asc(),
        FileRow.id.asc(),
    ),
}


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        storage_quota_bytes=row.storage_quota_bytes,
        line_user_id=row.line_user_id,
        created_at=row.created_at,
        display_name=row.display_name,
        line_bot_blocked=row.line_bot_blocked,
        token_version=row.token_version or 0,
    )


def _file(row: FileRow, tags: list[str]) -> FileRecord:
    return FileRecord(
        id=row.id,
        user_id=row.user_id,
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        checksum_sha256=row.checksum_sha256,
        storage_key=row.storage_key,
        thumbnail_key=row.thumbnail_key,
        preview_key=row.preview_key,
        status=FileStatus(row.status),
        progress=row.progress,
        stage=row.stage,
        attempts=row.attempts,
        error=row.error,
        uploaded_at=row.uploaded_at,
        updated_at=row.updated_at,
        processed_at=row.processed_at,
        metadata=dict(row.metadata_json or {}),
        text_excerpt=row.text_excerpt,
        ai=AiMetadata.from_dict(row.ai_json),
        tags=tags,
        dispatch_count=row.dispatch_count,
        tags_edited=row.tags_edited,
        deliveries=row.deliveries,
        worker=row.worker,
        started_at=row.started_at,
        document_date=row.document_date,
        trashed_at=row.trashed_at,
    )


#: What every clean end of a run writes: no owner, and no crash counted against the file.
_ENDED: dict[str, Any] = {"deliveries": 0, "worker": None}


class SqlRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time and its busy handler backs off in growing sleeps;
        # threads of one process queue on a lock instead, which keeps the tail short.
        self._lock: threading.Lock | None = (
            threading.Lock() if engine.dialect.name == "sqlite" else None
        )

    @contextmanager
    def _session(self) -> Iterator[Session]:
        if self._lock is None:
            with self._sessions() as session, session.begin():
                yield session
            return
        with self._lock, self._sessions() as session, session.begin():
            yield session

    # --- users ---------------------------------------------------------------------------
    def create_user(self, email: str, password_hash: str, quota_bytes: int) -> User:
        row = UserRow(
            id=str(uuid.uuid4()),
            email=email,
            password_hash=password_hash,
            storage_quota_bytes=quota_bytes,
            created_at=utcnow(),
            token_version=0,
        )
        try:
            with self._session() as s:
                s.add(row)
        except IntegrityError as exc:
            raise EmailTakenError(f"an account with {email} already exists") from exc
        return _user(row)

    def get_user(self, user_id: str) -> User | None:
        with self._session() as s:
            row = s.get(UserRow, user_id)
            return _user(row) if row else None

    def get_user_by_email(self, email: str) -> User | None:
        with self._session() as s:
            row = s.scalar(select(UserRow).where(UserRow.email == email))
            return _user(row) if row else None

    def storage_used_bytes(self, user_id: str) -> int:
        with self._session() as s:
            used = s.scalar(
                select(func.coalesce(func.sum(FileRow.size_bytes), 0)).where(
                    FileRow.user_id == user_id
                )
            )
            return int(used or 0)

    def revoke_tokens(self, user_id: str) -> None:
        with self._session() as s:
            s.execute(
                update(UserRow)
                .where(UserRow.id == user_id)
                .values(token_version=UserRow.token_version + 1)
            )

    def set_quota(self, user_id: str, quota_bytes: int) -> None:
        with self._session() as s:
            s.execute(
                update(UserRow).where(UserRow.id == user_id).values(storage_quota_bytes=quota_bytes)
            )

    # --- files -----------------------------------------------------------------------------
    def _tags(self, s: Session, file_ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {fid: [] for fid in file_ids}
        if not file_ids:
            return out
        rows = s.execute(
            select(FileTagRow.file_id, FileTagRow.tag)
            .where(FileTagRow.file_id.in_(file_ids))
            .order_by(FileTagRow.tag)
        )
        for fid, tag in rows:
            out[fid].append(tag)
        return out

    def _record(self, s: Session, row: FileRow) -> FileRecord:
        return _file(row, self._tags(s, [row.id])[row.id])

    def add_file(self, new: NewFile) -> tuple[FileRecord, bool]:
        now = utcnow()
        row = FileRow(
            id=new.id,
            user_id=new.user_id,
            filename=new.filename,
            content_type=new.content_type,
            size_bytes=new.size_bytes,
            checksum_sha256=new.checksum_sha256,
            storage_key=new.storage_key,
            status=FileStatus.PENDING.value,
            progress=0,
            stage="queued",
            attempts=0,
            tags_edited=False,
            dispatch_count=0,
            uploaded_at=now,
            updated_at=now,
            metadata_json={},
            document_date=new.document_date or now.date(),
        )
        existing = self._by_checksum(new.user_id, new.checksum_sha256)
        if existing is not None:
            return existing, True
        try:
            with self._session() as s:
                s.add(row)
        except IntegrityError:
            # Two identical uploads raced; the other one won and is the file.
            existing = self._by_checksum(new.user_id, new.checksum_sha256)
            if existing is None:
                raise
            return existing, True
        return _file(row, []), False

    def _by_checksum(self, user_id: str, checksum: str) -> FileRecord | None:
        with self._session() as s:
            row = s.scalar(
                select(FileRow).where(
                    FileRow.user_id == user_id, FileRow.checksum_sha256 == checksum
                )
            )
            return self._record(s, row) if row else None

    def get_file(self, file_id: str, user_id: str | None = None) -> FileRecord | None:
        with self._session() as s:
            query = select(FileRow).where(FileRow.id == file_id)
            if user_id is not None:
                query = query.where(FileRow.user_id == user_id)
            row = s.scalar(query)
            return self._record(s, row) if row else None

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
        with self._session() as s:
            in_trash = FileRow.trashed_at.is_not(None) if trashed else FileRow.trashed_at.is_(None)
            query = select(FileRow).where(FileRow.user_id == user_id, in_trash)
            if status is not None:
                query = query.where(FileRow.status == status.value)
            if tag:
                query = query.where(
                    FileRow.id.in_(select(FileTagRow.file_id).where(FileTagRow.tag == tag))
                )
            if kinds:
                query = query.where(
                    or_(
                        *(
                            FileRow.content_type.like(keyword_index.type_pattern(k), escape="\\")
                            for k in kinds
                        )
                    )
                )
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = list(s.scalars(query.order_by(*_ORDER[sort]).limit(limit).offset(offset)))
            tags = self._tags(s, [r.id for r in rows])
            return [_file(r, tags[r.id]) for r in rows], int(total)

    def files_changed_since(self, user_id: str, since: datetime, limit: int) -> list[FileRecord]:
        """The user's files whose row changed after `since`, oldest change first."""
        with self._session() as s:
            rows = list(
                s.scalars(
                    select(FileRow)
                    .where(FileRow.user_id == user_id, FileRow.updated_at > since)
                    .order_by(FileRow.updated_at, FileRow.id)
                    .limit(limit)
                )
            )
            tags = self._tags(s, [r.id for r in rows])
            return [_file(r, tags[r.id]) for r in rows]

    def get_text(self, file_id: str) -> str:
        with self._session() as s:
            return s.scalar(select(FileRow.text_content).where(FileRow.id == file_id)) or ""

    def _replace_tags(self, s: Session, file_id: str, tags: list[str]) -> None:
        s.execute(delete(FileTagRow).where(FileTagRow.file_id == file_id))
        for tag in dict.fromkeys(tags):
            s.add(FileTagRow(file_id=file_id, tag=tag))

    def update_file(
        self, file_id: str, filename: str | None = None, tags: list[str] | None = None
    ) -> None:
        with self._session() as s:
            values: dict[str, Any] = {"updated_at": utcnow()}
            if filename is not None:
                values["filename"] = filename
            if tags is not None:
                values["tags_edited"] = True
            s.execute(update(FileRow).where(FileRow.id == file_id).values(**values))
            if tags is not None:
                self._replace_tags(s, file_id, tags)
            keyword_index.update_names(s, file_id, filename, tags)

    def delete_file(self, file_id: str) -> None:
        with self._session() as s:
            keyword_index.remove(s, file_id)
            s.execute(delete(FileTagRow).where(FileTagRow.file_id == file_id))
            s.execute(delete(FileStageRow).where(FileStageRow.file_id == file_id))
            s.execute(delete(ShareLinkRow).where(ShareLinkRow.file_id == file_id))
            s.execute(delete(FileRow).where(FileRow.id == file_id))

    # --- trash ---------------------------------------------------------------------------------
    def trash_file(self, file_id: str, when: datetime) -> bool:
        """Into the trash; False when it is there already (or gone)."""
        with self._session() as s:
            result = s.execute(
                update(FileRow)
                .where(FileRow.id == file_id, FileRow.trashed_at.is_(None))
                .values(trashed_at=when, updated_at=utcnow())
            )
            return bool(_rowcount(result))

    def restore_file(self, file_id: str) -> bool:
        """Out of the trash; False when it was not in it."""
        with self._session() as s:
            result = s.execute(
                update(FileRow)
                .where(FileRow.id == file_id, FileRow.trashed_at.is_not(None))
                .values(trashed_at=None, updated_at=utcnow())
            )
            return bool(_rowcount(result))

    def trashed_files(
        self, before: datetime | None, limit: int, user_id: str | None = None
    ) -> list[FileRecord]:
        """Files in the trash since before `before` (None: any time), longest there first."""
        with self._session() as s:
            query = select(FileRow).where(FileRow.trashed_at.is_not(None))
            if before is not None:
                query = query.where(FileRow.trashed_at < before)
            if user_id is not None:
                query = query.where(FileRow.user_id == user_id)
            rows = list(s.scalars(query.order_by(FileRow.trashed_at, FileRow.id).limit(limit)))
            tags = self._tags(s, [r.id for r in rows])
            return [_file(r, tags[r.id]) for r in rows]

    def mark_pending_for_reprocess(self, file_id: str) -> bool:
        with self._session() as s:
            result = s.execute(
                update(FileRow)
                .where(FileRow.id == file_id, FileRow.status != FileStatus.PROCESSING.value)
                .values(
                    status=FileStatus.PENDING.value,
                    progress=0,
                    stage="queued",
                    error=None,
                    dispatch_count=0,
                    **_ENDED,
                    updated_at=utcnow(),
                )
            )
            return bool(_rowcount(result))

    def note_dispatch(self, file_id: str) -> None:
        with self._session() as s:
            s.execute(
                update(FileRow)
                .where(FileRow.id == file_id)
                .values(dispatch_count=FileRow.dispatch_count + 1, updated_at=utcnow())
            )

    # --- pipeline state ------------------------------------------------------------------------
    def claim(
        self, file_id: str, expected: FileStatus, attempt: int, worker: str | None = None
    ) -> FileRecord | None:
        """Start a run: compare-and-set on the (status, attempts) the caller saw."""
        now = utcnow()
        with self._session() as s:
            result = s.execute(
                update(FileRow)
                .where(
                    FileRow.id == file_id,
                    FileRow.status == expected.value,
                    FileRow.attempts == attempt,
                )
                .values(
                    status=FileStatus.PROCESSING.value,
                    attempts=FileRow.attempts + 1,
                    deliveries=FileRow.deliveries + 1,
                    worker=worker,
                    progress=10,
                    stage="starting",
                    error=None,
                    started_at=now,
                    updated_at=now,
                )
            )
            if not _rowcount(result):
                return None
            row = s.get(FileRow, file_id)
            assert row is not None
            return self._record(s, row)

    def _cas(self, s: Session, file_id: str, attempt: int | None) -> Any:
        query = update(FileRow).where(FileRow.id == file_id)
        if attempt is not None:
            query = query.where(
                FileRow.status == FileStatus.PROCESSING.value, FileRow.attempts == attempt
            )
        return query

    def set_stage(self, file_id: str, attempt: int, stage: str, progress: int) -> bool:
        with self._session() as s:
            result = s.execute(
                self._cas(s, file_id, attempt).values(
                    stage=stage, progress=progress, updated_at=utcnow()
                )
            )
            return bool(_rowcount(result))

    def record_stage(self, file_id: str, record: StageRecord) -> None:
        with self._session() as s:
            row = s.get(FileStageRow, (file_id, record.name))
            if row is None:
                row = FileStageRow(file_id=file_id, stage=record.name)
                s.add(row)
            row.outcome = record.outcome.value
            row.detail = record.detail
            row.duration_ms = record.duration_ms
            row.attempt = record.attempt
            row.finished_at = record.finished_at

    def stage_records(self, file_id: str) -> list[StageRecord]:
        with self._session() as s:
            rows = s.scalars(
                select(FileStageRow)
                .where(FileStageRow.file_id == file_id)
                .order_by(FileStageRow.finished_at)
            )
            return [
                StageRecord(
                    name=r.stage,
                    outcome=StageOutcome(r.outcome),
                    detail=r.detail,
                    duration_ms=r.duration_ms,
                    attempt=r.attempt,
                    finished_at=r.finished_at,
                )
                for r in rows
            ]

    def complete(self, file_id: str, attempt: int, result: ProcessingResult) -> bool:
        now = utcnow()
        # Segmenting the words is the slow part of indexing: done before the write lock.
        words = keyword_index.document_values(
            result.text,
            result.ai.summary if result.ai else None,
            result.ai.suggested_filename if result.ai else None,
            result.ai.money if result.ai else None,
        )
        with self._session() as s:
            done = s.execute(
                self._cas(s, file_id, attempt).values(
                    status=FileStatus.COMPLETED.value,
                    **_ENDED,
                    progress=100,
                    stage="done",
                    error=None,
                    content_type=result.content_type,
                    text_content=result.text,
                    text_excerpt=result.text_excerpt,
                    metadata_json=result.metadata,
                    ai_json=result.ai.as_dict() if result.ai else None,
                    ai_provider=result.ai.provider if result.ai else None,
                    thumbnail_key=result.thumbnail_key,
                    preview_key=result.preview_key,
                    processed_at=now,
                    updated_at=now,
                    **({"document_date": result.document_date} if result.document_date else {}),
                )
            )
            if not _rowcount(done):
                return False
            if not s.scalar(select(FileRow.tags_edited).where(FileRow.id == file_id)):
                self._replace_tags(s, file_id, result.tags)
            self._index_keywords(s, file_id, words)
            return True

    def _index_keywords(self, s: Session, file_id: str, words: dict[str, str]) -> None:
        """The file's keyword-index row, in the transaction that settles its name and tags."""
        s.flush()
        row = s.get(FileRow, file_id)
        assert row is not None
        keyword_index.replace(
            s, file_id, row.user_id, row.filename, self._tags(s, [file_id])[file_id], words
        )

    def fail(self, file_id: str, attempt: int | None, error: str) -> bool:
        now = utcnow()
        with self._session() as s:
            query = self._cas(s, file_id, attempt)
            if attempt is None:
                # Callers without an attempt (sweeper, task failure hooks) must still never
                # overwrite a finished result.
                query = query.where(
                    FileRow.status.in_([FileStatus.PENDING.value, FileStatus.PROCESSING.value])
                )
            done = s.execute(
                query.values(
                    status=FileStatus.FAILED.value,
                    **_ENDED,
                    error=error[:4000],
                    processed_at=now,
                    updated_at=now,
                )
            )
            return bool(_rowcount(done))

    def release_for_retry(self, file_id: str, attempt: int, error: str) -> bool:
        with self._session() as s:
            done = s.execute(
                self._cas(s, file_id, attempt).values(
                    status=FileStatus.PENDING.value,
                    **_ENDED,
                    stage="waiting to retry",
                    error=error[:4000],
                    updated_at=utcnow(),
                )
            )
            return bool(_rowcount(done))

    def set_thumbnail(self, file_id: str, key: str | None) -> None:
        with self._session() as s:
            s.execute(update(FileRow).where(FileRow.id == file_id).values(thumbnail_key=key))

    # --- AI re-runs ------------------------------------------------------------------------
    def files_with_ai_not_from(self, provider: str, limit: int) -> list[FileRecord]:
        """Completed files whose AI result another provider made, least recently touched
        first (a re-run that changes nothing still moves a file to the back)."""
        with self._session() as s:
            rows = list(
                s.scalars(
                    select(FileRow)
                    .where(
                        FileRow.status == FileStatus.COMPLETED.value,
                        FileRow.ai_provider.is_not(None),
                        FileRow.ai_provider != provider,
                    )
                    .order_by(FileRow.updated_at, FileRow.id)
                    .limit(limit)
                )
            )
            tags = self._tags(s, [r.id for r in rows])
            return [_file(r, tags[r.id]) for r in rows]

    def update_ai(self, file_id: str, ai: AiMetadata, expected_provider: str | None = None) -> bool:
        """Store a new AI result on a completed file (and its tags, unless the user chose
        them); with expected_provider, only if the stored result is still that provider's."""
        with self._session() as s:
            query = update(FileRow).where(
                FileRow.id == file_id, FileRow.status == FileStatus.COMPLETED.value
            )
            if expected_provider is not None:
                query = query.where(FileRow.ai_provider == expected_provider)
            done = s.execute(
                query.values(ai_json=ai.as_dict(), ai_provider=ai.provider, updated_at=utcnow())
            )
            if not _rowcount(done):
                return False
            if not s.scalar(select(FileRow.tags_edited).where(FileRow.id == file_id)):
                self._replace_tags(s, file_id, list(dict.fromkeys(ai.tags)))
            s.flush()
            keyword_index.update_ai_words(
                s,
                file_id,
                ai.summary,
                ai.suggested_filename,
                self._tags(s, [file_id])[file_id],
                ai.money,
            )
            return True

    # --- sweeper ------------------------------------------------------------------------------
    def _older(self, status: FileStatus, older_than: datetime) -> list[FileRecord]:
        with self._session() as s:
            rows = list(
                s.scalars(
                    select(FileRow)
                    .where(FileRow.status == status.value, FileRow.updated_at < older_than)
                    .order_by(FileRow.updated_at)
                    .limit(1000)
                )
            )
            tags = self._tags(s, [r.id for r in rows])
            return [_file(r, tags[r.id]) for r in rows]

    def stuck_processing(self, older_than: datetime) -> list[FileRecord]:
        return self._older(FileStatus.PROCESSING, older_than)

    def stale_pending(self, older_than: datetime) -> list[FileRecord]:
        return self._older(FileStatus.PENDING, older_than)

    def processing_files(self) -> list[FileRecord]:
        return self._older(FileStatus.PROCESSING, utcnow() + timedelta(days=1))

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
