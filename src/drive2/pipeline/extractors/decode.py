"""Bytes to str in whatever encoding the file used: BOMs, UTF-8, then detection (which
covers the Thai TIS-620 / Windows-874 files people still have)."""

from __future__ import annotations

from pathlib import Path

from charset_normalizer import from_bytes

from drive2.pipeline.sniff import bom_encoding


def read_limited(path: Path, max_chars: int) -> bytes:
    # Four bytes per character is the UTF-8 worst case; UTF-32 needs no more either.
    with open(path, "rb") as fh:
        return fh.read(max(4 * max_chars, 4096))


def decode_bytes(raw: bytes) -> tuple[str, str]:
    if not raw:
        return "", "utf-8"
    bom = bom_encoding(raw)
    if bom:
        return raw.decode(bom, errors="replace"), bom
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # A read cut through a multi-byte character at the end is still UTF-8.
        if exc.start >= len(raw) - 3:
            return raw[: exc.start].decode("utf-8"), "utf-8"
    matches = from_bytes(raw[: 1 << 20])
    best = matches.best()
    if best is not None and best.encoding:
        encoding = best.encoding
        # Short Western texts fit several code pages equally well; the most common one,
        # Windows-1252, is the likeliest author's choice among the tied candidates.
        tied = {
            m.encoding for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)
        }
        if encoding != "cp1252" and "cp1252" in tied:
            encoding = "cp1252"
        return raw.decode(encoding, errors="replace"), encoding
    return raw.decode("latin-1"), "latin-1"
