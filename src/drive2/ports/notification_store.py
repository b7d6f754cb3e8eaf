"""The database seen by the notification and bot services: the outbox, link codes, handled
webhook events, quota alert state and the day's activity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class OutboxStatus(StrEnum):
    PENDING = "pending"  # a completion waiting to be grouped with others
    QUEUED = "queued"  # in a batch, due at next_attempt_at
    SENDING = "sending"  # a task holds the batch until next_attempt_at
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # nobody to send to (LINE off, account unlinked, file gone)


class OutboxKind(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    QUOTA = "quota"
    DAILY_SUMMARY = "daily_summary"
    ANSWER = "answer"  # the answer to a question sent to the bot


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    idempotency_key: str
    user_id: str
    file_id: str | None
    kind: OutboxKind
    status: OutboxStatus
    batch_key: str | None
    attempts: int
    payload: dict[str, Any] = field(default_factory=dict)
    last_error: str | None = None


@dataclass(frozen=True)
class DayActivity:
    uploaded: int
    completed: int
    failed: int


class NotificationStore(Protocol):
    # --- outbox --------------------------------------------------------------------------
    def add_entry(
        self,
        key: str,
        user_id: str,
        kind: OutboxKind,
        file_id: str | None = None,
        payload: dict[str, Any] | None = None,
        grouped: bool = False,
    ) -> bool:
        """Insert the row unless its key exists; True when this call inserted it. Grouped
        entries wait (pending) to share a batch; the others get a batch of their own."""
        ...

    def entry(self, key: str) -> OutboxEntry | None: ...

    def group_pending(self, user_id: str, kind: OutboxKind, limit: int) -> str | None:
        """Put up to `limit` of the user's pending entries of one kind into a new batch."""
        ...

    def lease_batch(self, batch_key: str, lease_seconds: float) -> list[OutboxEntry]:
        """Take a due batch for sending; empty when it is not due, held by another task or
        finished."""
        ...

    def open_batches(self, user_id: str, kind: OutboxKind) -> list[str]:
        """Batch keys of the user's entries of one kind still to be sent, oldest first."""
        ...

    def finish_batch(self, batch_key: str, status: OutboxStatus, error: str | None) -> None: ...

    def postpone_batch(self, batch_key: str, delay_seconds: float, error: str) -> int:
        """Back to queued, due after the delay; the attempts made so far."""
        ...

    def batches_due(self, overdue_before: datetime) -> list[OutboxEntry]:
        """One entry per batch that should have gone out before this time (its task was
        lost), and one per user for pending entries nobody grouped."""
        ...

    # --- account links and webhook events ---------------------------------------------
    def add_link_code(self, code_hash: str, user_id: str, expires_at: datetime) -> None: ...

    def use_link_code(self, code_hash: str, now: datetime) -> str | None:
        """The user id of an unused, unexpired code, which is used up by this call."""
        ...

    def link_line_user(self, user_id: str, line_user_id: str) -> None:
        """Link the LINE account to this user only (another user's link to it is removed)
        and let the bot message it again."""
        ...

    def set_line_bot_blocked(self, line_user_id: str, blocked: bool) -> None:
        """The LINE account blocked (unfollowed) or followed the bot again: it stays the
        account's way to sign in, only the messages stop or resume."""
        ...

    def user_id_for_line_user(self, line_user_id: str) -> str | None: ...

    def linked_user_ids(self) -> list[str]: ...

    def remember_event(self, event_id: str) -> bool:
        """True the first time this webhook event id is seen."""
        ...

    def forget_events_before(self, when: datetime) -> int: ...

    # --- quota alerts and the daily summary -------------------------------------------------
    def raise_quota_level(self, user_id: str, level: int, payload: dict[str, Any]) -> str | None:
        """When `level` is above the level already announced, record it and add the alert's
        outbox entry in the same transaction; its key. A lower level re-arms; None."""
        ...

    def quota_level(self, user_id: str) -> tuple[int, int]:
        """(level announced, crossings so far)."""
        ...

    def day_activity(self, user_id: str, start: datetime, end: datetime) -> DayActivity: ...
