"""The embedder search uses: the configured model once its collection is complete, until then
the model whose collection still serves (so search keeps answering during re-embedding).

It answers the Embedder port, so the search service needs no notion of re-embedding. The
serving model is looked up at most every few seconds; the old model is loaded only while it
serves (in the API process, during re-embedding).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from drive2.ports.embedder import Embedder

RECHECK_SECONDS = 2.0


class ServingEmbedder:
    def __init__(
        self,
        configured: Embedder,
        serving_model: Callable[[], tuple[str, int]],
        build: Callable[[str], Embedder],
    ) -> None:
        self.configured = configured
        self._serving_model = serving_model
        self._build = build
        self._others: dict[str, Embedder] = {}
        self._current: Embedder = configured
        self._checked = -RECHECK_SECONDS
        self._lock = threading.Lock()

    def current(self) -> Embedder:
        now = time.monotonic()
        if now - self._checked < RECHECK_SECONDS:
            return self._current
        with self._lock:
            model, _ = self._serving_model()
            if model == self.configured.model_name:
                self._current = self.configured
                self._others.clear()  # the old model is no longer needed: let it go
            else:
                if model not in self._others:
                    self._others[model] = self._build(model)
                self._current = self._others[model]
            self._checked = now
            return self._current

    @property
    def model_name(self) -> str:
        return self.current().model_name

    @model_name.setter
    def model_name(self, value: str) -> None:
        raise AttributeError("the serving model follows the collections, not a setter")

    @property
    def dimension(self) -> int:
        return self.current().dimension

    @dimension.setter
    def dimension(self, value: int) -> None:
        raise AttributeError("the serving model follows the collections, not a setter")

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self.current().embed(texts)

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self.current().embed_queries(texts)

    def count_tokens(self, text: str) -> int:
        return self.current().count_tokens(text)

    def split_tokens(self, text: str, max_tokens: int, overlap: int) -> list[str]:
        return self.current().split_tokens(text, max_tokens, overlap)
