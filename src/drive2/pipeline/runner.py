"""Runs the stages over one file and persists stage, progress, attempts and the outcome.

Transient errors go back to the caller (the Celery task retries); permanent ones fail the
file at once. Every write is compare-and-set on the attempt this run claimed, so a stale
run can never overwrite a newer one.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from drive2.config import Settings
from drive2.domain.errors import (
    PermanentProcessingError,
    ServiceUnavailableError,
    TransientProcessingError,
    UnsafeContentError,
)
from drive2.domain.models import (
    FileRecord,
    FileStatus,
    ProcessingResult,
    StageOutcome,
    StageRecord,
)
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.stage import Stage, StageSkipped
from drive2.pipeline.text_normalise import excerpt
from drive2.ports.blob_store import BlobStore
from drive2.ports.repository import Repository
from drive2.process_identity import current_token, run_must_be_over

log = logging.getLogger(__name__)

START_PROGRESS = 10
END_PROGRESS = 95


class RunOutcome(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    NOT_CLAIMED = "not_claimed"  # done already, deleted, or another run owns it
    SUPERSEDED = "superseded"  # a newer attempt took the file while this one ran


@dataclass
class PipelineRunner:
    repo: Repository
    blobs: BlobStore
    stages: list[Stage]
    settings: Settings
    #: Errors that must reach the caller untouched, such as the task's soft time limit.
    passthrough: tuple[type[BaseException], ...] = ()

    def run(self, file_id: str, redelivered: bool = False) -> RunOutcome:
        record = self._claim(file_id, redelivered)
        if isinstance(record, RunOutcome):
            return record
        attempt = record.attempts
        workdir = Path(tempfile.mkdtemp(prefix=f"drive2-{file_id[:8]}-"))
        try:
            local = workdir / "original"
            try:
                self.blobs.get_to_file(record.storage_key, local)
            except FileNotFoundError as exc:
                raise PermanentProcessingError("the stored original is missing") from exc
            except Exception as exc:
                # The store is unreachable or erring: that passes, so the task retries.
                raise TransientProcessingError(f"object store: {exc}") from exc
            ctx = ProcessingContext(
                file=record,
                attempt=attempt,
                path=local,
                workdir=workdir,
                settings=self.settings,
                content_type=record.content_type,
                metadata={},
                tags=list(record.tags),
            )
            return self._run_stages(ctx)
        except PermanentProcessingError as exc:
            self.repo.fail(file_id, attempt, str(exc))
            log.warning("file %s failed permanently: %s", file_id, exc)
            return RunOutcome.FAILED
        except (TransientProcessingError, ServiceUnavailableError) as exc:
            self.repo.release_for_retry(file_id, attempt, f"will retry: {exc}")
            raise TransientProcessingError(str(exc)) from exc
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _claim(self, file_id: str, redelivered: bool) -> FileRecord | RunOutcome:
        """Take the file, or say why not: another live run has it, it is done, or it has
        crashed its worker too often to be tried again."""
        current = self.repo.get_file(file_id)
        if current is None or current.status not in (FileStatus.PENDING, FileStatus.PROCESSING):
            log.info("file %s not claimed (finished or deleted)", file_id)
            return RunOutcome.NOT_CLAIMED
        if current.status is FileStatus.PROCESSING:
            # A redelivery after a worker was lost, or a run that cannot still be going.
            over = run_must_be_over(
                current.worker,
                current.started_at,
                datetime.now(UTC),
                self.settings.task_time_limit_seconds,
            )
            if not (redelivered or over):
                log.info("file %s not claimed: %s is still running it", file_id, current.worker)
                return RunOutcome.NOT_CLAIMED
            if current.deliveries >= self.settings.max_worker_crashes:
                reason = (
                    f"crashed the worker {current.deliveries} times (the process was killed "
                    "while working on this file: out of memory, a crash in a library, or a "
                    "kill); not tried again — reprocess the file to try once more"
                )
                self.repo.fail(file_id, current.attempts, reason)
                log.error("file %s failed: %s", file_id, reason)
                return RunOutcome.FAILED
            log.warning(
                "file %s taken over from a lost run (%s, run %d)",
                file_id,
                current.worker,
                current.deliveries,
            )
        record = self.repo.claim(file_id, current.status, current.attempts, current_token())
        if record is None:
            log.info("file %s not claimed (another delivery took it first)", file_id)
            return RunOutcome.NOT_CLAIMED
        return record

    def _run_stages(self, ctx: ProcessingContext) -> RunOutcome:
        file_id = ctx.file.id
        active = list(self.stages)
        span = END_PROGRESS - START_PROGRESS
        for index, stage in enumerate(active):
            if not stage.applies(ctx):
                continue
            progress = START_PROGRESS + span * index // len(active)
            if not self.repo.set_stage(file_id, ctx.attempt, stage.name, progress):
                return RunOutcome.SUPERSEDED
            self._run_stage(stage, ctx)
        result = ProcessingResult(
            content_type=ctx.content_type,
            text=ctx.text,
            text_excerpt=excerpt(ctx.text, self.settings.text_excerpt_chars),
            metadata={**ctx.metadata, "skipped_stages": ctx.skipped}
            if ctx.skipped
            else ctx.metadata,
            ai=ctx.ai,
            thumbnail_key=ctx.thumbnail_key,
            preview_key=ctx.preview_key,
            tags=ctx.tags,
            document_date=ctx.document_date,
        )
        if not self.repo.complete(file_id, ctx.attempt, result):
            return RunOutcome.SUPERSEDED
        return RunOutcome.COMPLETED

    def _run_stage(self, stage: Stage, ctx: ProcessingContext) -> None:
        started = time.perf_counter()
        outcome, detail = StageOutcome.DONE, None
        try:
            stage.run(ctx)
        except self.passthrough:
            self._record(ctx, stage.name, StageOutcome.FAILED, "time limit reached", started)
            raise
        except StageSkipped as exc:
            outcome, detail = StageOutcome.SKIPPED, str(exc)
        except (TransientProcessingError, ServiceUnavailableError, PermanentProcessingError) as exc:
            if (
                stage.optional
                and isinstance(exc, PermanentProcessingError)
                and not isinstance(exc, UnsafeContentError)
            ):
                outcome, detail = StageOutcome.SKIPPED, str(exc)
            else:
                self._record(ctx, stage.name, StageOutcome.FAILED, str(exc), started)
                raise
        except Exception as exc:
            if not stage.optional:
                log.exception("stage %s crashed on file %s", stage.name, ctx.file.id)
                self._record(ctx, stage.name, StageOutcome.FAILED, repr(exc), started)
                raise PermanentProcessingError(
                    f"{stage.name} could not read this file ({type(exc).__name__}: {exc})"
                ) from exc
            log.warning("optional stage %s skipped for %s: %r", stage.name, ctx.file.id, exc)
            outcome, detail = StageOutcome.SKIPPED, f"{type(exc).__name__}: {exc}"
        if outcome is StageOutcome.SKIPPED:
            ctx.skipped[stage.name] = detail or "skipped"
        self._record(ctx, stage.name, outcome, detail, started)

    def _record(
        self,
        ctx: ProcessingContext,
        name: str,
        outcome: StageOutcome,
        detail: str | None,
        started: float,
    ) -> None:
        self.repo.record_stage(
            ctx.file.id,
            StageRecord(
                name=name,
                outcome=outcome,
                detail=detail,
                duration_ms=int((time.perf_counter() - started) * 1000),
                attempt=ctx.attempt,
                finished_at=datetime.now(UTC),
            ),
        )
