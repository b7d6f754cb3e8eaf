"""The retrieval bench's embedder: Drive2's own, by setting, with its vectors cached on disk.

EMBEDDING_MODEL picks the model as it does for Drive2 (multilingual-e5-small by default,
all-MiniLM-L6-v2), built by Drive2's own container, so the bench measures the adapter the
deployment runs.
The cache (SQLite, one row per model, side and text) makes the second deployment and every
re-run cost no embedding; it never changes a vector.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from drive2.config import Settings


class CachedEmbedder:
    def __init__(self, inner: Any, cache_dir: Path) -> None:
        self.inner = inner
        self.model_name: str = inner.model_name
        self.dimension: int = inner.dimension
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(cache_dir / "vectors.sqlite3", check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS v (k TEXT PRIMARY KEY, v BLOB)")
        self.hits = self.misses = 0

    def _cached(self, side: str, texts: list[str], fn: Any) -> npt.NDArray[np.float32]:
        keys = [hashlib.sha1(f"{self.model_name}\0{side}\0{t}".encode()).hexdigest() for t in texts]
        found: dict[str, bytes] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            found.update(self.db.execute(f"SELECT k, v FROM v WHERE k IN ({marks})", part))
        missing = [i for i, k in enumerate(keys) if k not in found]
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if missing:
            fresh = fn([texts[i] for i in missing])
            rows = [
                (keys[i], np.asarray(row, np.float32).tobytes())
                for i, row in zip(missing, fresh, strict=True)
            ]
            self.db.executemany("INSERT OR REPLACE INTO v VALUES (?, ?)", rows)
            self.db.commit()
            found.update(rows)
        out = np.zeros((len(texts), self.dimension), np.float32)
        for i, k in enumerate(keys):
            out[i] = np.frombuffer(found[k], np.float32)
        return out

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self._cached("passage", texts, self.inner.embed)

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self._cached("query", texts, self.inner.embed_queries)

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))

    def split_tokens(self, text: str, max_tokens: int, overlap: int) -> list[str]:
        return list(self.inner.split_tokens(text, max_tokens, overlap))


def embedder_for(model: str | None, cache_dir: Path) -> CachedEmbedder:
    import tempfile

    from drive2.bootstrap import build_container

    data_dir = Path(tempfile.mkdtemp(prefix="drive2-retrieval-model-"))
    overrides = {"EMBEDDING_MODEL": model} if model else {}
    settings = Settings(_env_file=None, DRIVE2_DATA_DIR=data_dir, **overrides)  # type: ignore[call-arg]
    inner: Any = build_container(settings).embedder
    inner.embed(["warm up"])
    return CachedEmbedder(inner, cache_dir)
