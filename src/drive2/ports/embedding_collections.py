"""Which embedding model's vector collection search reads, and the progress of filling the
configured model's collection (re-embedding after a model change)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from drive2.domain.models import AiMetadata

BUILDING = "building"
SERVING = "serving"
RETIRED = "retired"


@dataclass(frozen=True)
class CollectionState:
    model: str
    dimension: int
    state: str
    files_total: int
    files_done: int
    cursor: str | None
    started_at: datetime
    completed_at: datetime | None

    @property
    def percent(self) -> int:
        if self.state != BUILDING:
            return 100
        if self.files_total <= 0:
            return 0
        return min(99, self.files_done * 100 // self.files_total)


@dataclass(frozen=True)
class FileToEmbed:
    file_id: str
    user_id: str
    text: str
    ai: AiMetadata | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class EmbeddingCollections(Protocol):
    def all(self) -> list[CollectionState]: ...

    def get(self, model: str) -> CollectionState | None: ...

    def add(self, model: str, dimension: int, state: str, files_total: int) -> bool:
        """Record a collection; False when one for this model exists already."""
        ...

    def claim(self, model: str, owner: str, until: datetime, now: datetime) -> bool:
        """Take (or extend) the lease on filling `model`: only one job works at a time, and
        a job killed without a word loses it when `until` passes."""
        ...

    def advance(self, model: str, owner: str, cursor: str, done: int, until: datetime) -> bool:
        """Record progress and extend the lease; False when the lease was lost."""
        ...

    def promote(self, model: str, now: datetime) -> list[CollectionState]:
        """Make `model` the one search reads; every other becomes retired (returned)."""
        ...

    def remove(self, model: str) -> None: ...

    def files_after(self, cursor: str | None, limit: int, user_id: str | None) -> list[FileToEmbed]:
        """Processed files with text, in id order, after `cursor`."""
        ...

    def count_files(self, user_id: str | None) -> int: ...
