"""Text helpers for answering questions: content words, sentences, the question's language.

Words are made the way the keyword index makes them (NFKC, lower case, accents dropped, Thai
runs cut into words by pythainlp's newmm, English plurals folded) so that a question and a
passage meet on the same words. Sentences are cut by punctuation and line breaks, and Thai
text (written without full stops) at its spaces, which is where Thai writers end clauses and
sentences; pieces too short to answer anything are joined to their neighbour. This is much
faster than a learned Thai sentence model (crfcut takes ~30 ms per 200 characters on our
machines, too slow to run over every candidate passage of a question).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]+")
_THAI_LETTER = re.compile(r"[\u0e01-\u0e2e\u0e50-\u0e59]")
_WORD = re.compile(r"[^\W_]+")
#: A sentence ends at . ! ? (and their full-width forms) before a space, or at a line break.
_LATIN_END = re.compile(r"(?<=[.!?。！？])[\"')\]]*\s+|\s*\n\s*")
#: Where Thai text may end a clause: a space between two Thai characters (or a closing
#: and an opening bracket); never before a number, which belongs to the words before it
#: ("ยอดเงินที่ต้องชำระ 1,250 บาท").
_THAI_SPACE = re.compile(r"(?<=[\u0e00-\u0e7f)\]])\s+(?=[\u0e00-\u0e7f(\[])")
MIN_SENTENCE_CHARS = 40
MAX_SENTENCE_CHARS = 320
#: Questions whose answer is a number, an amount, a date or a time.
_NUMERIC_QUESTION = re.compile(
    r"\b(how (much|many|long|old|far|big|large|tall|high|often)|when|what (year|time|date|"
    r"percentage|age)|which (year|date|day|month|century)|in what year)\b|เท่าไ[รห]|กี่|"
    r"เมื่อไ[รห]|เมื่อใด|(ปี|เวลา|วัน|วันที่|เดือน|ช่วง|สมัย|ยุค|ศตวรรษ|พ\.ศ\.|ค\.ศ\.)\s*"
    r"(อะไร|ใด|ไหน|เท่า)",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"[0-9\u0e50-\u0e59]|\b(one|two|three|four|five|six|seven|eight|nine|ten|"
    r"hundred|thousand|million|billion|january|february|march|april|may|june|july|august|"
    r"september|october|november|december)\b|มกรา|กุมภา|มีนา|เมษา|พฤษภา|มิถุนา|กรกฎา|สิงหา|"
    r"กันยา|ตุลา|พฤศจิกา|ธันวา|หนึ่ง|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า|สิบ|ร้อย|พัน|หมื่น|แสน|ล้าน",
    re.IGNORECASE,
)

ENGLISH_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers him his how i if in into is it its
    just me more most my no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your whose name named called many much tell know find show get
    please give list did does kind type one two""".split()
)
#: Question words of Thai that the stop word list lacks; they never occur in an answer.
THAI_QUESTION_WORDS = frozenset(
    "อะไร ใคร ที่ไหน ไหน เมื่อไร เมื่อไหร่ อย่างไร ยังไง ทำไม เท่าไร เท่าไหร่ กี่ ไหม มั้ย หรือไม่ "
    "บ้าง คือ ได้แก่ ชื่อ ว่า".split()
)


@lru_cache(maxsize=1)
def _thai_stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords()) | THAI_QUESTION_WORDS


@lru_cache(maxsize=4096)
def _segment_thai(run: str) -> tuple[str, ...]:
    from pythainlp.tokenize import word_tokenize

    return tuple(w for w in word_tokenize(run, engine="newmm", keep_whitespace=False) if w.strip())


def _fold_plural(word: str) -> str:
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _latin_words(segment: str) -> list[str]:
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFKD", segment) if unicodedata.category(ch) != "Mn"
    )
    return [_fold_plural(w) for w in _WORD.findall(unicodedata.normalize("NFC", stripped))]


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str) -> list[str]:
    """Every word of a text, in order (Thai segmented, Latin folded)."""
    value = normalise(text)
    out: list[str] = []
    last = 0
    for match in _THAI_RUN.finditer(value):
        out.extend(_latin_words(value[last : match.start()]))
        out.extend(w for w in _segment_thai(match.group()) if _THAI_LETTER.search(w))
        last = match.end()
    out.extend(_latin_words(value[last:]))
    return out


def latin_words(text: str) -> set[str]:
    """The words of a text outside its Thai runs (no Thai segmenting: cheap)."""
    return set(_latin_words(_THAI_RUN.sub(" ", normalise(text))))


def is_thai(word: str) -> bool:
    return bool(_THAI_RUN.search(word))


_FOLDED_STOPWORDS = frozenset(_fold_plural(w) for w in ENGLISH_STOPWORDS)  # "does" -> "doe"


def content_words(text: str) -> list[str]:
    """The words that carry meaning, each once, in order: stop words and question words out
    (unless nothing else is left), one-letter Latin words out, numbers kept."""
    stop = ENGLISH_STOPWORDS | _FOLDED_STOPWORDS | _thai_stopwords()
    every = list(dict.fromkeys(words(text)))
    kept = [w for w in every if w not in stop and (len(w) > 1 or w.isdigit())]
    return kept or every


def language(text: str) -> str:
    """ "th" when Thai letters make up a good part of the text, else "en"."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "en"
    thai = sum(1 for ch in letters if "\u0e00" <= ch <= "\u0e7f")
    return "th" if thai * 3 >= len(letters) else "en"


def asks_for_number(question: str) -> bool:
    """The question wants a number, an amount, a date or a time."""
    return bool(_NUMERIC_QUESTION.search(normalise(question)))


def has_number(text: str) -> bool:
    return bool(_NUMBER.search(text))


#: "How long" asks for a duration or a length: the sentence with the number *and* such a unit
#: answers it, not any sentence with a number ("500 g of flour" does not say how long).
_HOW_LONG = re.compile(r"\bhow long\b|นานเท่าไ[รห]|นานแค่ไหน|กี่(นาที|ชั่วโมง|วัน|สัปดาห์|เดือน|ปี)")
_MEASURE = re.compile(
    r"\b(seconds?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|months?|years?|decades?|"
    r"centur(y|ies)|m|km|kilomet(re|er)s?|met(re|er)s?|miles?|feet|ft|cm)\b|"
    r"วินาที|นาที|ชั่วโมง|ชม\.|วัน|คืน|สัปดาห์|อาทิตย์|เดือน|ปี|ศตวรรษ|เมตร|กิโลเมตร|กม\.|ซม\.",
    re.IGNORECASE,
)


def asks_how_long(question: str) -> bool:
    return bool(_HOW_LONG.search(normalise(question)))


def answers_how_long(text: str) -> bool:
    return has_number(text) and bool(_MEASURE.search(text))


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset in the passage


def _pieces(text: str) -> list[tuple[int, int]]:
    """Spans of text between boundaries."""
    spans: list[tuple[int, int]] = []
    start = 0
    boundaries = sorted(
        [(m.start(), m.end()) for m in _LATIN_END.finditer(text)]
        + [(m.start(), m.end()) for m in _THAI_SPACE.finditer(text)]
    )
    for begin, end in boundaries:
        if begin < start:
            continue
        if begin > start:
            spans.append((start, begin))
        start = end
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def sentences(text: str) -> list[Sentence]:
    """The passage cut into sentences of a useful size: pieces shorter than
    MIN_SENTENCE_CHARS join the next, and none grows past MAX_SENTENCE_CHARS by joining."""
    out: list[Sentence] = []
    current: tuple[int, int] | None = None
    for begin, end in _pieces(text):
        if current is None:
            current = (begin, end)
            continue
        short = current[1] - current[0] < MIN_SENTENCE_CHARS
        if short and end - current[0] <= MAX_SENTENCE_CHARS:
            current = (current[0], end)
        else:
            out.append(Sentence(text[current[0] : current[1]].strip(), current[0]))
            current = (begin, end)
    if current is not None:
        last = text[current[0] : current[1]].strip()
        if out and len(last) < MIN_SENTENCE_CHARS // 2:
            prev = out.pop()
            out.append(Sentence(text[prev.start : current[1]].strip(), prev.start))
        elif last:
            out.append(Sentence(last, current[0]))
    return [s for s in out if s.text]


def shorten(text: str, keep: list[str], limit: int = MAX_SENTENCE_CHARS) -> str:
    """At most `limit` characters of a sentence, around the first of the `keep` words it
    holds (the answer is usually near the words the question shares with it)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    low = normalise(text)
    hits = [p for p in (low.find(w) for w in keep if w) if p >= 0]
    first = min(hits) if hits else 0
    start = max(0, first - limit // 4)
    if start:
        space = text.find(" ", start, first) if first > start else -1
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + limit)
    if end < len(text):
        space = text.rfind(" ", start + limit // 2, end)
        end = space if space > 0 else end
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
