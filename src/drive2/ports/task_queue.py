"""How services hand work to the background workers."""

from __future__ import annotations

from typing import Protocol


class TaskQueue(Protocol):
    def dispatch_processing(self, file_id: str, user_id: str) -> None: ...

    def dispatch_reprocess(self, file_id: str, user_id: str) -> None: ...

    def check(self) -> None:
        """Raise if the broker cannot take messages right now (readiness)."""
        ...

    def close(self) -> None:
        """Release broker connections."""
        ...
