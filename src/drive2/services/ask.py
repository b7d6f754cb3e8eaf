"""Ask your drive: the answer to a question from the caller's own files, with its sources.

Retrieval uses the same ports as search: the vector index (the question embedded as a query,
this user's chunks only) and the keyword index (this user's files only); every file is then
confirmed through the keyword index's `files`, which answers only for the user's own, live
files, before any of its words are used. The offline answer is extractive
(services/answer_extractive.py). When an LLM is configured (AnswerWriter), it writes the
answer from the best passages, and its citations are checked against them
(domain/grounding.py); when it cannot answer, or cites nothing it was given, the extractive
answer stands.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from drive2.config import Settings
from drive2.domain import answer_text as at
from drive2.domain.answers import Answer, AnswerMode, Citation, Passage
from drive2.domain.errors import InvalidInputError
from drive2.domain.grounding import checked_citations
from drive2.domain.models import User
from drive2.ports.answer_writer import AnswerWriter
from drive2.ports.embedder import Embedder
from drive2.ports.keyword_index import KeywordIndex, SearchFilters
from drive2.ports.vector_index import VectorIndex
from drive2.services.answer_extractive import (
    FOUND_MIN,
    Candidate,
    ExtractiveAnswerer,
    ScoredPassage,
)

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
DEFAULT_CITATIONS = 3
MAX_CITATIONS = 10
#: Chunks asked of the vector index, and files of the keyword index, per question.
CHUNK_DEPTH = 30
KEYWORD_FILES = 8
#: Pieces of a file's text used when it has no vectors (found by its words only).
TEXT_PIECE_CHARS = 1200
TEXT_PIECES_PER_FILE = 40
#: Passages an LLM is given, and how relevant the best must be for one to be asked at all.
LLM_PASSAGES = 5
LLM_RELEVANCE_MIN = FOUND_MIN * 0.6

NOT_FOUND = {
    "en": "I could not find the answer to that in your files.",
    "th": "ขออภัย ไม่พบคำตอบของคำถามนี้ในไฟล์ของคุณ",
}

#: (channel, mode, found, seconds): the deployment-wide question metrics.
QuestionRecorder = Callable[[str, str, bool, float], None]


def not_found(language: str, mode: AnswerMode = AnswerMode.EXTRACTIVE) -> Answer:
    return Answer(NOT_FOUND.get(language, NOT_FOUND["en"]), False, mode, [], language)


class AskService:
    def __init__(
        self,
        keyword: KeywordIndex,
        vectors: VectorIndex,
        embedder: Embedder,
        settings: Settings,
        writer: AnswerWriter | None = None,
        record: QuestionRecorder | None = None,
    ) -> None:
        self.keyword = keyword
        self.vectors = vectors
        self.embedder = embedder
        self.settings = settings
        self.writer = writer
        self.record = record
        self.extractive = ExtractiveAnswerer(embedder)

    def ask(
        self, user: User, question: str, limit: int | None = None, channel: str = "api"
    ) -> Answer:
        question = " ".join((question or "").split())
        if not question:
            raise InvalidInputError("q must not be empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidInputError(f"q is longer than {MAX_QUESTION_CHARS} characters")
        limit = max(1, min(limit or DEFAULT_CITATIONS, MAX_CITATIONS))
        started = time.perf_counter()
        answer = self._answer(user, question, limit)
        if self.record is not None:
            self.record(channel, answer.mode.value, answer.found, time.perf_counter() - started)
        return answer

    # --- the steps ------------------------------------------------------------------------
    def _answer(self, user: User, question: str, limit: int) -> Answer:
        language = at.language(question)
        terms = at.content_words(question)
        vector = self.embedder.embed_queries([question])[0]
        candidates = self._retrieve(user, question, vector)
        if not candidates:
            return not_found(language)
        ranked = self.extractive.rank(question, terms, candidates)
        best = ranked[0]
        if self._llm_wanted() and best.relevance >= LLM_RELEVANCE_MIN:
            written = self._written(question, ranked, limit, language)
            if written is not None:
                return written
        if best.relevance < FOUND_MIN:
            return not_found(language)
        pick = self.extractive.pick(question, terms, vector, ranked)
        if pick is None or pick.passage.relevance < FOUND_MIN:
            return not_found(language)
        c = pick.passage.candidate
        citation = Citation(c.file_id, c.filename, pick.sentence, round(pick.score, 4))
        return Answer(pick.sentence, True, AnswerMode.EXTRACTIVE, [citation], language)

    def _llm_wanted(self) -> bool:
        return bool(self.settings.ask_use_llm and self.writer and self.writer.available)

    def _written(
        self, question: str, ranked: list[ScoredPassage], limit: int, language: str
    ) -> Answer | None:
        assert self.writer is not None
        passages = [
            Passage(f"P{i}", p.candidate.file_id, p.candidate.filename, p.candidate.text, p.score)
            for i, p in enumerate(ranked[:LLM_PASSAGES], start=1)
        ]
        draft = self.writer.write(question, passages)
        if draft is None:
            return None
        try:
            mode = AnswerMode(draft.provider)
        except ValueError:
            log.warning("answer from an unknown provider %r ignored", draft.provider)
            return None
        if not draft.found:
            return not_found(language, mode)
        citations = checked_citations(draft.citations, passages, limit)
        if not citations:
            log.warning("%s answered without a supported citation; answering offline", mode)
            return None
        return Answer(draft.text, True, mode, citations, language)

    def _retrieve(
        self, user: User, question: str, vector: npt.NDArray[np.float32]
    ) -> list[Candidate]:
        model, dim = self.embedder.model_name, self.embedder.dimension
        hits = self.vectors.search(model, dim, user.id, vector, CHUNK_DEPTH)
        keyword = self.keyword.search(user.id, question, KEYWORD_FILES, SearchFilters())
        rank = {h.file_id: i for i, h in enumerate(keyword)}
        with_chunks = {h.file_id for h in hits}
        missing = [fid for fid in rank if fid not in with_chunks]
        if missing:
            hits += self.vectors.search(
                model,
                dim,
                user.id,
                vector,
                3 * len(missing),
                file_ids=missing,
            )
        # Only the user's own, live files: anything else retrieval returned is dropped here.
        files = self.keyword.files(
            user.id, list(dict.fromkeys([h.file_id for h in hits] + missing))
        )
        out: list[Candidate] = []
        seen: set[tuple[str, int]] = set()
        for h in hits:
            f = files.get(h.file_id)
            if f is None or (h.file_id, h.chunk) in seen or not h.text.strip():
                continue
            seen.add((h.file_id, h.chunk))
            out.append(Candidate(f.file_id, f.filename, h.text, h.score, rank.get(h.file_id)))
        found = {c.file_id for c in out}
        for fid in missing:
            f = files.get(fid)
            if f is None or fid in found:
                continue
            text = f.text[: TEXT_PIECE_CHARS * TEXT_PIECES_PER_FILE]
            for start in range(0, len(text), TEXT_PIECE_CHARS):
                piece = text[start : start + TEXT_PIECE_CHARS]
                if piece.strip():
                    out.append(Candidate(f.file_id, f.filename, piece, None, rank.get(fid)))
        return out
