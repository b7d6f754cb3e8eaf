"""How services hand notification work to the workers (queue `notifications`)."""

from __future__ import annotations

from typing import Any, Protocol


class NotificationQueue(Protocol):
    def send_completion(self, file_id: str, user_id: str, delay_seconds: float) -> None: ...

    def send_failure(self, file_id: str, user_id: str, error_message: str) -> None: ...

    def send_quota_alert(self, user_id: str, usage_percent: float) -> None: ...

    def send_daily_summary(self, user_id: str) -> None: ...

    def send_batch(self, notifications: list[dict[str, Any]]) -> None: ...
