"""Office documents: DOCX, XLSX, PPTX (OOXML) and ODT, ODS, ODP (ODF), text and properties.

Every archive passes the zip limits (ziplimits.py) before any part is parsed, and its XML
is streamed with defusedxml (xmlparts.py); the formats themselves live in ooxml.py and
odf.py. Encrypted OOXML is not a zip but an OLE compound file, told apart from the old
binary formats (.doc, .xls, .ppt, also OLE files) by its "EncryptedPackage" stream.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from drive2.domain.errors import (
    EncryptedContentError,
    PermanentProcessingError,
    UnsupportedContentError,
)
from drive2.pipeline.extractors import ExtractedText
from drive2.pipeline.extractors.odf import ODP, ODS, ODT, odf_counts, odf_meta, odf_text
from drive2.pipeline.extractors.ooxml import (
    DOCX,
    PPTX,
    XLSX,
    docx_text,
    ooxml_properties,
    pptx_text,
    xlsx_text,
)
from drive2.pipeline.extractors.xmlparts import TextOut, related_part
from drive2.pipeline.extractors.ziplimits import SafeZip, ZipLimits, open_safe_zip

__all__ = ["OfficeExtractor", "office_properties", "ole_stream_names"]

OOXML_TYPES = frozenset({DOCX, XLSX, PPTX})
ODF_TYPES = frozenset({ODT, ODS, ODP})
#: What the sniffer may call an OLE compound file: an old .doc/.xls/.ppt or encrypted OOXML
#: (filetype names the latter by the layout of its first sectors, often "ms-powerpoint").
OLE_TYPES = frozenset(
    {
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/x-ole-storage",
        "application/x-cfb",
        "application/CDFV2",
    }
)
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


# --- OLE: encrypted OOXML or an old binary document --------------------------------------

_FREE_OR_END = 0xFFFFFFFA  # sector numbers from here up are markers, not sectors


def ole_stream_names(path: Path, max_entries: int = 100_000) -> set[str]:
    """The names in an OLE compound file's directory (MS-CFB), read without trusting it."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        header = fh.read(512)
        if len(header) < 512 or not header.startswith(OLE_MAGIC):
            raise PermanentProcessingError("the document is damaged: bad OLE header")
        (shift,) = struct.unpack_from("<H", header, 0x1E)
        if shift not in (9, 12):
            raise PermanentProcessingError("the document is damaged: bad OLE sector size")
        sector = 1 << shift
        max_sector = size // sector
        (dir_start,) = struct.unpack_from("<I", header, 0x30)
        (difat_start, difat_count) = struct.unpack_from("<II", header, 0x44)
        fat_sectors = list(struct.unpack_from("<109I", header, 0x4C))
        next_difat, hops = difat_start, 0
        while next_difat < _FREE_OR_END and hops < min(difat_count, max_sector):
            fh.seek((next_difat + 1) * sector)
            raw = fh.read(sector).ljust(sector, b"\xff")
            entries = struct.unpack(f"<{sector // 4}I", raw)
            fat_sectors.extend(entries[:-1])
            next_difat, hops = entries[-1], hops + 1
        fat_sectors = [s for s in fat_sectors if s < _FREE_OR_END]
        per_fat = sector // 4

        def next_sector(current: int) -> int:
            index = current // per_fat
            if index >= len(fat_sectors):
                return 0xFFFFFFFE
            fh.seek((fat_sectors[index] + 1) * sector + 4 * (current % per_fat))
            raw = fh.read(4)
            return struct.unpack("<I", raw)[0] if len(raw) == 4 else 0xFFFFFFFE

        names: set[str] = set()
        current, seen = dir_start, set()
        while current < _FREE_OR_END and current not in seen and current < max_sector:
            seen.add(current)
            fh.seek((current + 1) * sector)
            block = fh.read(sector)
            for offset in range(0, len(block) - 127, 128):
                length = min(struct.unpack_from("<H", block, offset + 64)[0], 64)
                if block[offset + 66] in (1, 2, 5) and length >= 2:
                    raw_name = block[offset : offset + length - 2]
                    names.add(raw_name.decode("utf-16-le", errors="replace"))
            if len(names) > max_entries:
                break
            current = next_sector(current)
    return names


def refuse_ole(path: Path) -> None:
    if "EncryptedPackage" in ole_stream_names(path):
        raise EncryptedContentError(
            "the document is encrypted with a password, so its text cannot be read"
        )
    raise UnsupportedContentError(
        "old binary Office formats (.doc, .xls, .ppt) are not supported yet"
    )


def _is_ole(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(8) == OLE_MAGIC


# --- properties and text ----------------------------------------------------------------


def office_properties(path: Path, mime: str, limits: ZipLimits | None = None) -> dict[str, Any]:
    """Core properties of an OOXML or ODF document under stable keys (README "Metadata keys"):
    title, subject, author, keywords, description, last_modified_by, created_at, modified_at,
    revision, pages, words, slides, sheets; absent ones are left out. Other types give {}.

    Raises PermanentProcessingError for a damaged file and UnsafeContentError for a bomb."""
    if mime not in OOXML_TYPES | ODF_TYPES or _is_ole(path):
        return {}
    with open_safe_zip(path, limits or ZipLimits()) as doc:
        if mime in OOXML_TYPES:
            return ooxml_properties(doc, mime)
        return {**odf_meta(doc), **odf_counts(doc, mime)}


class OfficeExtractor:
    name = "office"
    mime_types = OOXML_TYPES | ODF_TYPES | OLE_TYPES

    def __init__(self, limits: ZipLimits | None = None) -> None:
        self.limits = limits

    def extract(self, path: Path, max_chars: int) -> ExtractedText:
        if _is_ole(path):
            refuse_ole(path)
        out = TextOut(max_chars)
        with open_safe_zip(path, self.limits or ZipLimits()) as doc:
            mime = _kind(doc)
            if mime == DOCX:
                details = docx_text(doc, out)
            elif mime == XLSX:
                details = xlsx_text(doc, out)
            elif mime == PPTX:
                details = pptx_text(doc, out)
            else:
                details = odf_text(doc, mime, out)
        return ExtractedText(text=out.text(), extractor=self.name, details=details)


def _kind(doc: SafeZip) -> str:
    """Which of the six formats an archive holds, from its own declarations."""
    if "mimetype" in doc.names:
        with doc.open("mimetype") as fh:
            declared = fh.read(128).strip().decode("ascii", errors="replace")
        if declared in ODF_TYPES:
            return declared
    main = related_part(doc, "", "officeDocument")
    prefixes = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
    for prefix, mime in prefixes:
        if main.startswith(prefix):
            return mime
    for prefix, mime in prefixes:
        if any(name.startswith(prefix) for name in doc.names):
            return mime
    raise PermanentProcessingError(
        "the document is damaged: it is neither an OOXML nor an OpenDocument file"
    )
