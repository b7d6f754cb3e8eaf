"""Plain text and Markdown."""

from __future__ import annotations

from pathlib import Path

from drive2.pipeline.extractors import ExtractedText
from drive2.pipeline.extractors.decode import decode_bytes, read_limited


class PlainTextExtractor:
    name = "plain"
    mime_types = frozenset({"text/plain", "text/markdown", "text/x-markdown"})

    def extract(self, path: Path, max_chars: int) -> ExtractedText:
        text, encoding = decode_bytes(read_limited(path, max_chars))
        return ExtractedText(text=text, extractor=self.name, details={"encoding": encoding})
