"""Where chunk vectors live: an embedded index in the data dir, or a Qdrant server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class VectorPoint:
    file_id: str
    user_id: str
    chunk: int
    text: str
    vector: npt.NDArray[np.float32]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VectorHit:
    file_id: str
    chunk: int
    score: float
    text: str


class VectorIndex(Protocol):
    name: str

    def upsert(self, model: str, dimension: int, points: list[VectorPoint]) -> None:
        """Add or replace points; ids derive from (file_id, chunk), so this is idempotent."""
        ...

    def delete_file(self, file_id: str) -> None:
        """Remove every point of a file, in every collection."""
        ...

    def search(
        self,
        model: str,
        dimension: int,
        user_id: str,
        vector: npt.NDArray[np.float32],
        limit: int,
        file_ids: list[str] | None = None,
    ) -> list[VectorHit]:
        """Nearest chunks of this user's files only (the filter is inside the query)."""
        ...

    def count(self, model: str, dimension: int, file_id: str | None = None) -> int: ...

    def check(self) -> None: ...
