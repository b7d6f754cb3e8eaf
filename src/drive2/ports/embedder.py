"""Turns text into vectors for semantic search."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt


class Embedder(Protocol):
    """An embedder may also say `multilingual = True` when it reads more than English
    (Thai among them): the local AI then embeds Thai text instead of weighing its words
    lexically. Without the attribute, a model whose name says "multilingual" counts as one
    (see reads_thai)."""

    #: Names the vector space: vectors of two models never share a collection.
    model_name: str
    dimension: int

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """One L2-normalised row per text, each read as a passage of a document."""
        ...

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """One L2-normalised row per text, each read as a search query or a question.

        Asymmetric models (e5's "query: " / "passage: " prefixes) rank far better when the
        two sides are told apart; symmetric ones embed both the same way."""
        ...

    def count_tokens(self, text: str) -> int: ...

    def split_tokens(self, text: str, max_tokens: int, overlap: int) -> list[str]:
        """Cut text into pieces of at most max_tokens model tokens, overlapping by overlap."""
        ...


def reads_thai(embedder: Embedder) -> bool:
    """Whether the embedder's vectors mean something for Thai text (all-MiniLM-L6-v2 maps
    Thai script to unknown tokens; multilingual-e5 reads it)."""
    flag = getattr(embedder, "multilingual", None)
    if isinstance(flag, bool):
        return flag
    return "multilingual" in embedder.model_name.lower()
