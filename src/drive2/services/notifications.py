"""Notifications: deciding what to tell a user on LINE, recording it in the outbox, and
delivering it exactly once.

Deciding and recording are one step: the outbox row's idempotency key is unique, so a task
that runs twice finds its row already there (and, later, already sent). Rows sent together
share a batch key, which is also the push's X-Line-Retry-Key: if a worker dies between LINE
accepting a push and the row being marked sent, the repeat is answered 409 by LINE and
counted as sent, not delivered twice. 429 and 5xx are retried after Retry-After (or with
exponential backoff); any other 4xx is recorded as failed and never retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from drive2.config import Settings
from drive2.domain.models import FileRecord, FileStatus, User
from drive2.ports.notification_queue import NotificationQueue
from drive2.ports.notification_store import NotificationStore, OutboxEntry, OutboxKind, OutboxStatus
from drive2.ports.notifier import (
    AlreadyAcceptedError,
    Message,
    Notifier,
    RejectedNotifierError,
    RetryableNotifierError,
)
from drive2.ports.repository import Repository
from drive2.services import line_messages as lm
from drive2.services.line_questions import answer_messages
from drive2.services.signed_links import signed_path

log = logging.getLogger(__name__)

THRESHOLDS = (80, 90, 100)
#: One push carries five messages of up to 12 bubbles.
MAX_BATCH = lm.MAX_BUBBLES * lm.MAX_MESSAGES_PER_PUSH
MAX_RETRY_DELAY_SECONDS = 3600.0
#: A batch whose task was lost is picked up by the resend job after this long.
OVERDUE_SECONDS = 300.0


class RetryLater(Exception):
    """LINE asked us to wait (429) or did not answer (5xx, timeout); try after `delay`."""

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay


def usage_level(percent: float) -> int:
    """The highest threshold reached: 0, 80, 90 or 100."""
    return max((t for t in THRESHOLDS if percent >= t), default=0)


def usage_percent(used: int, quota: int) -> float:
    return 100.0 if quota <= 0 else used * 100.0 / quota


def completion_key(file: FileRecord) -> str:
    # Per processing run: a reprocessed file is announced again, a re-run task is not.
    return f"file:{file.id}:completed:{file.attempts}"


def failure_key(file: FileRecord) -> str:
    return f"file:{file.id}:failed:{file.attempts}"


@dataclass
class NotificationService:
    repo: Repository
    store: NotificationStore
    notifier: Notifier
    queue: NotificationQueue
    settings: Settings
    jwt_secret: str

    @property
    def enabled(self) -> bool:
        return self.notifier.enabled

    # --- hooks: called by the pipeline task and the upload; they never raise ----------------
    def notify_outcome(self, file_id: str) -> None:
        """After a pipeline run: announce the file's completion or failure, once."""
        if not self.enabled:
            return
        try:
            self._notify_outcome(file_id)
        except Exception:
            log.exception("could not queue the LINE notification for file %s", file_id)

    def _notify_outcome(self, file_id: str) -> None:
        f = self.repo.get_file(file_id)
        if f is None or f.status not in (FileStatus.COMPLETED, FileStatus.FAILED):
            return
        user = self.repo.get_user(f.user_id)
        if user is None or not user.line_push_to:
            return
        if f.status == FileStatus.COMPLETED:
            if self.store.add_entry(
                completion_key(f), f.user_id, OutboxKind.COMPLETED, f.id, grouped=True
            ):
                # The delay lets completions that finish close together share one carousel.
                self.queue.send_completion(f.id, f.user_id, self.settings.line_batch_window_seconds)
        elif self.store.add_entry(
            failure_key(f), f.user_id, OutboxKind.FAILED, f.id, {"error": f.error or ""}
        ):
            self.queue.send_failure(f.id, f.user_id, f.error or "")

    def after_upload(self, user: User, record: FileRecord) -> None:
        """After an upload is stored: a storage alert when usage crossed 80, 90 or 100%."""
        if not self.enabled or not user.line_push_to:
            return
        try:
            key, percent = self.check_quota(user, record.size_bytes)
            if key is not None:
                self.queue.send_quota_alert(user.id, percent)
        except Exception:
            log.exception("could not check the storage alert of user %s", user.id)

    def check_quota(self, user: User, just_added: int = 0) -> tuple[str | None, float]:
        used = self.repo.storage_used_bytes(user.id)
        quota = user.storage_quota_bytes
        percent = usage_percent(used, quota)
        before = usage_level(usage_percent(used - just_added, quota))
        after = usage_level(percent)
        payload = {"used_bytes": used, "quota_bytes": quota, "percent": round(percent, 1)}
        if before < after:
            # Usage was below a threshold announced earlier (files were deleted): re-arm it
            # first, so crossing it again is announced again.
            self.store.raise_quota_level(user.id, before, payload)
        return self.store.raise_quota_level(user.id, after, payload), percent

    # --- the tasks' work ------------------------------------------------------------------
    def send_completion(self, file_id: str, user_id: str) -> str:
        if not self.enabled:
            return "disabled"
        f = self.repo.get_file(file_id)
        own_key = None
        if f is not None and f.user_id == user_id and f.status == FileStatus.COMPLETED:
            own_key = completion_key(f)
            self.store.add_entry(own_key, user_id, OutboxKind.COMPLETED, f.id, grouped=True)
        outcomes = []
        batch = self.store.group_pending(user_id, OutboxKind.COMPLETED, MAX_BATCH)
        if batch is not None:
            outcomes.append(self.deliver(batch))
        if own_key is not None:
            entry = self.store.entry(own_key)
            if entry and entry.batch_key and entry.batch_key != batch and _open(entry):
                outcomes.append(self.deliver(entry.batch_key))
        return ",".join(outcomes) or "nothing to send"

    def send_failure(self, file_id: str, user_id: str, error_message: str) -> str:
        if not self.enabled:
            return "disabled"
        f = self.repo.get_file(file_id)
        if f is None or f.user_id != user_id:
            return "file gone"
        key = failure_key(f)
        self.store.add_entry(key, user_id, OutboxKind.FAILED, f.id, {"error": error_message})
        return self._deliver_entry(key)

    def send_quota_alert(self, user_id: str, percent: float) -> str:
        """Every storage alert of the user still to be sent (an upload that crossed 80% and
        the next that crossed 90% each have their own); the check runs again first, so a
        direct call with no upload behind it decides too."""
        if not self.enabled:
            return "disabled"
        user = self.repo.get_user(user_id)
        if user is None:
            return "user gone"
        self.check_quota(user)
        outcomes = [
            self.deliver(batch) for batch in self.store.open_batches(user_id, OutboxKind.QUOTA)
        ]
        return ",".join(outcomes) or "nothing to send"

    def local_day(self, when: datetime | None = None) -> date:
        tz = ZoneInfo(self.settings.timezone)
        return (when or datetime.now(UTC)).astimezone(tz).date()

    def send_daily_summary(self, user_id: str, day: date | None = None) -> str:
        if not self.enabled:
            return "disabled"
        user = self.repo.get_user(user_id)
        if user is None or not user.line_push_to:
            return "not linked"
        day = day or self.local_day()
        tz = ZoneInfo(self.settings.timezone)
        start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        activity = self.store.day_activity(user_id, start, end)
        if not (activity.uploaded or activity.completed or activity.failed):
            return "quiet day"  # nothing to report is not worth a message
        key = f"user:{user_id}:daily_summary:{day.isoformat()}"
        self.store.add_entry(
            key,
            user_id,
            OutboxKind.DAILY_SUMMARY,
            payload={
                "day": day.isoformat(),
                "uploaded": activity.uploaded,
                "completed": activity.completed,
                "failed": activity.failed,
                "used_bytes": self.repo.storage_used_bytes(user_id),
                "quota_bytes": user.storage_quota_bytes,
            },
        )
        return self._deliver_entry(key)

    def send_batch(self, notifications: list[dict[str, Any]]) -> dict[str, str]:
        """Completions given as {"file_id", "user_id"} are grouped per user into carousels;
        {"batch_key"} items are batches to deliver as they are (the resend job's)."""
        if not self.enabled:
            return {"all": "disabled"}
        outcomes: dict[str, str] = {}
        users: dict[str, None] = {}
        for item in notifications:
            if "batch_key" in item:
                outcomes[str(item["batch_key"])] = self.deliver(str(item["batch_key"]))
                continue
            file_id, user_id = str(item.get("file_id")), str(item.get("user_id"))
            f = self.repo.get_file(file_id)
            if f is not None and f.user_id == user_id and f.status == FileStatus.COMPLETED:
                self.store.add_entry(
                    completion_key(f), user_id, OutboxKind.COMPLETED, f.id, grouped=True
                )
            users[user_id] = None
        for user_id in users:
            while batch := self.store.group_pending(user_id, OutboxKind.COMPLETED, MAX_BATCH):
                outcomes[batch] = self.deliver(batch)
        return outcomes

    def fan_out_daily_summaries(self) -> int:
        """Beat, once a day: one summary task per linked user; old webhook ids forgotten."""
        if not self.enabled:
            return 0
        self.store.forget_events_before(datetime.now(UTC) - timedelta(days=7))
        users = self.store.linked_user_ids()
        for user_id in users:
            self.queue.send_daily_summary(user_id)
        return len(users)

    def resend_overdue(self) -> int:
        """Beat: batches whose task was lost (broker outage, a killed worker) go out again."""
        if not self.enabled:
            return 0
        overdue = self.store.batches_due(datetime.now(UTC) - timedelta(seconds=OVERDUE_SECONDS))
        items: list[dict[str, Any]] = []
        for e in overdue:
            if e.status == OutboxStatus.PENDING:
                items.append({"file_id": e.file_id, "user_id": e.user_id})
            elif e.batch_key:
                items.append({"batch_key": e.batch_key})
        if items:
            self.queue.send_batch(items)
        return len(items)

    # --- delivery ---------------------------------------------------------------------------
    def _deliver_entry(self, key: str) -> str:
        entry = self.store.entry(key)
        if entry is None or entry.batch_key is None:
            return "nothing to send"
        if not _open(entry):
            return entry.status.value
        return self.deliver(entry.batch_key)

    def deliver(self, batch_key: str) -> str:
        """Send one batch now, if it is due and nobody else holds it. Raises RetryLater."""
        lease = self.settings.line_request_timeout_seconds * 2 + 30
        entries = self.store.lease_batch(batch_key, lease)
        if not entries:
            return "not due"
        user = self.repo.get_user(entries[0].user_id)
        to = user.line_push_to if user else None
        if user is None or not to:
            self.store.finish_batch(batch_key, OutboxStatus.SKIPPED, "no linked LINE account")
            return "skipped"
        try:
            messages = self.messages_for(entries, user)
        except Exception as exc:  # a bug in a builder must not retry for ever
            log.exception("could not build LINE messages for batch %s", batch_key)
            self.store.finish_batch(batch_key, OutboxStatus.FAILED, f"building messages: {exc}")
            return "failed"
        if not messages:
            self.store.finish_batch(batch_key, OutboxStatus.SKIPPED, "the files are gone")
            return "skipped"
        try:
            self.notifier.push(to, messages, retry_key=batch_key)
        except AlreadyAcceptedError:
            pass  # LINE took this batch before (a repeat after a crash): it is sent
        except RejectedNotifierError as exc:
            log.warning("LINE refused batch %s for good: %s", batch_key, exc)
            self.store.finish_batch(batch_key, OutboxStatus.FAILED, str(exc))
            return "rejected"
        except RetryableNotifierError as exc:
            attempts = entries[0].attempts + 1
            if attempts >= self.settings.line_send_max_attempts:
                self.store.finish_batch(
                    batch_key, OutboxStatus.FAILED, f"gave up after {attempts} attempts: {exc}"
                )
                return "gave up"
            delay = (
                exc.retry_after
                if exc.retry_after is not None
                else self.settings.line_retry_base_seconds * 2 ** (attempts - 1)
            )
            delay = min(max(delay, 0.0), MAX_RETRY_DELAY_SECONDS)
            self.store.postpone_batch(batch_key, delay, str(exc))
            raise RetryLater(delay, str(exc)) from exc
        self.store.finish_batch(batch_key, OutboxStatus.SENT, None)
        return "sent"

    # --- message contents --------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return (self.settings.public_url or f"http://localhost:{self.settings.api_port}").rstrip(
            "/"
        )

    def file_link(self, purpose: str, file_id: str) -> str:
        ttl = self.settings.line_signed_url_ttl_seconds
        return self.base_url + signed_path(self.jwt_secret, purpose, file_id, ttl)

    def liff_link(self, fragment: str = "") -> str | None:
        """The LIFF app (the web app inside LINE, signed in by LINE) at this page, when
        LIFF_ID is set. LIFF carries the path and fragment after the id to the endpoint URL."""
        if not self.settings.liff_enabled:
            return None
        return f"https://liff.line.me/{self.settings.liff_id}/{fragment}"

    def open_link(self, file_id: str) -> str:
        """Where "Open file" goes: the file's page in the LIFF app, else the signed link to
        the original (which needs no sign-in)."""
        return self.liff_link(f"#/files/{file_id}") or self.file_link("download", file_id)

    def _completed_view(self, f: FileRecord) -> lm.CompletedFile:
        thumbnail = preview = None
        # LINE's servers fetch hero images themselves, over https only: without a public
        # https PUBLIC_URL the bubble has no image rather than a broken one.
        if f.thumbnail_key and self.base_url.startswith("https://"):
            thumbnail = self.file_link("thumbnail", f.id)
            if f.preview_key:
                preview = self.file_link("preview", f.id)
        return lm.CompletedFile(
            file_id=f.id,
            filename=f.filename,
            suggested_filename=f.ai.suggested_filename if f.ai else None,
            summary=f.ai.summary if f.ai else None,
            tags=list(f.tags),
            open_url=self.open_link(f.id),
            thumbnail_url=thumbnail,
            preview_url=preview,
        )

    def messages_for(self, entries: list[OutboxEntry], user: User) -> list[Message]:
        first = entries[0]
        if first.kind == OutboxKind.ANSWER:
            return answer_messages(first, user, self.repo, self.file_link)
        if first.kind == OutboxKind.COMPLETED:
            files = [self.repo.get_file(e.file_id) for e in entries if e.file_id]
            return lm.completed_messages(
                [
                    self._completed_view(f)
                    for f in files
                    if f is not None and f.user_id == user.id and not f.trashed
                ]
            )
        if first.kind == OutboxKind.FAILED:
            f = self.repo.get_file(first.file_id) if first.file_id else None
            if f is None or f.user_id != user.id:
                return []
            error = str(first.payload.get("error") or f.error or "")
            return [lm.failed_message(f.filename, error, f.id, self.open_link(f.id))]
        if first.kind == OutboxKind.QUOTA:
            p = first.payload
            return [
                lm.quota_message(
                    int(p.get("threshold", 0)),
                    int(p.get("used_bytes", 0)),
                    int(p.get("quota_bytes", 0)),
                )
            ]
        p = first.payload
        summary = lm.DailySummary(
            day=date.fromisoformat(str(p["day"])),
            uploaded=int(p.get("uploaded", 0)),
            completed=int(p.get("completed", 0)),
            failed=int(p.get("failed", 0)),
            used_bytes=int(p.get("used_bytes", 0)),
            quota_bytes=int(p.get("quota_bytes", 0)),
        )
        return [lm.daily_summary_message(summary, self.liff_link())]


def _open(entry: OutboxEntry) -> bool:
    return entry.status in (OutboxStatus.QUEUED, OutboxStatus.SENDING)
