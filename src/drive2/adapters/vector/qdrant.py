"""Qdrant: the vector index of the server deployment (QDRANT_URL).

One collection per embedding model ("drive2_all-minilm-l6-v2_384"), cosine distance, payload
{file_id, user_id, chunk, text} with keyword indexes on user_id and file_id. The user filter
travels inside the query (query_points with a Filter), so Qdrant never ranks another user's
points. The tests run this adapter against qdrant-client's local mode, which speaks the same
client API.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from drive2.ports.vector_index import (
    COLLECTION_PREFIX,
    VectorHit,
    VectorIndexUnavailable,
    VectorPoint,
    collection_name,
    normalised,
    point_id,
)

UPSERT_BATCH = 256
T = TypeVar("T")


def _match(key: str, value: str) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


@contextmanager
def _infra_errors(what: str) -> Iterator[None]:
    """Connection failures and server errors become VectorIndexUnavailable (retryable)."""
    try:
        yield
    except UnexpectedResponse as exc:
        if exc.status_code is not None and exc.status_code < 500 and exc.status_code != 429:
            raise
        raise VectorIndexUnavailable(f"qdrant {what}: {exc}") from exc
    except (ResponseHandlingException, OSError) as exc:
        raise VectorIndexUnavailable(f"qdrant {what}: {exc}") from exc


class QdrantVectorIndex:
    name = "qdrant"

    def __init__(self, client: QdrantClient) -> None:
        self.client = client
        self._known: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, timeout: int = 30) -> QdrantVectorIndex:
        return cls(QdrantClient(url=url, timeout=timeout, check_compatibility=False))

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        with _infra_errors(what):
            return fn()

    def _exists(self, name: str) -> bool:
        if name in self._known:
            return True
        if self._call("collection_exists", lambda: self.client.collection_exists(name)):
            self._known.add(name)
            return True
        return False

    def _ensure(self, model: str, dimension: int) -> str:
        name = collection_name(model, dimension)
        with self._lock:
            if self._exists(name):
                return name
            try:
                self._call(
                    "create_collection",
                    lambda: self.client.create_collection(
                        name,
                        vectors_config=models.VectorParams(
                            size=dimension, distance=models.Distance.COSINE
                        ),
                    ),
                )
            except (UnexpectedResponse, ValueError):
                # Another worker created it first (409 on a server, ValueError locally).
                if not self.client.collection_exists(name):
                    raise
            with warnings.catch_warnings():
                # Local mode says payload indexes do nothing there; the server uses them.
                warnings.simplefilter("ignore", UserWarning)
                for field in ("user_id", "file_id"):
                    self._call(
                        "create_payload_index",
                        lambda field=field: self.client.create_payload_index(  # type: ignore[misc]
                            name, field, models.PayloadSchemaType.KEYWORD
                        ),
                    )
            self._known.add(name)
            return name

    def upsert(self, model: str, dimension: int, points: list[VectorPoint]) -> None:
        if not points:
            return
        structs = []
        for p in points:
            vector = normalised(p.vector)
            if vector.shape != (dimension,):
                raise ValueError(
                    f"a {dimension}-dimensional collection got a vector of shape {vector.shape}"
                )
            payload: dict[str, Any] = {
                **p.extra,
                "file_id": p.file_id,
                "user_id": p.user_id,
                "chunk": int(p.chunk),
                "text": p.text,
            }
            structs.append(
                models.PointStruct(
                    id=point_id(p.file_id, p.chunk), vector=vector.tolist(), payload=payload
                )
            )
        name = self._ensure(model, dimension)
        for start in range(0, len(structs), UPSERT_BATCH):
            batch = structs[start : start + UPSERT_BATCH]
            self._call("upsert", lambda b=batch: self.client.upsert(name, points=b, wait=True))  # type: ignore[misc]

    def replace_file(
        self, model: str, dimension: int, file_id: str, points: list[VectorPoint]
    ) -> None:
        name = collection_name(model, dimension)
        with self._lock:
            self._known.discard(name)  # another process may have dropped it since
        if self._exists(name):
            selector = models.FilterSelector(
                filter=models.Filter(must=[_match("file_id", file_id)])
            )
            self._call(
                "delete", lambda: self.client.delete(name, points_selector=selector, wait=True)
            )
        self.upsert(model, dimension, points)

    def drop(self, model: str, dimension: int) -> None:
        name = collection_name(model, dimension)
        with self._lock:
            self._known.discard(name)
            if self._call("collection_exists", lambda: self.client.collection_exists(name)):
                self._call("delete_collection", lambda: self.client.delete_collection(name))

    def _collections(self) -> list[str]:
        found = self._call("get_collections", self.client.get_collections)
        return [c.name for c in found.collections if c.name.startswith(COLLECTION_PREFIX)]

    def delete_file(self, file_id: str) -> None:
        selector = models.FilterSelector(filter=models.Filter(must=[_match("file_id", file_id)]))
        for name in self._collections():
            self._call(
                "delete",
                lambda n=name: self.client.delete(n, points_selector=selector, wait=True),  # type: ignore[misc]
            )

    def search(
        self,
        model: str,
        dimension: int,
        user_id: str,
        vector: npt.NDArray[np.float32],
        limit: int,
        file_ids: list[str] | None = None,
    ) -> list[VectorHit]:
        name = collection_name(model, dimension)
        if limit <= 0 or (file_ids is not None and not file_ids) or not self._exists(name):
            return []
        query = normalised(vector).reshape(-1)
        if query.shape != (dimension,):
            raise ValueError(f"query vector has shape {query.shape}, expected ({dimension},)")
        must: list[models.Condition] = [_match("user_id", user_id)]
        if file_ids is not None:
            must.append(
                models.FieldCondition(key="file_id", match=models.MatchAny(any=sorted(file_ids)))
            )
        response = self._call(
            "query_points",
            lambda: self.client.query_points(
                name,
                query=query.tolist(),
                query_filter=models.Filter(must=must),
                limit=limit,
                with_payload=True,
            ),
        )
        hits = []
        for point in response.points:
            payload = point.payload or {}
            if payload.get("user_id") != user_id:  # never trust, even the server's filter
                continue
            hits.append(
                VectorHit(
                    file_id=str(payload.get("file_id")),
                    chunk=int(payload.get("chunk", 0)),
                    score=float(point.score),
                    text=str(payload.get("text", "")),
                )
            )
        return hits

    def count(self, model: str, dimension: int, file_id: str | None = None) -> int:
        name = collection_name(model, dimension)
        if not self._exists(name):
            return 0
        count_filter = models.Filter(must=[_match("file_id", file_id)]) if file_id else None
        result = self._call(
            "count",
            lambda: self.client.count(name, count_filter=count_filter, exact=True),
        )
        return int(result.count)

    def check(self) -> None:
        self._call("get_collections", self.client.get_collections)

    def close(self) -> None:
        self.client.close()
