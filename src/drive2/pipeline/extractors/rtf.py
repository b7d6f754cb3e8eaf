"""RTF: the text without its control words, in the code page the file declares (\\ansicpg;
Thai documents say 874), with \\uN characters and surrogate pairs put back together."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from striprtf import striprtf

from drive2.pipeline.extractors import ExtractedText

# striprtf ships no type hints.
rtf_to_text: Callable[..., str] = striprtf.rtf_to_text
font_table_group: Callable[[str], str] = striprtf.font_table_group

MIB = 1024 * 1024
#: RTF markup (fonts, styles, hex-coded pictures) outweighs its text many times over.
_MARKUP_FACTOR = 8
_MAX_RTF_BYTES = 64 * MIB
_ANSICPG = re.compile(rb"\\ansicpg(\d{1,5})")
#: Real font tables are a few kilobytes; striprtf's font regex is quadratic on a giant one.
_MAX_FONT_TABLE_CHARS = 256 * 1024
_CODEPAGES = {0: "cp1252", 10000: "mac_roman", 20127: "ascii", 28591: "latin-1", 65001: "utf-8"}


def rtf_codepage(head: bytes) -> str:
    """The Python codec for the RTF's declared ANSI code page; Windows-1252 by default."""
    match = _ANSICPG.search(head[:8192])
    if not match:
        return "cp1252"
    number = int(match.group(1))
    name = _CODEPAGES.get(number, f"cp{number}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"


def tame(markup: str) -> str:
    """Markup that striprtf reads in linear time, with the same text.

    RTF ignores line breaks in its markup. A break after every "{" keeps striprtf's hyperlink
    pattern (a backtracking regex run per line) from going quadratic on a long line of fields;
    a link then reads as its visible text without the URL. An oversized font table is dropped
    for the same reason (its text then decodes with the document's code page, not per font).
    """
    fonts = font_table_group(markup)
    if len(fonts) > _MAX_FONT_TABLE_CHARS:
        start = markup.find(fonts)
        markup = markup[:start] + "{\\fonttbl}" + markup[start + len(fonts) :]
    return markup.replace("{", "{\n")


class RtfExtractor:
    name = "rtf"
    mime_types = frozenset({"application/rtf", "text/rtf"})

    def extract(self, path: Path, max_chars: int) -> ExtractedText:
        limit = min(max(_MARKUP_FACTOR * max_chars, MIB), _MAX_RTF_BYTES)
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
        cut = len(raw) > limit
        raw = raw[:limit]
        codepage = rtf_codepage(raw)
        # Code pages keep ASCII where it is, so the markup reads the same whichever applies;
        # bytes above 127 written raw (against the spec, but common) then decode right too.
        markup = raw.decode(codepage, errors="replace")
        text = rtf_to_text(tame(markup), encoding=codepage, errors="replace")
        # \uN gives UTF-16 code units; characters beyond the BMP arrive as surrogate pairs.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", errors="replace")
        details: dict[str, Any] = {"encoding": codepage}
        if cut:
            details["input_truncated_at_bytes"] = limit
        return ExtractedText(text=text[:max_chars], extractor=self.name, details=details)
