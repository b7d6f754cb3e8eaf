"""The offline answer: the sentence of the user's files that answers the question.

Two levels, both cheap enough for two shared cores:

1. Passages (the chunks retrieval found) are scored by meaning (the cosine of the question's
   and the chunk's embeddings, put on a 0..1 scale calibrated per model), by words (the
   share of the question's content words the passage holds, each word weighted by how rare
   it is among the candidates, so "budget" in every passage counts less than "Chiang Mai"
   in one) and by the keyword index's own ranking of the file.
2. The best passages are cut into sentences; each is scored by its words the same way, the
   most promising few also by meaning (a handful of short embeddings, not one per
   sentence), plus its passage's score. The best sentence is the answer, shortened to the
   part around the question's words when it is long.

"Found" needs the chosen passage to be relevant on its own terms, by words or by meaning;
see FOUND_MIN and the calibration, measured by bench/ask.py on held-out questions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from drive2.domain import answer_text as at
from drive2.ports.embedder import Embedder, reads_thai


@dataclass(frozen=True)
class Candidate:
    """A passage retrieval found for the question."""

    file_id: str
    filename: str
    text: str
    cosine: float | None  # None: found by words only (its file has no vectors)
    keyword_rank: int | None  # 0 for the keyword index's best file


@dataclass(frozen=True)
class ScoredPassage:
    candidate: Candidate
    score: float
    coverage: float  # weighted share of the question's words it holds, 0..1
    meaning: float  # calibrated cosine, 0..1

    @property
    def relevance(self) -> float:
        return max(self.coverage, self.meaning)


@dataclass(frozen=True)
class Pick:
    passage: ScoredPassage
    sentence: str  # the answer, shortened
    score: float


@dataclass(frozen=True)
class Calibration:
    """Cosines of one embedding model mapped to 0..1: `low` is what unrelated text scores,
    `high` what a passage answering the question scores."""

    low: float
    high: float
    #: (low, high) when the question and the passage are both Thai, for models whose Thai
    #: cosines run higher than their English ones (e5 does); None: the same as English.
    thai: tuple[float, float] | None = None
    #: False for a model that cannot read Thai (MiniLM maps Thai script to unknown tokens,
    #: so any two Thai texts look alike): its cosines say nothing about a Thai question.
    #: The embedder's own word (ports/embedder.reads_thai) decides.
    reads_thai: bool = True
    #: How much lower the model's cosine runs when the question and the passage are in
    #: different languages (a Thai question, an English file): added back before scaling, so
    #: an answer in the other language is not held to a bar only same-language text reaches.
    cross_gap: float = 0.0

    def scale(self, cosine: float | None, thai_pair: bool = False, cross: bool = False) -> float:
        if cosine is None:
            return 0.0
        low, high = self.thai if thai_pair and self.thai else (self.low, self.high)
        if cross:
            cosine += self.cross_gap
        return min(1.0, max(0.0, (cosine - low) / (high - low)))


#: Measured on the tuning sets (iapp valid, SQuAD dev; see the README): with the found
#: threshold below, a passage is "found" by meaning alone from a cosine of about
#: low + 0.55 (high - low). multilingual-e5-small crowds its cosines high, higher still
#: between two Thai texts: its best passage for a question about something not in the
#: drive scored 0.84-0.86 in Thai (0.78-0.80 in English), for an answerable one 0.89-0.93
#: (0.82-0.88), so the thresholds sit at 0.86 and 0.80. MiniLM spreads its cosines and
#: cannot read Thai.
CALIBRATIONS = {
    "minilm": Calibration(0.15, 0.65, reads_thai=False),
    # The cross-language gap is the one search measured for e5 (services/search_calibration).
    "e5": Calibration(0.76, 0.84, thai=(0.82, 0.895), cross_gap=0.04),
}
DEFAULT_CALIBRATION = Calibration(0.2, 0.8)

PASSAGE_WEIGHTS = (1.0, 1.0, 0.3)  # meaning, words, keyword rank
SENTENCE_WEIGHTS = (1.0, 0.6, 0.6)  # words, meaning, passage
PASSAGES_FOR_SENTENCES = 3
SENTENCES_EMBEDDED = 6
#: Added to a sentence's word score when the question asks for a number or a date and the
#: sentence has one.
NUMBER_BONUS = 0.3
#: The words alone choose the sentence when the best holds this share of the question's
#: weighted words and leads the next by this much.
WORDS_SURE = 0.7
WORDS_MARGIN = 0.15
EXTEND_BELOW_CHARS = 80
ANSWER_MAX_CHARS = 320
#: A passage this relevant (by words or by meaning) answers; below it, "not found".
FOUND_MIN = 0.55


def calibration_for(model_name: str) -> Calibration:
    name = model_name.lower()
    for key, value in CALIBRATIONS.items():
        if key in name:
            return value
    return DEFAULT_CALIBRATION


class WordWeights:
    """How much each question word counts: rarer among the candidate passages, more."""

    def __init__(self, terms: list[str], texts: list[str]) -> None:
        self.terms = terms
        bags = [_bag(t) for t in texts]
        n = len(bags)
        self.weights = {
            t: math.log(1.0 + (n + 1) / (sum(1 for b in bags if b.has(t)) + 0.5)) for t in terms
        }
        self.total = sum(self.weights.values()) or 1.0

    def coverage(self, text: str) -> float:
        bag = _bag(text)
        return sum(w for t, w in self.weights.items() if bag.has(t)) / self.total


class _Bag:
    """A text's words for membership tests: Thai words by substring (segmenters disagree
    on compounds, and segmenting every candidate would cost more than answering), others
    as whole words."""

    def __init__(self, text: str) -> None:
        self.low = at.normalise(text)
        self.words = at.latin_words(text)

    def has(self, term: str) -> bool:
        return term in self.low if at.is_thai(term) else term in self.words


@lru_cache(maxsize=1024)
def _bag(text: str) -> _Bag:
    return _Bag(text)


class ExtractiveAnswerer:
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        calibration = calibration_for(embedder.model_name)
        self.calibration = replace(calibration, reads_thai=reads_thai(embedder))

    def meaning(
        self, question: str, cosine: float | None, text: str = "", lift_cross: bool = True
    ) -> float:
        """The cosine on a 0..1 scale. lift_cross: a passage in the other language is lifted
        by the model's cross-language gap (whether it answers at all); sentences of one
        passage are compared among themselves unlifted, so the scale does not saturate."""
        thai_question = at.language(question) == "th"
        if not self.calibration.reads_thai and thai_question:
            return 0.0
        thai_text = at.language(text) == "th" if text else thai_question
        return self.calibration.scale(
            cosine,
            thai_question and thai_text,
            cross=lift_cross and bool(text) and thai_question != thai_text,
        )

    def _needs_meaning(self, question: str, word_scores: list[float]) -> bool:
        """Embedding sentences is the slow part of an answer: skip it when the model cannot
        read the question, or when the words alone already point at one sentence."""
        if not self.calibration.reads_thai and at.language(question) == "th":
            return False
        if not word_scores:
            return False
        ahead = word_scores[0] - (word_scores[1] if len(word_scores) > 1 else 0.0)
        return word_scores[0] < WORDS_SURE or ahead < WORDS_MARGIN

    def rank(
        self, question: str, terms: list[str], candidates: list[Candidate]
    ) -> list[ScoredPassage]:
        weights = WordWeights(terms, [c.text for c in candidates])
        w_mean, w_words, w_rank = PASSAGE_WEIGHTS
        scored = []
        for c in candidates:
            meaning = self.meaning(question, c.cosine, c.text)
            coverage = weights.coverage(c.filename + " " + c.text)
            rank = 1.0 / (1 + c.keyword_rank) if c.keyword_rank is not None else 0.0
            score = (w_mean * meaning + w_words * coverage + w_rank * rank) / sum(PASSAGE_WEIGHTS)
            scored.append(ScoredPassage(c, score, coverage, meaning))
        scored.sort(key=lambda p: -p.score)
        return scored

    def pick(
        self,
        question: str,
        terms: list[str],
        question_vector: npt.NDArray[np.float32],
        ranked: list[ScoredPassage],
    ) -> Pick | None:
        numeric = at.asks_for_number(question)
        how_long = at.asks_how_long(question)
        split = [(p, at.sentences(p.candidate.text)) for p in ranked[:PASSAGES_FOR_SENTENCES]]
        # Weighted among these sentences: the words every sentence shares (the subject of
        # the article) count less than the word that tells the right sentence apart.
        weights = WordWeights(terms, [s.text for _, found in split for s in found])
        options: list[tuple[float, ScoredPassage, list[at.Sentence], int]] = []
        for passage, found in split:
            for i, s in enumerate(found):
                fits = at.answers_how_long(s.text) if how_long else at.has_number(s.text)
                bonus = NUMBER_BONUS if numeric and fits else 0.0
                options.append((weights.coverage(s.text) + bonus, passage, found, i))
        if not options:
            return None
        w_words, w_mean, w_passage = SENTENCE_WEIGHTS
        options.sort(key=lambda o: -(o[0] + 0.5 * o[1].score))
        head = options[:SENTENCES_EMBEDDED]
        cosines: list[float | None] = [None] * len(head)
        if self._needs_meaning(question, sorted((o[0] for o in head), reverse=True)):
            # Only the likeliest few are embedded: a short embedding costs 10-40 ms here.
            vectors = self.embedder.embed([found[i].text for _, _, found, i in head])
            cosines = [float(x) for x in vectors @ np.asarray(question_vector, dtype=np.float32)]
        best: tuple[float, ScoredPassage, list[at.Sentence], int] | None = None
        for (words_score, passage, found, i), cosine in zip(head, cosines, strict=True):
            meaning = self.meaning(question, cosine, found[i].text, lift_cross=False)
            score = (w_words * words_score + w_mean * meaning + w_passage * passage.score) / sum(
                SENTENCE_WEIGHTS
            )
            if best is None or score > best[0]:
                best = (score, passage, found, i)
        assert best is not None
        score, passage, found, i = best
        text = found[i].text
        # A short sentence rarely answers on its own ("It was founded in 1902." needs its
        # subject): the next one of the same passage comes along.
        if len(text) < EXTEND_BELOW_CHARS and i + 1 < len(found):
            text = f"{text} {found[i + 1].text}"
        return Pick(passage, at.shorten(text, terms, ANSWER_MAX_CHARS), min(score, 1.0))
