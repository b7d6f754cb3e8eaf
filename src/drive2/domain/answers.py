"""Answers to a user's question about their own files, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AnswerMode(StrEnum):
    EXTRACTIVE = "extractive"
    GEMINI = "gemini"
    OLLAMA = "ollama"


@dataclass(frozen=True)
class Passage:
    """A piece of one of the user's files that may hold the answer."""

    id: str  # "P1", "P2"...: how an LLM refers to it
    file_id: str
    filename: str
    text: str
    score: float  # retrieval relevance, 0..1


@dataclass(frozen=True)
class Citation:
    file_id: str
    filename: str
    quote: str  # words of that file, as stored
    score: float


@dataclass(frozen=True)
class Answer:
    text: str
    found: bool
    mode: AnswerMode
    citations: list[Citation] = field(default_factory=list)
    #: The question's language as the answer was written for it ("th" or "en").
    language: str = "en"


@dataclass(frozen=True)
class DraftCitation:
    """What an LLM says it used: a passage id and the words it quotes from it."""

    passage: str
    quote: str


@dataclass(frozen=True)
class DraftAnswer:
    """An LLM's answer before its citations are checked against the passages."""

    text: str
    found: bool
    citations: list[DraftCitation]
    provider: str
    model: str
