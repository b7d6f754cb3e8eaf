"""Where chunk vectors live: an embedded index in the data dir, or a Qdrant server."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

#: Fixed namespace for point ids: the same (file, chunk) is the same point everywhere.
POINT_NAMESPACE = uuid.UUID("5b0c6f5e-3f0e-4d8a-9a57-6f2d1e0c2a11")
COLLECTION_PREFIX = "drive2_"


class VectorIndexUnavailable(Exception):
    """The index could not be reached or written (a server down, a locked or full disk).
    Retrying later may help; the embed stage turns this into a transient failure."""


def collection_name(model: str, dimension: int) -> str:
    """One collection per embedding model, its name and dimension in the name, so a model
    change never mixes two vector spaces: "drive2_all-minilm-l6-v2_384"."""
    slug = re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-") or "model"
    return f"{COLLECTION_PREFIX}{slug}_{int(dimension)}"


def point_id(file_id: str, chunk: int) -> str:
    """Deterministic id of a chunk's point: writing the same chunk twice replaces it."""
    return str(uuid.uuid5(POINT_NAMESPACE, f"{file_id}:{int(chunk)}"))


def normalised(vector: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """float32, L2 norm 1 (zero vectors stay zero), so a dot product is the cosine."""
    arr = np.asarray(vector, dtype=np.float32)
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    return np.divide(arr, norms, out=np.zeros_like(arr), where=norms > 0)


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
    score: float  # cosine similarity, higher is closer
    text: str


class VectorIndex(Protocol):
    name: str

    def upsert(self, model: str, dimension: int, points: list[VectorPoint]) -> None:
        """Add or replace points; ids derive from (file_id, chunk), so this is idempotent.
        Vectors need not be normalised: ranking is by cosine either way."""
        ...

    def delete_file(self, file_id: str) -> None:
        """Remove every point of a file, in every collection."""
        ...

    def replace_file(
        self, model: str, dimension: int, file_id: str, points: list[VectorPoint]
    ) -> None:
        """The file's points in this collection become exactly `points` (none left over
        from a longer earlier run); other collections keep theirs."""
        ...

    def drop(self, model: str, dimension: int) -> None:
        """Remove a whole collection (a retired model's, after re-embedding)."""
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
        """Nearest chunks of this user's files only (the filter is inside the query), best
        first; file_ids, when given, restricts further to those files (an empty list finds
        nothing). A collection that does not exist yet finds nothing."""
        ...

    def count(self, model: str, dimension: int, file_id: str | None = None) -> int: ...

    def check(self) -> None:
        """Raise when the index cannot answer (for /readyz)."""
        ...

    def close(self) -> None:
        """Release connections (the container closes it on shutdown)."""
        ...
