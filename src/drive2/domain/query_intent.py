"""Whether a search query is a question about content rather than a request for files.

"Who won the championship in 2000?" asks about what a document says: its year is part of the
question, not the days to look in. "receipts from April 2024" asks for files: its date is a
filter. Search reads a date phrase as a filter only in the second kind (issue 12, item 7)."""

from __future__ import annotations

import re

_ENGLISH_OPENERS = (
    "who whom whose what which when where why how "
    "did does do is are was were can could should will would has have had"
).split()

_ENGLISH_QUESTION = re.compile(rf"^\W*(?:{'|'.join(_ENGLISH_OPENERS)})\b", re.IGNORECASE)

# Thai marks a question with a word, anywhere in the sentence, rarely with "?". The guards
# keep look-alikes out: ไหม้ (burn), ใคร่ (desire), ใดๆ (any).
_THAI_QUESTION = re.compile(
    r"อะไร|ใคร(?![่้])|ที่ไหน|ไหน|ที่ใด|เมื่อไร|เมื่อไหร่|เมื่อใด|กี่|ใด(?!\s*ๆ)|อย่างไร|ยังไง"
    r"|เท่าไร|เท่าไหร่|ทำไม|หรือไม่|หรือเปล่า|ไหม(?![้])|มั้ย"
)


def is_question(query: str) -> bool:
    text = query.strip()
    if not text:
        return False
    return (
        text.endswith(("?", "？"))
        or _ENGLISH_QUESTION.match(text) is not None
        or _THAI_QUESTION.search(text) is not None
    )
