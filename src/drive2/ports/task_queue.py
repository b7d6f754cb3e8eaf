"""How services hand work to the background workers."""

from __future__ import annotations

from typing import Protocol


class TaskQueue(Protocol):
    def dispatch_processing(
        self, file_id: str, user_id: str, content_type: str | None = None
    ) -> None:
        """content_type picks the queue: what may need OCR waits on its own."""
        ...

    def dispatch_reprocess(
        self, file_id: str, user_id: str, content_type: str | None = None
    ) -> None: ...

    def check(self) -> None:
        """Raise if the broker cannot take messages right now (readiness)."""
        ...

    def close(self) -> None:
        """Release broker connections."""
        ...
