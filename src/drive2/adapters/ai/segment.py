"""Sentences and words, for Latin-script text and for Thai (which has no spaces between
words and no sentence punctuation).

Thai words come from pythainlp's newmm (dictionary bundled with the package); Thai sentences
from its crfcut model (bundled too, needs python-crfsuite) and, without that, from a
whitespace heuristic. Every sentence and token is a piece of the text as written, so what
is built from them (summary, tags) can be found in the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from drive2.adapters.ai.boilerplate import BOILERPLATE

THAI_CHAR = re.compile(r"[\u0e01-\u0e4e]")
_THAI_RUN = re.compile(r"[\u0e01-\u0e4e\u0e50-\u0e59]+")
_LATIN_WORD = re.compile(r"[^\W_](?:[\w'’-]*[^\W_])?", re.UNICODE)
_MARKUP = re.compile(r"^(?:[\s#*|>•·▪◦\-–—=_~`]+|\d{1,3}[.)]\s+)+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9\u0e01-\u0e4e])")
_LINE_END = re.compile(r"[.!?:;…]\s*$")
_FIELD = re.compile(r"^[^\s:]{1,20}(?: [^\s:]+){0,2}:\s")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof inc ltd co corp no nos vs etc e.g i.e approx dept est fig jan feb mar "
    "apr jun jul aug sep sept oct nov dec st ave rd".split()
)
_THAI_SENTENCE_MIN = 20
_THAI_CONTINUATIONS = ("ซึ่ง", "และ", "หรือ", "โดย", "เพื่อ", "เนื่องจาก", "จึง", "แต่", "ว่า")
#: A Thai line this short standing alone is a heading or a field, not a sentence.
_THAI_HEADING_MAX = 50
MAX_SENTENCE_CHARS = 400
#: Corpus count from which a word is common enough to re-cut a tie for (see _recut).
_COMMON_WORD = 200
#: Combining marks and following vowels cannot begin a word, leading vowels cannot end one.
_NO_WORD_START = frozenset(
    "\u0e30\u0e31\u0e32\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a"
    "\u0e45\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
)
_NO_WORD_END = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")
_THAI_CONSONANT = re.compile(r"[\u0e01-\u0e2e]")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    #: Universal part of speech for Thai words when asked for (pythainlp, orchid_ud).
    pos: str | None = None


def normalise(text: str) -> str:
    """Whitespace collapsed to single spaces: the form summaries are checked against."""
    return " ".join(text.split())


def is_thai(text: str) -> bool:
    return THAI_CHAR.search(text) is not None


# --- words -----------------------------------------------------------------------------------


def word_tokens(text: str, pos: bool = False) -> list[Token]:
    """Word-like tokens with their offsets (whitespace and punctuation left out): runs of
    Thai are cut into words by newmm (and tagged with their part of speech when pos is
    set), everything else by a Unicode word pattern."""
    out: list[Token] = []
    position = 0
    for run in _THAI_RUN.finditer(text):
        out.extend(_latin_tokens(text, position, run.start()))
        offset = run.start()
        pieces = _thai_words(run.group())
        tags = _thai_pos(pieces) if pos else [None] * len(pieces)
        for piece, tag in zip(pieces, tags, strict=True):
            start, offset = offset, offset + len(piece)
            # Marks stranded by OCR ("ุพ" after a space) are no part of any word.
            lead = len(piece) - len(piece.lstrip("".join(_NO_WORD_START)))
            word = piece[lead:].rstrip("".join(_NO_WORD_END))
            if any(ch.isalnum() for ch in word) and is_whole_thai_word(word):
                out.append(Token(word, start + lead, start + lead + len(word), tag))
        position = run.end()
    out.extend(_latin_tokens(text, position, len(text)))
    return out


def _latin_tokens(text: str, start: int, end: int) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _LATIN_WORD.finditer(text, start, end)]


def _thai_words(run: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    pieces: list[str] = word_tokenize(run, engine="newmm", keep_whitespace=True)
    if "".join(pieces) != run:  # offsets rely on it; never seen, but stay correct
        return [run]
    # newmm cuts a word it does not know into clusters ("คอ", "ฟ", "ฟี่" for "คอฟฟี่"):
    # a short piece joins the piece before it when either is such a fragment; a piece that
    # begins with a combining mark or ends with a leading vowel is never a word of its own.
    known = _thai_dictionary()
    merged: list[str] = []
    for piece in pieces:
        short = len(piece) <= 3
        broken = bool(merged) and (merged[-1][-1] in _NO_WORD_END or piece[0] in _NO_WORD_START)
        if merged and (broken or (short and (piece not in known or _fragment(merged[-1], known)))):
            merged[-1] += piece
        else:
            merged.append(piece)
    return _prefixed(_recut(merged, known))


#: Thai prefixes that make a noun of the next word ("ผู้|ให้เช่า" is "ผู้ให้เช่า", the lessor);
#: newmm leaves them apart when the compound is not in its dictionary.
_THAI_PREFIXES = frozenset({"ผู้", "การ", "ความ", "นัก", "ค่า", "ชาว"})


def _prefixed(pieces: list[str]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        if out and out[-1] in _THAI_PREFIXES and THAI_CHAR.match(piece[:1] or " "):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _recut(pieces: list[str], known: frozenset[str]) -> list[str]:
    """newmm breaks ties between equally short segmentations blindly ("ติด|ตั้งไฟ" for
    "ติดตั้ง|ไฟ"): two neighbouring dictionary words are cut again where both new halves
    are common words (Thai National Corpus counts) and the rarer old one is far rarer. A
    compound the corpus lacks ("วาง|เงินประกัน") is not split into rarer pieces."""
    out = list(pieces)
    for i in range(len(out) - 1):
        left, right = out[i], out[i + 1]
        if left not in known or right not in known:
            continue
        joined = left + right
        best, best_score = len(left), max(_pair_score(left, right) * 20, _COMMON_WORD)
        for cut in range(2, len(joined) - 1):
            a, b = joined[:cut], joined[cut:]
            if cut == len(left) or a not in known or b not in known:
                continue
            if b[0] in _NO_WORD_START or a[-1] in _NO_WORD_END:
                continue
            score = _pair_score(a, b)
            if score > best_score:
                best, best_score = cut, score
        out[i], out[i + 1] = joined[:best], joined[best:]
    return out


def _pair_score(a: str, b: str) -> int:
    """How established the rarer word of the pair is."""
    frequencies = _thai_frequencies()
    return min(frequencies.get(a, 0), frequencies.get(b, 0)) + 1


@cache
def _thai_frequencies() -> dict[str, int]:
    from pythainlp.corpus import tnc

    frequencies: dict[str, int] = tnc.unigram_word_freqs()
    return frequencies


def is_whole_thai_word(phrase: str) -> bool:
    """Begins and ends where a Thai word can (no lone vowel or tone mark, no dangling
    leading vowel) and has a consonant: never "ุพ"."""
    thai = [ch for ch in phrase if THAI_CHAR.match(ch)]
    if not thai:
        return True
    return (
        phrase[0] not in _NO_WORD_START
        and phrase[-1] not in _NO_WORD_END
        and _THAI_CONSONANT.search(phrase) is not None
    )


def _fragment(piece: str, known: frozenset[str]) -> bool:
    return len(piece) <= 3 and piece not in known


def is_known_thai_word(word: str) -> bool:
    """In pythainlp's dictionary: a word the tagger may know; an unknown one is mostly a
    name or a loanword ("คอฟฟี่"), which is what a tag is often about."""
    return word in _thai_dictionary()


@cache
def _thai_dictionary() -> frozenset[str]:
    from pythainlp.corpus import thai_words

    return frozenset(thai_words())


def _thai_pos(pieces: list[str]) -> list[str | None]:
    from pythainlp.tag import pos_tag

    tagged = pos_tag(pieces, engine="perceptron", corpus="orchid_ud")
    if len(tagged) != len(pieces):
        return [None] * len(pieces)
    return [tag for _, tag in tagged]


# --- sentences -------------------------------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    """Sentences in document order, whitespace-normalised, markup stripped, fragments
    (headings, table rows, numbers) left out."""
    out: list[str] = []
    for block, lines in _blocks(text):
        if lines == 1 and is_thai(block) and len(block) < _THAI_HEADING_MAX:
            continue  # a heading or a field ("บันทึกการประชุม ครั้งที่ 3/2568")
        pieces = _thai_sentences(block) if is_thai(block) else _latin_sentences(block)
        for piece in pieces:
            sentence = _clean(piece)
            if sentence and _is_sentence(sentence) and not _courtesy(sentence):
                out.append(sentence)
    return out


def _courtesy(sentence: str) -> bool:
    """ "Thank you for your business!", "ขอขอบคุณที่ใช้บริการ": true of every document."""
    return len(sentence) < 120 and BOILERPLATE.search(sentence) is not None


def _blocks(text: str) -> list[tuple[str, int]]:
    """Lines joined back into paragraphs where a line break only wraps a sentence, each
    with the number of lines it was made of."""
    lines = [raw.strip() for raw in text.splitlines()]
    width = _wrap_width(lines)
    blocks: list[tuple[str, int]] = []
    current: list[str] = []
    for line in lines:
        if not line:
            if current:
                blocks.append((" ".join(current), len(current)))
                current = []
            continue
        starts_item = _MARKUP.match(line) is not None
        if current and (starts_item or _ends_unit(current[-1], width) or is_thai(line)):
            blocks.append((" ".join(current), len(current)))
            current = []
        current.append(line)
    if current:
        blocks.append((" ".join(current), len(current)))
    return blocks


def _wrap_width(lines: list[str]) -> int:
    """The width the text was wrapped at: the length most long lines reach."""
    lengths = sorted(len(line) for line in lines if len(line) >= 20)
    return lengths[int(len(lengths) * 0.9)] if lengths else 80


def _ends_unit(line: str, width: int = 80) -> bool:
    """A line that ends a sentence, or stops well short of the wrap width (a heading, a
    title, a field): the next line does not continue it."""
    return (
        bool(_LINE_END.search(line))
        or len(line) < max(40, int(width * 0.6))
        or line.count("|") >= 2
    )


def _latin_sentences(block: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(block):
        before = block[start : match.start()].rstrip("\"'”’)]")
        last_word = before.rsplit(maxsplit=1)[-1].rstrip(".").lower() if before.split() else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        pieces.append(block[start : match.start()])
        start = match.end()
    pieces.append(block[start:])
    return pieces


def _thai_sentences(block: str) -> list[str]:
    """crfcut's sentences, where a piece that opens with a conjunction ("ซึ่ง", "และ") goes
    back onto the one before it: it continues that sentence."""
    if len(block) <= _THAI_SENTENCE_MIN * 2:
        return [block]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in _thai_splitter()(block):
        text = piece.strip()
        at = block.find(text, cursor) if text else -1
        if at < 0:
            continue
        if spans and text.startswith(_THAI_CONTINUATIONS):
            spans[-1] = (spans[-1][0], at + len(text))
        else:
            spans.append((at, at + len(text)))
        cursor = at + len(text)
    return [block[a:b] for a, b in spans] or [block]


@cache
def _thai_splitter() -> Callable[[str], list[str]]:
    try:
        import pycrfsuite  # noqa: F401  # crfcut needs it; the model ships with pythainlp
        from pythainlp.tokenize import sent_tokenize
    except ImportError:
        return _thai_whitespace_sentences

    def crfcut(block: str) -> list[str]:
        return [str(s) for s in sent_tokenize(block, engine="crfcut")]

    return crfcut


def _thai_whitespace_sentences(block: str) -> list[str]:
    """Without crfcut: a space in Thai marks a clause or sentence; short clauses join the
    next one so a sentence is not cut into words."""
    out: list[str] = []
    current = ""
    for match in re.finditer(r"\S+", block):
        current = f"{current} {match.group()}" if current else match.group()
        if len(current) >= _THAI_SENTENCE_MIN * 2:
            out.append(current)
            current = ""
    if current:
        if out and len(current) < _THAI_SENTENCE_MIN:
            out[-1] = f"{out[-1]} {current}"
        else:
            out.append(current)
    return out


def _clean(piece: str) -> str:
    return normalise(_MARKUP.sub("", piece.strip()))


def _is_sentence(sentence: str) -> bool:
    if sentence.count("|") >= 2:
        return False
    letters = sum(1 for ch in sentence if ch.isalpha() or "\u0e31" <= ch <= "\u0e4e")
    if letters < 0.5 * len(sentence.replace(" ", "")):
        return False
    if is_thai(sentence):
        return len(sentence) >= _THAI_SENTENCE_MIN
    words = len(sentence.split())
    if _FIELD.match(sentence) and words < 10:
        return False  # "Bill to: Siam Retail Co., Ltd."
    # A heading has no closing punctuation; prose that lacks it is at least longer.
    closed = sentence[-1] in ".!?…\"'”’)"
    return len(sentence) >= 20 and words >= (5 if closed else 10)


def shorten(sentence: str, limit: int) -> str:
    """The sentence, or its beginning up to a word boundary within limit, with an ellipsis."""
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    elif is_thai(cut):
        words = [t.text for t in word_tokens(cut)]
        if len(words) > 1:
            cut = cut[: cut.rfind(words[-1])]
    return cut.rstrip(" ,;:-") + "…"
