"""The seed's vector helpers, kept as thin functions over the vector-index port."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from drive2.ports.vector_index import VectorIndex, VectorPoint

DEFAULT_MODEL = "multilingual-e5-small"  # the default embedder's collection


def add_vector_sync(
    index: VectorIndex,
    file_id: str,
    embedding: Sequence[float] | npt.NDArray[np.float32],
    payload: Mapping[str, Any],
    model: str = DEFAULT_MODEL,
) -> None:
    """Store one chunk's vector. payload needs user_id; chunk (default 0) and text are
    optional; anything else is kept as extra payload."""
    vector = np.asarray(embedding, dtype=np.float32).reshape(-1)
    rest = {k: v for k, v in payload.items() if k not in ("user_id", "chunk", "text", "file_id")}
    point = VectorPoint(
        file_id=file_id,
        user_id=str(payload["user_id"]),
        chunk=int(payload.get("chunk", 0)),
        text=str(payload.get("text", "")),
        vector=vector,
        extra=rest,
    )
    index.upsert(model, int(vector.shape[0]), [point])


def delete_by_file_id_sync(index: VectorIndex, file_id: str) -> None:
    """Remove every vector of the file, in every collection."""
    index.delete_file(file_id)
