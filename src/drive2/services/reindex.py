"""Re-embedding every file into the configured model's collection, without downtime.

After a model change (an upgrade whose default is another model, or EMBEDDING_MODEL set),
`ensure()` records the configured model's collection as *building* while the old one goes on
*serving* search. A job (Beat starts one every REINDEX_CHECK_SECONDS; `drive2 reindex` runs one
in the foreground) walks the processed files in id order, embeds each into the new collection
and records its cursor after every batch, under a lease: one job at a time, and a job killed
without a word (SIGKILL, a lost machine) is resumed by the next one when its lease lapses, from
the last recorded file, so nothing is lost and little is redone (writes are idempotent). When
the walk ends, the new collection serves and the old ones are dropped.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from drive2.config import Settings
from drive2.domain.file_passages import embedding_text, own_passages
from drive2.pipeline.stages.embed import chunk_points
from drive2.ports.embedder import Embedder
from drive2.ports.embedding_collections import (
    BUILDING,
    SERVING,
    CollectionState,
    EmbeddingCollections,
    FileToEmbed,
)
from drive2.ports.vector_index import VectorIndex

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (files done, files total)
COMPLETE, PAUSED, BUSY = "complete", "paused", "busy"


@dataclass(frozen=True)
class ReindexStatus:
    model: str
    serving_model: str
    state: str
    files_done: int
    files_total: int
    percent: int

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "serving_model": self.serving_model,
            "state": self.state,
            "files_done": self.files_done,
            "files_total": self.files_total,
            "percent": self.percent,
        }


class ReindexService:
    def __init__(
        self,
        collections: EmbeddingCollections,
        vectors: VectorIndex,
        embedder: Embedder,
        settings: Settings,
        on_file: Callable[[str], None] | None = None,
    ) -> None:
        self.collections = collections
        self.vectors = vectors
        self.embedder = embedder
        self.settings = settings
        self._on_file = on_file or (lambda model: None)

    @property
    def model(self) -> str:
        return self.embedder.model_name

    def ensure(self) -> CollectionState:
        """The configured model's collection, recorded now if it is not: serving at once
        when nothing else serves (a new install), else building. Building collections of
        models no longer configured are dropped."""
        for other in self.collections.all():
            if other.model != self.model and other.state == BUILDING:
                self._drop(other)
        current = self.collections.get(self.model)
        if current is None:
            serving = [c for c in self.collections.all() if c.state == SERVING]
            state = BUILDING if serving else SERVING
            total = self.collections.count_files(None) if serving else 0
            self.collections.add(self.model, self.embedder.dimension, state, total)
            current = self.collections.get(self.model)
            assert current is not None
            if state == BUILDING:
                log.info("re-embedding %d files with %s", total, self.model)
        return current

    def serving_model(self) -> tuple[str, int]:
        """(model, dimension) of the collection search reads."""
        for found in self.collections.all():
            if found.state == SERVING:
                return found.model, found.dimension
        return self.model, self.embedder.dimension

    def status(self) -> ReindexStatus:
        current = self.collections.get(self.model)
        serving, _ = self.serving_model()
        if current is None:
            return ReindexStatus(self.model, serving, "pending", 0, 0, 0)
        return ReindexStatus(
            self.model,
            serving,
            current.state,
            current.files_done,
            current.files_total,
            current.percent,
        )

    def run(
        self,
        budget_seconds: float | None = None,
        owner: str | None = None,
        progress: Progress | None = None,
    ) -> str:
        """Fill the configured collection, for at most budget_seconds. COMPLETE: it serves
        search now; PAUSED: time ran out (the next job resumes); BUSY: another job holds the
        lease (or took it over)."""
        current = self.ensure()
        if current.state != BUILDING:
            self._drop_retired()
            return COMPLETE
        owner = owner or f"job-{uuid.uuid4()}"
        lease = timedelta(seconds=self.settings.reindex_lease_seconds)
        if not self.collections.claim(self.model, owner, _now() + lease, _now()):
            log.info("re-embedding with %s: another job holds the lease", self.model)
            return BUSY
        deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
        cursor, done = current.cursor, current.files_done
        total = max(current.files_total, done)
        every = self.settings.reindex_batch_files
        while True:
            batch = self.collections.files_after(cursor, every, None)
            if not batch:
                break
            for found in batch:
                if deadline is not None and time.monotonic() >= deadline:
                    # Out of time: record where it stopped and let the lease go, so the job
                    # that follows starts at once and resumes after `cursor`.
                    if cursor is not None:
                        self.collections.advance(self.model, owner, cursor, done, _now())
                    return PAUSED
                self._embed(found)
                cursor, done = found.file_id, done + 1
                total = max(total, done)
                # Recorded (and the lease renewed) every REINDEX_BATCH_FILES files: a kill
                # redoes at most that many.
                last = found is batch[-1]
                if (last or done % every == 0) and not self.collections.advance(
                    self.model, owner, cursor, done, _now() + lease
                ):
                    log.warning("re-embedding with %s: lease lost; another job goes on", self.model)
                    return BUSY
                if progress and last:
                    progress(done, total)
        self.collections.promote(self.model, _now())
        log.info("re-embedding with %s complete: it now serves search", self.model)
        self._drop_retired()
        return COMPLETE

    def run_user(self, user_id: str, progress: Progress | None = None) -> int:
        """Re-embed one user's files into the configured collection; files done."""
        total = self.collections.count_files(user_id)
        cursor, done = None, 0
        while batch := self.collections.files_after(
            cursor, self.settings.reindex_batch_files, user_id
        ):
            for found in batch:
                self._embed(found)
            cursor, done = batch[-1].file_id, done + len(batch)
            if progress:
                progress(done, max(total, done))
        return done

    def _embed(self, found: FileToEmbed) -> None:
        s = self.settings
        file_id = found.file_id
        points = chunk_points(
            self.embedder,
            file_id,
            found.user_id,
            embedding_text(found.text, found.ai.summary if found.ai else None, found.metadata),
            s.chunk_tokens,
            s.chunk_overlap_tokens,
            s.max_chunks_per_file,
            passages=own_passages(found.ai),
        )
        self.vectors.replace_file(self.model, self.embedder.dimension, file_id, points)
        self._on_file(self.model)

    def _drop_retired(self) -> None:
        for other in self.collections.all():
            if other.model != self.model and other.state != SERVING:
                self._drop(other)

    def _drop(self, state: CollectionState) -> None:
        log.info("dropping the %s collection", state.model)
        self.vectors.drop(state.model, state.dimension)
        self.collections.remove(state.model)


def _now() -> datetime:
    return datetime.now(UTC)
