"""Key phrases, KeyBERT-style: candidate phrases of one to three words (four short Thai
words) taken from the text, ranked by similarity to the whole document, then picked with
maximal marginal relevance so the tags do not repeat each other.

The vectors come from outside: MiniLM embeddings for Latin-script text, or the lexical
TF-IDF space below for scripts the English model cannot read (its vocabulary turns Thai
into unknown tokens, so every Thai phrase would embed to the same vector).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from drive2.adapters.ai.segment import THAI_CHAR, Token, is_known_thai_word, is_whole_thai_word

Matrix = npt.NDArray[np.float32]

MAX_LATIN_WORDS = 3
#: A name written in capitals may run longer ("Chiang Mai Coffee Roasters").
MAX_NAME_WORDS = 4
MAX_THAI_WORDS = 4
MAX_PHRASE_CHARS = 40
MAX_THAI_PHRASE_CHARS = 24
#: A Thai word standing alone as a tag has at least this many letters ("ไฟ" says little).
MIN_THAI_TAG_CHARS = 3
#: The Thai tagger (perceptron, orchid_ud) errs both ways on nouns it does not know: a word
#: it calls a noun anywhere in the document is a noun everywhere; otherwise only its verbs
#: and adverbs are left out (function words are stopwords already).
NOUN_POS = frozenset({"NOUN", "PROPN"})
NOT_PHRASE_POS = frozenset({"VERB", "ADV", "NUM", "AUX", "SCONJ", "CCONJ", "ADP", "DET", "PRON"})
#: Units, counters, field labels, titles and number words: frequent on forms, never what a
#: document is about, and never the edge of a tag ("เงินประกันสอง", "ห้องชุดเลขที่").
THAI_GENERIC = frozenset(
    """บาท สตางค์ ชิ้น แก้ว อัน ครั้ง วัน เดือน ปี เวลา น ราย รายการ ท่าน คน ที่ ฉบับ หน้า
    เลขที่ วันที่ ข้อ จำนวน หมายเหตุ ชื่อ ลงชื่อ เรื่อง โทร ครั้งที่ ลำดับ ดังกล่าว ทั้งหมด
    ทั้งสิ้น รวม ร้อยละ เป็นเงิน ยอด จำกัด บริษัท นาย นาง นางสาว สำหรับ ของ และ หรือ ตาม
    ค่าธรรมเนียม ไปยัง จาก ถึง ตั้งแต่ ภายใน เมื่อ ซึ่ง โดย ฝ่ายหนึ่ง อีกฝ่ายหนึ่ง
    หนึ่ง สอง สาม สี่ ห้า หก เจ็ด แปด เก้า สิบ ยี่สิบ ร้อย พัน หมื่น แสน ล้าน ศูนย์ ครึ่ง
    มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม
    พฤศจิกายน ธันวาคม""".split()
)
#: English words that break a key phrase: common verbs, adverbs and currency codes (no
#: tagger for English offline; these keep "late payments incur" out).
BREAK_WORDS = frozenset(
    """show shows showed shown met incur incurs incurred include includes included
    including provide provides provided contain contains agreed agree presented raised
    moved planned prepare prepared measure measured reviewed named said says see seen
    need needs needed want wants take takes took give gives given keep kept put called
    find found think know known looks helps started ended become became leave left
    tested properly weekly daily monthly covers covered delivered deliver apply applies
    applied remove removed make makes making discuss discussed decided decide asked ask
    sent send receive received paid pay pays read write written went go goes going come
    comes came try tried following follows follow based really quickly currently usually
    already soon later today yesterday tomorrow thb usd eur gbp jpy closes opens runs
    grew grow grows led benefited declined extend extends will would can could should
    finish finishes welcomed carried connect connects covering asked still next last every
    collect collects get gets run
    ltd co inc corp llc plc pte bhd""".split()
)
#: English nouns too general to be a tag or the edge of one ("days", "q4 total").
GENERIC_WORDS = frozenset(
    """day days week weeks month months year years hour hours minute minutes time times
    total subtotal amount amounts date dates page pages description qty quantity price due
    prices unit units item items number no balance change vat percent percentage
    thousand thousands hundred hundreds million millions billion dozen half
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december jan feb mar apr jun jul aug
    sep sept oct nov dec first second third one two three four five six seven eight nine
    ten eleven twelve twenty thirty forty fifty sixty seventy eighty ninety""".split()
)
#: Words in -ed that name things or qualities rather than tell what happened.
_ED_NOUNS = frozenset(
    "limited united registered certified detailed advanced used red bed shed speed need feed "
    "seed deed hundred bred shared fixed mixed".split()
)


@dataclass
class Candidate:
    phrase: str
    words: tuple[str, ...]
    count: int = 0
    first: int = 0
    score: float = field(default=0.0, compare=False)


# --- candidates --------------------------------------------------------------------------


def candidates(
    text: str, tokens: Sequence[Token], stopwords: frozenset[str], limit: int
) -> list[Candidate]:
    """Whole-word phrases of consecutive content words that never cross punctuation, a line
    break or a stopword, and never begin or end with a label, a number word, a generic
    word or half of a name; the most frequent (then earliest) `limit` of them."""
    found: dict[str, Candidate] = {}
    nouns = frozenset(t.text for t in tokens if t.pos in NOUN_POS)
    names = _name_parts(text, tokens)
    for run in _runs(text, tokens, stopwords | BREAK_WORDS | THAI_GENERIC, nouns):
        thai = any(THAI_CHAR.search(t.text) for t in run)
        capitals = not thai and all(t.text[:1].isupper() for t in run)
        longest = MAX_THAI_WORDS if thai else MAX_NAME_WORDS if capitals else MAX_LATIN_WORDS
        for i in range(len(run)):
            for n in range(1, longest + 1):
                span = run[i : i + n]
                if len(span) < n:
                    break
                if _edges_ok(span, thai, nouns, names):
                    _add(found, text, span, thai)
    ranked = sorted(_whole_compounds(found), key=lambda c: (-c.count, c.first))
    return ranked[:limit]


def _whole_compounds(found: dict[str, Candidate]) -> list[Candidate]:
    """A Thai candidate never seen outside one longer candidate is part of a compound the
    dictionary lacks ("พาณิชย์" of "ไทยพาณิชย์"): the longer one stands for it."""
    thai = [c for c in found.values() if THAI_CHAR.search(c.phrase)]
    inside = {
        c.phrase
        for c in thai
        for longer in thai
        if longer is not c and c.phrase in longer.phrase and longer.count >= c.count
    }
    return [c for c in found.values() if c.phrase not in inside]


def _name_parts(text: str, tokens: Sequence[Token]) -> tuple[frozenset[str], frozenset[str]]:
    """(words that always go on into a capitalised word, words that always follow one):
    "Chiang" of "Chiang Mai" and "Chiang Rai" is never a tag alone, nor the end of one."""
    followed: dict[str, bool] = {}
    preceded: dict[str, bool] = {}
    for left, right in pairwise(tokens):
        gap = text[left.end : right.start]
        joined = gap.strip(" ") == "" and "\n" not in gap
        named = joined and left.text[:1].isupper() and right.text[:1].isupper()
        named = named and right.text.lower() not in BREAK_WORDS and right.text.isalpha()
        key_left, key_right = left.text.lower(), right.text.lower()
        followed[key_left] = followed.get(key_left, True) and named
        preceded[key_right] = preceded.get(key_right, True) and named
    first = tokens[0].text.lower() if tokens else ""
    last = tokens[-1].text.lower() if tokens else ""
    followed[last] = False
    preceded[first] = False
    return (
        frozenset(w for w, always in followed.items() if always),
        frozenset(w for w, always in preceded.items() if always),
    )


def _edges_ok(
    span: list[Token],
    thai: bool,
    nouns: frozenset[str],
    names: tuple[frozenset[str], frozenset[str]],
) -> bool:
    first, last = span[0], span[-1]
    if thai:
        if first.pos == "ADJ":  # Thai adjectives follow their noun
            return False
        head_ok = first.pos in NOUN_POS or first.text in nouns or not is_known_thai_word(first.text)
        # The tagger is surer of a word in its place: "ฝ่ายขาย|รายงาน" there is a verb.
        tail_ok = last.pos not in ("VERB", "ADV") or (len(span) == 1 and first.pos is None)
        return head_ok and tail_ok and _thai_edge(first.text) and _thai_edge(last.text)
    goes_on, follows = names
    if last.text.lower() in goes_on or first.text.lower() in follows:
        return False  # half of a name
    return not (_generic(first.text) or _generic(last.text))


def _thai_edge(word: str) -> bool:
    return THAI_CHAR.search(word) is None or (is_whole_thai_word(word) and word not in THAI_GENERIC)


def _generic(word: str) -> bool:
    return word.lower() in GENERIC_WORDS


def _runs(
    text: str, tokens: Sequence[Token], stopwords: frozenset[str], nouns: frozenset[str]
) -> list[list[Token]]:
    runs: list[list[Token]] = []
    current: list[Token] = []
    previous: Token | None = None
    for token in tokens:
        if not _content_word(token, stopwords, nouns):
            if current:
                runs.append(current)
            current, previous = [], None
            continue
        if previous is not None and not _joins(text[previous.end : token.start], previous, token):
            runs.append(current)
            current = []
        current.append(token)
        previous = token
    if current:
        runs.append(current)
    return runs


def _joins(gap: str, left: Token, right: Token) -> bool:
    if gap == "":
        return True
    if gap.strip(" \t"):
        return False  # punctuation or a line break
    # A space inside Thai separates clauses; between Latin words it is just a space.
    return not (THAI_CHAR.search(left.text) or THAI_CHAR.search(right.text))


def _content_word(token: Token, stopwords: frozenset[str], nouns: frozenset[str]) -> bool:
    if token.pos in NOT_PHRASE_POS and token.text not in nouns:
        return False
    word = token.text
    lowered = word.lower()
    if lowered in stopwords or lowered in thai_stopwords():
        return False
    if not THAI_CHAR.search(word):
        if any(ch.isdigit() for ch in word):
            return False  # a code or a quantity: "q4", "500ml", "inv-2025"
        if lowered.endswith("ed") and len(lowered) > 4 and lowered not in _ED_NOUNS:
            return False  # what happened, not what it is about: "lampang declined"
    elif not is_whole_thai_word(word):
        return False
    letters = sum(1 for ch in word if ch.isalpha() or "\u0e31" <= ch <= "\u0e4e")
    return letters > 0 and letters >= 0.5 * len(word)


def _edge(word: str) -> bool:
    """May start or end a phrase: not a one-letter fragment."""
    return len(word) >= 2


def _add(found: dict[str, Candidate], text: str, span: list[Token], thai: bool) -> None:
    words = tuple(t.text.lower() for t in span)
    if len(set(words)) < len(words) or not (_edge(words[0]) and _edge(words[-1])):
        return
    phrase = " ".join(text[span[0].start : span[-1].end].lower().split())
    if len(phrase) > (MAX_THAI_PHRASE_CHARS if thai else MAX_PHRASE_CHARS):
        return
    if len(span) == 1 and not thai and len(phrase) < 3:
        return
    if len(span) == 1 and thai and len(phrase) < MIN_THAI_TAG_CHARS:
        return
    candidate = found.get(phrase)
    if candidate is None:
        candidate = found[phrase] = Candidate(phrase, words, 0, span[0].start)
    candidate.count += 1


# --- ranking -----------------------------------------------------------------------------


def rank(
    found: list[Candidate],
    vectors: Matrix,
    document: Matrix,
    top_n: int,
    diversity: float = 0.5,
) -> list[Candidate]:
    """Maximal marginal relevance over similarity to the document (rows L2-normalised)."""
    if not found:
        return []
    relevance = vectors @ document
    # Repetition is evidence too: a phrase the author wrote five times outranks a near tie.
    counts = np.array([c.count for c in found], dtype=np.float32)
    lengths = np.array([len(c.words) for c in found], dtype=np.float32)
    # Three-word phrases carry more meaning, so embeddings favour them; lean back a little.
    relevance = relevance * (1.0 + 0.1 * np.log(counts)) * (1.0 - 0.04 * (lengths - 1))
    similarity = vectors @ vectors.T
    chosen: list[int] = []
    remaining = list(range(len(found)))
    while remaining and len(chosen) < top_n:
        if chosen:
            redundancy = similarity[np.ix_(remaining, chosen)].max(axis=1)
            scores = (1 - diversity) * relevance[remaining] - diversity * redundancy
        else:
            scores = relevance[remaining]
        best = remaining[int(np.argmax(scores))]
        remaining.remove(best)
        if any(_repeats(found[best], found[i]) for i in chosen):
            continue
        found[best].score = float(relevance[best])
        chosen.append(best)
    return [found[i] for i in chosen]


def _repeats(candidate: Candidate, chosen: Candidate) -> bool:
    """The candidate says again what a chosen phrase says: it contains it, or it is part of
    it and not used more often on its own ("budget" written three times stays a tag beside
    "budget meeting notes"; "acme" inside "acme consulting", written as often, does not)."""
    if chosen.phrase in candidate.phrase:
        return True
    return candidate.phrase in chosen.phrase and candidate.count <= chosen.count


# --- a lexical vector space for scripts the embedder cannot read ------------------------------


class LexicalSpace:
    """TF-IDF vectors over the document's own words; IDF from Thai National Corpus word
    frequencies (bundled with pythainlp), unknown words weighted as rare."""

    def __init__(self, words: Sequence[str]) -> None:
        self.vocabulary: dict[str, int] = {}
        for word in words:
            self.vocabulary.setdefault(word, len(self.vocabulary))
        self.idf = np.array([word_idf(w) for w in self.vocabulary], dtype=np.float32)

    def vectors(self, texts: Sequence[Sequence[str]]) -> Matrix:
        matrix = np.zeros((len(texts), max(1, len(self.vocabulary))), dtype=np.float32)
        for row, words in enumerate(texts):
            for word in words:
                column = self.vocabulary.get(word)
                if column is not None:
                    matrix[row, column] += 1.0
        np.log1p(matrix, out=matrix)  # sublinear term frequency
        matrix[:, : len(self.idf)] *= self.idf
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.maximum(norms, 1e-9)


def word_idf(word: str) -> float:
    frequencies, total = _thai_frequencies()
    return math.log(total / (frequencies.get(word, 0) + 50))


@cache
def _thai_frequencies() -> tuple[dict[str, int], int]:
    from pythainlp.corpus import tnc

    frequencies: dict[str, int] = tnc.unigram_word_freqs()
    return frequencies, max(1, sum(frequencies.values()))


@cache
def thai_stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords as bundled

    return frozenset(bundled())
