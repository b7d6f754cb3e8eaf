"""Lines that say nothing about a document: table rows, page furniture, courtesy phrases.

``content_text(text)`` returns the text with those lines blanked out (each character of them
replaced by a space, line breaks kept), so offsets into it are offsets into the original and
whatever is cut from it (summary sentences, key phrases) is still the document's own text.

Left out:
- table rows: columns separated by runs of spaces, tabs or "|", and rows mostly of numbers;
- repeated lines (page headers and footers printed on every page);
- page numbers ("Page 1 of 2", "- 3 -", "หน้า 1/2");
- courtesy and payment boilerplate ("Thank you!", "Paid by card", "Please come again",
  "ขอบคุณที่ใช้บริการ", "Follow us on Facebook", "Confidential", "สแกนตรวจสอบสลิป").
"""

from __future__ import annotations

import re
from collections import Counter

_COLUMN_GAP = re.compile(r"(?<=\S)(?: {2,}|\t+| *\| *)(?=\S)")
_NUMBER = re.compile(r"^[-+(]?[฿$€£]?\d[\d,.:/%-]*[)%]?$")
_PAGE = re.compile(
    r"^(?:[-–—]\s*\d{1,4}\s*[-–—]|(?:page|p\.|หน้า(?:ที่)?)\s*\d{1,4}"
    r"(?:\s*(?:of|/|จาก)\s*\d{1,4})?|\d{1,4}\s*(?:/|of)\s*\d{1,4})$",
    re.IGNORECASE,
)
#: Phrases that mark a line (or a sentence) as courtesy, payment or page furniture.
BOILERPLATE = re.compile(
    r"(?<![a-z])(?:thank(?:s| you)|paid by (?:card|cash|credit|debit)|please come again"
    r"|have a (?:nice|good|great) day|see you (?:again|soon)|customer copy|merchant copy"
    r"|(?:this is a )?computer[- ]generated|no signature (?:is )?required|all rights reserved"
    r"|confidential|for internal use only|share this|follow us|subscribe to|powered by"
    r"|like us on|printed (?:on|by)|continued on|(?:tel|fax|phone|e-?mail|www)\b[.:]?\s"
    r"|terms and conditions apply|keep this receipt|retain this receipt)(?![a-z])"
    r"|ขอบคุณ|ขอบพระคุณ|โปรดเก็บ|กรุณาเก็บ|สแกนตรวจสอบ|สงวนลิขสิทธิ์|ติดตามเรา",
    re.IGNORECASE,
)
#: A courtesy line is short; a long line that mentions "thanks" in passing is content.
_BOILERPLATE_LINE_CHARS = 90
_REPEATED_MIN_CHARS = 6


def is_table_row(line: str) -> bool:
    """Columns (two gaps of 2+ spaces, tabs or "|"), or mostly numbers."""
    stripped = line.strip()
    if len(_COLUMN_GAP.findall(stripped)) >= 2 or stripped.count("|") >= 3:
        return True
    tokens = stripped.split()
    numbers = sum(1 for t in tokens if _NUMBER.match(t))
    return len(tokens) >= 2 and numbers * 2 >= len(tokens)


def is_boilerplate(line: str) -> bool:
    stripped = line.strip()
    if _PAGE.match(stripped):
        return True
    return len(stripped) <= _BOILERPLATE_LINE_CHARS and BOILERPLATE.search(stripped) is not None


def content_text(text: str) -> str:
    """The text with table rows, repeated lines, page numbers and boilerplate blanked."""
    lines = text.split("\n")
    seen = Counter(
        " ".join(line.split()).lower() for line in lines if len(line.strip()) >= _REPEATED_MIN_CHARS
    )
    out: list[str] = []
    for line in lines:
        key = " ".join(line.split()).lower()
        drop = (
            (len(key) >= _REPEATED_MIN_CHARS and seen[key] > 1)
            or is_table_row(line)
            or is_boilerplate(line)
        )
        out.append(" " * len(line) if drop else line)
    return "\n".join(out)
