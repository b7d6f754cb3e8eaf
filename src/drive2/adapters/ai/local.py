"""The offline provider: extractive summary and frequency key phrases, no network, no model.

It is the embedded default and the last fallback; the AI issue replaces the scoring with
MiniLM embeddings, keeping this interface.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import PurePath

from drive2.domain.models import AiMetadata

_WORD = re.compile(r"[^\W\d_][\w'-]{2,}", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?。])\s+|\n{2,}")
_MARKUP = re.compile(r"^[\s#>*`|-]+", re.MULTILINE)
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_SAFE = re.compile(r"[^a-z0-9\u0e00-\u0e7f]+")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with you your yours
    yourself yourselves also may might must shall would one two per via new use used using
    page""".split()
)


def _words(text: str) -> list[str]:
    return [w.lower().strip("'-") for w in _WORD.findall(text)]


def _language(text: str) -> str | None:
    sample = text[:5000]
    letters = sum(1 for ch in sample if ch.isalpha())
    if not letters:
        return None
    if len(_THAI.findall(sample)) / letters > 0.3:
        return "th"
    ascii_letters = sum(1 for ch in sample if ch.isascii() and ch.isalpha())
    return "en" if ascii_letters / letters > 0.9 else None


def slug(value: str) -> str:
    return _SAFE.sub("-", value.lower()).strip("-")


class LocalAiProvider:
    name = "local"
    model = "extractive-frequency-v1"

    def analyse(self, text: str, filename: str, metadata: dict[str, object]) -> AiMetadata:
        words = [w for w in _words(text) if w not in STOPWORDS]
        freq = Counter(words)
        tags = [w for w, _ in freq.most_common(8) if len(w) > 2][:8]
        summary = self._summary(text, freq)
        return AiMetadata(
            suggested_filename=self._filename(filename, tags),
            summary=summary,
            tags=tags,
            language=_language(text),
            provider=self.name,
            model=self.model,
        )

    @staticmethod
    def _summary(text: str, freq: Counter[str]) -> str | None:
        sentences = [
            _MARKUP.sub("", s).strip()
            for s in _SENTENCE.split(text[:200_000])
            if len(_MARKUP.sub("", s).strip()) > 20
        ]
        if not sentences:
            flat = " ".join(text.split())
            return flat[:300] or None
        scored = []
        for index, sentence in enumerate(sentences[:500]):
            words = [w for w in _words(sentence) if w in freq]
            score = sum(freq[w] for w in words) / (len(words) + 5)
            scored.append((score, index, sentence))
        best = sorted(sorted(scored, reverse=True)[:3], key=lambda item: item[1])
        summary = " ".join(" ".join(s.split()) for _, _, s in best)
        return summary[:600]

    @staticmethod
    def _filename(original: str, tags: list[str]) -> str:
        suffix = PurePath(original).suffix.lower()
        if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
            suffix = ""
        stem = "_".join(slug(t) for t in tags[:3] if slug(t)) or "document"
        return f"{datetime.now().date().isoformat()}_{stem}{suffix}"
