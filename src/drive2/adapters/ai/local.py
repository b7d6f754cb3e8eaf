"""The offline provider: the embedded default and the last fallback of the AI chain.

No network and no generative model: the packaged all-MiniLM-L6-v2 embeds sentences and
candidate phrases; the summary is the two or three most central sentences (TextRank over
their similarities), the tags the key phrases closest to the whole document (KeyBERT-style,
with maximal marginal relevance), and the suggested filename the content date and the best
phrases. Every summary sentence and every tag is text of the document (or a metadata fact),
so nothing in the document can make it write anything else.

An English-only model (all-MiniLM-L6-v2) reads Thai as unknown tokens, so with it text that
is mostly not in Latin script is vectorised lexically instead (TF-IDF over pythainlp's newmm
words, IDF from the Thai National Corpus frequencies bundled with pythainlp); a multilingual
embedder (ports/embedder.py reads_thai) embeds Thai like English.

Table rows, page furniture and courtesy lines (adapters/ai/boilerplate.py) are left out of
both the summary and the tags; tags are whole words (adapters/ai/keyphrases.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from drive2.adapters.ai import facts, keyphrases
from drive2.adapters.ai.boilerplate import content_text
from drive2.adapters.ai.keyphrases import Candidate, LexicalSpace
from drive2.adapters.ai.language import detect_language, latin_share, stopwords_for
from drive2.adapters.ai.segment import normalise, shorten, split_sentences, word_tokens
from drive2.domain.document_date import SOURCE_UPLOADED
from drive2.domain.models import AiMetadata
from drive2.ports.embedder import Embedder, reads_thai

Matrix = npt.NDArray[np.float32]

#: Work on this much of a long text so the stage stays fast (the embed stage covers the rest).
MAX_INPUT_CHARS = 50_000
MAX_SENTENCES = 150
MAX_CANDIDATES = 100
DOCUMENT_CHUNKS = 4
CHUNK_TOKENS = 256
MAX_TAGS = 8
KEY_PHRASES = 6
SUMMARY_SENTENCES = 3
SUMMARY_CHARS = 500
SENTENCE_CHARS = 300
LEAD_CHARS = 200
FILENAME_PARTS = 3
#: Below this share of Latin letters the text is vectorised lexically: MiniLM would read
#: the rest as unknown tokens, and a lexical ranking of English words is still sound.
EMBEDDED_LATIN_SHARE = 0.7


@dataclass
class _Analysis:
    summary: list[str]
    phrases: list[str]


class LocalAiProvider:
    name = "local"

    def __init__(
        self,
        embedder: Embedder,
        *,
        timezone: str = "Asia/Bangkok",
        today: Callable[[], date] | None = None,
    ) -> None:
        self.embedder = embedder
        self.multilingual = reads_thai(embedder)
        self.model = f"{embedder.model_name}+extractive"
        self.timezone = timezone
        self._today = today or (lambda: datetime.now(ZoneInfo(timezone)).date())

    def analyse(self, text: str, filename: str, metadata: Mapping[str, object]) -> AiMetadata:
        """Filename, summary, tags and language; never raises because of what the text is."""
        text = text[:MAX_INPUT_CHARS]
        language = detect_language(text)
        today = self._today()
        dated = facts.file_date(text, metadata, self.timezone, today)
        # The upload day names the file but is no fact about it: no year tag from it.
        when = dated.value if dated and dated.source != SOURCE_UPLOADED else None
        kind = facts.document_type(text)
        first, last = facts.metadata_tags(metadata, when, kind)
        found = self._text(text, language)
        phrases = [p for p in found.phrases if not any(p in k or k in p for k in first)]
        room = max(MAX_TAGS - len(first) - len(last), 3)
        tags = list(dict.fromkeys([*first, *phrases[:room], *last]))[:MAX_TAGS]
        return AiMetadata(
            suggested_filename=facts.suggested_filename(
                dated.value if dated else today, [*first, *phrases], filename, FILENAME_PARTS
            ),
            summary=" ".join(found.summary) or None,
            tags=tags,
            language=language,
            provider=self.name,
            model=self.model,
        )

    def summary_sentences(self, text: str) -> list[str]:
        """The sentences the summary is made of, in document order."""
        return self._text(text[:MAX_INPUT_CHARS], detect_language(text)).summary

    # --- the text ----------------------------------------------------------------------------

    def _text(self, text: str, language: str | None) -> _Analysis:
        stopwords = stopwords_for(language)
        text = content_text(text)
        tokens = word_tokens(text, pos=True)
        found = keyphrases.candidates(text, tokens, stopwords, MAX_CANDIDATES)
        if not found:
            return _Analysis(summary=[], phrases=[])
        sentences = [shorten(s, SENTENCE_CHARS) for s in split_sentences(text)][:MAX_SENTENCES]
        if self.multilingual or latin_share(text) >= EMBEDDED_LATIN_SHARE:
            sentence_vectors, phrase_vectors, document = self._embedded(text, sentences, found)
        else:
            sentence_vectors, phrase_vectors, document = _lexical(
                [t.text.lower() for t in tokens], sentences, found, stopwords
            )
        ranked = keyphrases.rank(found, phrase_vectors, document, KEY_PHRASES)
        summary = _summary(sentences, sentence_vectors) if sentences else _lead(text)
        return _Analysis(summary=summary, phrases=[c.phrase for c in ranked])

    def _embedded(
        self, text: str, sentences: list[str], found: list[Candidate]
    ) -> tuple[Matrix, Matrix, Matrix]:
        head = text[: DOCUMENT_CHUNKS * CHUNK_TOKENS * 6]  # ~6 characters a token at most
        chunks = self.embedder.split_tokens(head, CHUNK_TOKENS, 32)[:DOCUMENT_CHUNKS]
        # Three calls, not one: a batch is padded to its longest text, and one 256-token
        # chunk or long sentence among short phrases would cost as much as 32 of them.
        chunk_vectors = self.embedder.embed(chunks)
        sentence_vectors = self.embedder.embed(sentences)
        phrase_vectors = self.embedder.embed([c.phrase for c in found])
        parts = [m.mean(axis=0) for m in (sentence_vectors, chunk_vectors) if len(m)]
        document = np.mean(parts, axis=0) if parts else np.zeros(self.embedder.dimension)
        return sentence_vectors, phrase_vectors, _unit(document)


def _lexical(
    words: list[str], sentences: list[str], found: list[Candidate], stopwords: frozenset[str]
) -> tuple[Matrix, Matrix, Matrix]:
    content = [w for w in words if w not in stopwords and w not in keyphrases.thai_stopwords()]
    space = LexicalSpace(content)
    sentence_words = [[t.text.lower() for t in word_tokens(s)] for s in sentences]
    return (
        space.vectors(sentence_words),
        space.vectors([c.words for c in found]),
        space.vectors([content])[0],
    )


def _unit(vector: npt.NDArray[np.floating]) -> Matrix:
    norm = float(np.linalg.norm(vector))
    return np.asarray(vector / norm if norm > 0 else vector, dtype=np.float32)


def centrality(vectors: Matrix, damping: float = 0.85) -> npt.NDArray[np.float64]:
    """TextRank: PageRank over the sentence similarity graph."""
    count = len(vectors)
    similarity = np.clip(vectors @ vectors.T, 0.0, None).astype(np.float64)
    np.fill_diagonal(similarity, 0.0)
    totals = similarity.sum(axis=1, keepdims=True)
    transition = np.divide(similarity, totals, out=np.zeros_like(similarity), where=totals > 0)
    score = np.full(count, 1.0 / count)
    for _ in range(50):
        score = (1 - damping) / count + damping * (transition.T @ score)
    return score


def _summary(sentences: list[str], vectors: Matrix) -> list[str]:
    count = len(sentences)
    # A light lead bias: documents tend to say what they are about early.
    lead = 1.0 + 0.15 * (1.0 - np.arange(count) / count)
    order = np.argsort(-(centrality(vectors) * lead), kind="stable")
    chosen: list[int] = []
    length = 0
    for index in (int(i) for i in order):
        sentence = sentences[index]
        if any(float(vectors[index] @ vectors[j]) > 0.9 for j in chosen):
            continue  # a near repeat says nothing new
        if chosen and length + 1 + len(sentence) > SUMMARY_CHARS:
            continue
        chosen.append(index)
        length += len(sentence) + (1 if length else 0)
        if len(chosen) == SUMMARY_SENTENCES:
            break
    return [shorten(sentences[i], SUMMARY_CHARS) for i in sorted(chosen)]


def _lead(text: str) -> list[str]:
    """No sentence to choose from (a form, a slip, a list): its first lines of words (not
    account numbers or amounts), as written."""
    lines: list[str] = []
    length = 0
    for raw in text.splitlines():
        line = normalise(raw)
        letters = sum(1 for ch in line if ch.isalpha() or "\u0e31" <= ch <= "\u0e4e")
        if not line or letters < 0.6 * len(line.replace(" ", "")):
            continue
        if lines and length + len(line) > LEAD_CHARS:
            break
        lines.append(shorten(line, LEAD_CHARS))
        length += len(line) + 1
    return lines
