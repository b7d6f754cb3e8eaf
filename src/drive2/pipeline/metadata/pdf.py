"""PDF document properties with pypdfium2, and PDF/A conformance from the XMP packet.

A PDF that needs a password to open yields {"encrypted": True} and what its header says; a
truncated or corrupt one raises PermanentProcessingError, as the text stage does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from drive2.domain.errors import EncryptedContentError
from drive2.pipeline.extractors.pdf import open_pdf
from drive2.pipeline.metadata import compact

#: How much of each end of the file is searched for the XMP packet (PDF/A keeps it
#: unfiltered, so the bytes can be read as they are).
XMP_SCAN_BYTES = 8 * 1024 * 1024
_MAX_TEXT = 1000

_PDF_DATE = re.compile(
    r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?"
    r"\s*(?:([Zz])|([+-])(\d{2})'?(?:(\d{2})'?)?)?"
)
_HEADER_VERSION = re.compile(rb"%PDF-(\d)\.(\d)")
_PDFA_PART = re.compile(rb"pdfaid:part\s*(?:=\s*[\"']|>)\s*(\d)")
_PDFA_CONFORMANCE = re.compile(rb"pdfaid:conformance\s*(?:=\s*[\"']|>)\s*([A-Za-z])")

_INFO_KEYS = {
    "Title": "title",
    "Author": "author",
    "Subject": "subject",
    "Keywords": "keywords",
    "Creator": "creator",
    "Producer": "producer",
}


def read_pdf_metadata(path: Path) -> dict[str, Any]:
    """{"pdf": {...}, "encrypted": bool}."""
    try:
        pdf = open_pdf(path)
    except EncryptedContentError:
        return {"encrypted": True, "pdf": compact({"pdf_version": _header_version(path)})}
    try:
        info = pdf.get_metadata_dict()
        version = pdf.get_version()
        facts: dict[str, Any] = {key: _text(info.get(name)) for name, key in _INFO_KEYS.items()}
        facts["created_at"] = pdf_date(info.get("CreationDate"))
        facts["modified_at"] = pdf_date(info.get("ModDate"))
        facts["page_count"] = len(pdf)
        facts["pdf_version"] = (
            f"{version // 10}.{version % 10}" if version else _header_version(path)
        )
        facts["pdfa"] = pdfa_conformance(path)
        # An owner password only restricts permissions: the file opens, but is encrypted.
        encrypted = pdfium.raw.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1
    finally:
        pdf.close()
    return {"pdf": compact(facts), "encrypted": encrypted}


def pdf_date(value: str | None) -> str | None:
    """A PDF date (D:YYYYMMDDHHmmSSOHH'mm') as ISO 8601; None when absent or invalid."""
    if not value:
        return None
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zulu, sign, tz_h, tz_m = match.groups()
    tz: timezone | None = None
    if zulu:
        tz = UTC
    elif sign:
        delta = timedelta(hours=int(tz_h), minutes=int(tz_m or 0))
        if delta >= timedelta(hours=24):
            return None
        tz = timezone(-delta if sign == "-" else delta)
    try:
        moment = datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tz,
        )
    except ValueError:
        return None
    return moment.isoformat()


def pdfa_conformance(path: Path) -> str | None:
    """'2B' from pdfaid:part and pdfaid:conformance in the XMP packet; None when not PDF/A."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(XMP_SCAN_BYTES)
        tail = b""
        if size > XMP_SCAN_BYTES:
            fh.seek(max(XMP_SCAN_BYTES, size - XMP_SCAN_BYTES))
            tail = fh.read(XMP_SCAN_BYTES)
    for chunk in (tail, head):  # an incremental update appends the newest packet
        part = _PDFA_PART.search(chunk)
        if part:
            conformance = _PDFA_CONFORMANCE.search(chunk)
            letter = conformance.group(1).decode().upper() if conformance else ""
            return part.group(1).decode() + letter
    return None


def _header_version(path: Path) -> str | None:
    with open(path, "rb") as fh:
        match = _HEADER_VERSION.search(fh.read(1024))
    return f"{match.group(1).decode()}.{match.group(2).decode()}" if match else None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = value.replace("\x00", "").strip()
    return cleaned[:_MAX_TEXT] or None
