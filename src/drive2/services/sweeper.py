"""The hourly safety net: nothing stays pending or processing for ever.

The database is the source of truth, not the broker: a message lost with a killed worker or
a broker restart is recovered here by looking at the rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from drive2.config import Settings
from drive2.domain.models import FileRecord
from drive2.ports.repository import Repository
from drive2.ports.task_queue import TaskQueue
from drive2.process_identity import run_must_be_over
from drive2.services.failures import FileFailures

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    failed_stuck: list[str] = field(default_factory=list)
    redispatched: list[str] = field(default_factory=list)
    failed_undeliverable: list[str] = field(default_factory=list)
    #: Files left in processing by a run that is over (a dead worker), queued to run again.
    recovered: list[str] = field(default_factory=list)


class Sweeper:
    def __init__(
        self, repo: Repository, queue: TaskQueue, settings: Settings, failures: FileFailures
    ) -> None:
        self.repo = repo
        self.queue = queue
        self.settings = settings
        self.failures = failures  # fails a file and tells its owner on LINE

    def sweep(self, now: datetime | None = None) -> SweepReport:
        now = now or datetime.now(UTC)
        report = SweepReport()
        stuck_after = timedelta(seconds=self.settings.stuck_processing_seconds)
        for record in self.repo.stuck_processing(now - stuck_after):
            minutes = int(stuck_after.total_seconds() // 60)
            reason = (
                f"processing stopped making progress for over {minutes} minutes "
                f"(stage {record.stage or 'unknown'}); the worker was probably lost — "
                "reprocess the file to try again"
            )
            if self.failures.fail(record.id, None, reason):
                report.failed_stuck.append(record.id)
        report.recovered = self.recover_orphans(now)
        pending_after = timedelta(seconds=self.settings.stale_pending_seconds)
        for record in self.repo.stale_pending(now - pending_after):
            if record.dispatch_count >= self.settings.max_dispatch_attempts:
                reason = f"could not be queued for processing after {record.dispatch_count} tries"
                if self.failures.fail(record.id, None, reason):
                    report.failed_undeliverable.append(record.id)
                continue
            if self._requeue(record):
                report.redispatched.append(record.id)
        if report.failed_stuck or report.redispatched or report.failed_undeliverable:
            log.info(
                "sweep: %d stuck failed, %d re-queued, %d undeliverable, %d recovered",
                len(report.failed_stuck),
                len(report.redispatched),
                len(report.failed_undeliverable),
                len(report.recovered),
            )
        return report

    def recover_orphans(self, now: datetime | None = None) -> list[str]:
        """Queue again the files whose run is over without having said so: their owner
        process is gone (checked on this host), or they started longer ago than the hard
        time limit allows. The claim takes them over and counts the crash."""
        now = now or datetime.now(UTC)
        recovered: list[str] = []
        for record in self.repo.processing_files():
            if not run_must_be_over(
                record.worker, record.started_at, now, self.settings.task_time_limit_seconds
            ):
                continue
            if record.dispatch_count >= self.settings.max_dispatch_attempts:
                reason = (
                    "lost by its worker and could not be queued again after "
                    f"{record.dispatch_count} tries"
                )
                self.failures.fail(record.id, None, reason)
                continue
            if self._requeue(record):
                recovered.append(record.id)
        if recovered:
            log.warning("re-queued %d files left by a lost worker: %s", len(recovered), recovered)
        return recovered

    def _requeue(self, record: FileRecord) -> bool:
        """Send the file's processing again and count the dispatch; False if the broker
        would not take it (the next sweep tries again)."""
        try:
            self.queue.dispatch_processing(record.id, record.user_id, record.content_type)
        except Exception:
            log.exception("the sweeper could not queue file %s", record.id)
            return False
        self.repo.note_dispatch(record.id)
        return True
