"""CSV and JSON: their words, without the punctuation of the format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from drive2.pipeline.extractors import ExtractedText
from drive2.pipeline.extractors.decode import decode_bytes, read_limited


class CsvExtractor:
    name = "csv"
    mime_types = frozenset({"text/csv", "text/tab-separated-values"})

    def extract(self, path: Path, max_chars: int) -> ExtractedText:
        raw_text, encoding = decode_bytes(read_limited(path, max_chars))
        try:
            dialect: Any = csv.Sniffer().sniff(raw_text[:8192], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        lines = []
        rows = 0
        for row in csv.reader(io.StringIO(raw_text), dialect):
            rows += 1
            lines.append("\t".join(cell.strip() for cell in row))
        return ExtractedText(
            text="\n".join(lines),
            extractor=self.name,
            details={"encoding": encoding, "rows": rows},
        )


def _walk(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(
                inner, f"{prefix}{key}: " if not isinstance(inner, dict | list) else f"{key}\n"
            )
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner, prefix)
    elif value is not None:
        yield f"{prefix}{value}"


class JsonExtractor:
    name = "json"
    mime_types = frozenset({"application/json", "application/ld+json"})

    def extract(self, path: Path, max_chars: int) -> ExtractedText:
        raw_text, encoding = decode_bytes(read_limited(path, max_chars))
        try:
            data = json.loads(raw_text)
        except ValueError:
            # Cut by the size cap or not quite JSON: its raw text is still worth searching.
            return ExtractedText(
                text=raw_text, extractor=self.name, details={"encoding": encoding, "parsed": False}
            )
        return ExtractedText(
            text="\n".join(_walk(data)),
            extractor=self.name,
            details={"encoding": encoding, "parsed": True},
        )
