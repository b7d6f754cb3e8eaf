"""Checking an LLM's citations against the passages it was given.

A citation survives only when it names a passage that was sent and its quote is in that
passage: word for word (spacing and case aside), or nearly so (most of its words, in a
sentence of the passage, which then becomes the quote). The quote shown to the user is always
the passage's own text, never the model's: a model that invents a quote or a source cannot
put words in a file's mouth.
"""

from __future__ import annotations

import re

from drive2.domain import answer_text as at
from drive2.domain.answers import Citation, DraftCitation, Passage

MAX_QUOTE_CHARS = 300
#: Share of a paraphrased quote's words that must be in one sentence of the passage.
NEAR_QUOTE_MIN = 0.8
_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACE.sub(" ", at.normalise(text)).strip(" \"'“”‘’.,;:…")


def locate(quote: str, passage: str) -> str | None:
    """The passage's own words that the quote cites, or None when it does not hold them."""
    wanted = _flat(quote)
    if len(wanted) < 2:
        return None
    flat_passage = " ".join(passage.split())
    index = at.normalise(flat_passage).find(wanted)
    if index >= 0 and len(at.normalise(flat_passage)) == len(flat_passage):
        return _clip(flat_passage[index : index + len(wanted)])
    if index >= 0:  # NFKC changed lengths: give the sentence that holds it
        for s in at.sentences(passage):
            if wanted in _flat(s.text):
                return _clip(s.text)
    quote_words = set(at.words(quote))
    if len(quote_words) < 3:
        return None
    best, share = None, 0.0
    for s in at.sentences(passage):
        found = len(quote_words & set(at.words(s.text))) / len(quote_words)
        if found > share:
            best, share = s.text, found
    return _clip(best) if best and share >= NEAR_QUOTE_MIN else None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE_CHARS else text[: MAX_QUOTE_CHARS - 1] + "…"


def checked_citations(
    drafts: list[DraftCitation], passages: list[Passage], limit: int
) -> list[Citation]:
    """The supported citations in the order the answer used them, one per file."""
    by_id = {p.id.upper(): p for p in passages}
    out: list[Citation] = []
    seen: set[str] = set()
    for draft in drafts:
        passage = by_id.get(draft.passage.strip().strip("[]").upper())
        if passage is None or passage.file_id in seen:
            continue
        quote = locate(draft.quote, passage.text)
        if quote is None:
            continue
        seen.add(passage.file_id)
        out.append(Citation(passage.file_id, passage.filename, quote, round(passage.score, 4)))
        if len(out) >= limit:
            break
    return out
