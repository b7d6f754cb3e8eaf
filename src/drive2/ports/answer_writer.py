"""Who writes a grounded answer from passages of the user's files (an LLM chain)."""

from __future__ import annotations

from typing import Protocol

from drive2.domain.answers import DraftAnswer, Passage


class AnswerWriter(Protocol):
    @property
    def available(self) -> bool:
        """False when no LLM is configured: questions stay extractive without asking."""
        ...

    def write(self, question: str, passages: list[Passage]) -> DraftAnswer | None:
        """An answer written only from the passages, citing them; None when no provider
        could answer now (skipped for its limits, breaker open, failed, or unusable), so the
        caller falls back to its own extractive answer."""
        ...
