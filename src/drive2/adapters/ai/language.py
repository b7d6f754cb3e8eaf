"""Offline language detection: the script decides for most writing systems, and a few
function words tell the Latin-script languages apart. No model, no download.

Returns ISO 639-1 codes ("en", "th", ...) or None when the text gives no clear answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

SAMPLE_CHARS = 20_000

#: (first, last code point, language) for scripts that (nearly) name their language.
_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x0E00, 0x0E7F, "th"),
    (0x0E80, 0x0EFF, "lo"),
    (0x1780, 0x17FF, "km"),
    (0x1000, 0x109F, "my"),
    (0x0370, 0x03FF, "el"),
    (0x0400, 0x04FF, "ru"),
    (0x0530, 0x058F, "hy"),
    (0x0590, 0x05FF, "he"),
    (0x0600, 0x06FF, "ar"),
    (0x0900, 0x097F, "hi"),
    (0x0980, 0x09FF, "bn"),
    (0x0B80, 0x0BFF, "ta"),
    (0x10A0, 0x10FF, "ka"),
    (0x1100, 0x11FF, "ko"),
    (0x3130, 0x318F, "ko"),
    (0xAC00, 0xD7AF, "ko"),
    (0x3040, 0x30FF, "ja"),
    (0x4E00, 0x9FFF, "zh"),
)

#: Frequent function words per Latin-script language; also the stopwords for key phrases.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        """a about above after again against all also am an and any are as at be because been
        before being below between both but by can could did do does doing down during each
        few for from further had has have having he her here hers herself him himself his how
        i if in into is it its itself just me more most my myself no nor not now of off on
        once only or other our ours ourselves out over own same she should so some such than
        that the their theirs them themselves then there these they this those through to too
        under until up very was we were what when where which while who whom why will with
        you your yours yourself yourselves may might must shall would per via etc please
        thank thanks dear regards kind best hello hi yes ok okay let us get got make made
        like well still even much many within without upon across among around via would
        one two three four five six seven eight nine ten first second third new used using
        use page pages""".split()
    ),
    "fr": frozenset(
        """le la les un une des du de et est en que qui dans pour pas sur au aux avec ce ces
        cette il elle ils nous vous sont par plus ou mais son sa ses leur été être""".split()
    ),
    "de": frozenset(
        """der die das und ist nicht ein eine einen dem den des mit von zu auf für sich im
        auch es sie wir ich sind bei wird werden oder aber nach wie aus""".split()
    ),
    "es": frozenset(
        """el la los las un una unos y es en que de del por para con no se su sus al lo como
        más pero está son fue ser esta este""".split()
    ),
    "it": frozenset(
        """il lo la gli le un una di da in con su per tra fra e è che non sono del della dei
        delle al alla nel nella come ma anche questo questa""".split()
    ),
    "pt": frozenset(
        """o a os as um uma de do da dos das em no na nos nas por para com não que é se ao
        mais mas como foi são está pelo pela""".split()
    ),
    "nl": frozenset(
        """de het een en van in is dat op te zijn met voor niet aan er ook als bij door maar
        om wordt worden naar dit deze""".split()
    ),
    "id": frozenset(
        """yang dan di ke dari ini itu untuk dengan tidak ada pada adalah akan juga dalam
        oleh sebagai atau kami kita saya mereka""".split()
    ),
}

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_VIETNAMESE = frozenset("ăơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
_PERSIAN = frozenset("پچژگ")
_UKRAINIAN = frozenset("іїєґ")


def _script_language(ch: str) -> str | None:
    point = ord(ch)
    for first, last, language in _SCRIPTS:
        if first <= point <= last:
            return language
    return None


def _is_latin(ch: str) -> bool:
    return ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")


def script_counts(text: str) -> tuple[Counter[str], int]:
    """Letters per script language ("latin" for Latin) and the number of letters."""
    counts: Counter[str] = Counter()
    letters = 0
    for ch in text:
        if not ch.isalpha() and not unicodedata.category(ch).startswith("M"):
            continue
        letters += 1
        language = _script_language(ch)
        if language is not None:
            counts[language] += 1
        elif _is_latin(ch):
            counts["latin"] += 1
    return counts, letters


def detect_language(text: str) -> str | None:
    sample = text[:SAMPLE_CHARS]
    counts, letters = script_counts(sample)
    if letters == 0:
        return None
    others = [(n, lang) for lang, n in counts.items() if lang != "latin"]
    if others:
        n, language = max(others)
        if n / letters >= 0.3:
            return _refine_script(language, sample, counts)
    if counts["latin"] / letters < 0.5:
        return None
    return _latin_language(sample)


def _refine_script(language: str, sample: str, counts: Counter[str]) -> str:
    if language == "zh" and counts["ja"] > 0.1 * counts["zh"]:
        return "ja"
    if language == "ar" and any(ch in _PERSIAN for ch in sample):
        return "fa"
    if language == "ru" and any(ch in _UKRAINIAN for ch in sample.lower()):
        return "uk"
    return language


def _latin_language(sample: str) -> str | None:
    words = [w.lower() for w in _WORD.findall(sample)]
    if not words:
        return None
    lowered = sample.lower()
    if sum(1 for ch in lowered if ch in _VIETNAMESE) > 0.03 * len(words):
        return "vi"
    hits = {lang: sum(1 for w in words if w in stop) for lang, stop in STOPWORDS.items()}
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    (best, best_hits), (_, runner_up) = ranked[0], ranked[1]
    if best_hits >= 2 and best_hits >= 1.5 * runner_up and best_hits >= 0.05 * len(words):
        return best
    # Plain ASCII with no telling function words (an invoice, a list): English is the
    # likely reading; accented text with no signal stays unknown.
    if best_hits == 0 or best == "en":
        return "en" if all(ch.isascii() for w in words for ch in w) else None
    return None


def stopwords_for(language: str | None) -> frozenset[str]:
    """Stopwords for key phrases: the language's own plus English (documents mix)."""
    english = STOPWORDS["en"]
    if language and language != "en" and language in STOPWORDS:
        return english | STOPWORDS[language]
    return english


def latin_share(text: str) -> float:
    """The share of letters that are Latin (1.0 for text without letters)."""
    counts, letters = script_counts(text[:SAMPLE_CHARS])
    return counts["latin"] / letters if letters else 1.0
