"""What a file's vectors are made of, for the embed stage and for re-embedding alike."""

from __future__ import annotations

from collections.abc import Mapping

from drive2.domain.models import AiMetadata
from drive2.domain.money import describe
from drive2.domain.picture_summary import picture_view


def embedding_text(text: str, summary: str | None, metadata: Mapping[str, object]) -> str:
    """The file's text, and first, for a picture, its description (what is in it, where,
    when): a photo has no text, yet "a kitten in Chiang Mai" should find it by meaning."""
    if summary and picture_view(metadata) is not None:
        return f"{summary}\n\n{text}" if text.strip() else summary
    return text


def own_passages(ai: AiMetadata | None) -> list[str]:
    """Passages that say what the file is, embedded as chunks of their own ahead of its
    text: a money record's English line and its Thai line (one language per passage, so an
    English-only embedder still reads one of them)."""
    if ai is None or ai.money is None:
        return []
    return [line for line in describe(ai.money).split("\n") if line.strip()]
