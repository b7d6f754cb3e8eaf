"""Facts from metadata and document type words, and the suggested filename built from them.

A suggested filename is `YYYY-MM-DD_phrase_phrase.ext`: only [a-z0-9_-] and Thai letters,
no separators, no leading dot, at most 100 characters and 200 bytes of UTF-8 (Thai letters
take three bytes and file systems count bytes), the original extension kept when it looks
like one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import PurePath

from drive2.domain.document_date import DatedBy, choose_document_date, metadata_date

MAX_FILENAME_CHARS = 100
MAX_FILENAME_BYTES = 200
READABLE_STEM_CHARS = 50
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")
_UNSAFE = re.compile(r"[^a-z0-9\u0e01-\u0e4e\u0e50-\u0e59]+")
_THAI_LETTER = re.compile(r"[\u0e01-\u0e4e\u0e50-\u0e59]")

#: Words that name what kind of document this is, as they appear in the text (English and
#: Thai); the longest matching form is used, so "tax invoice" wins over "invoice".
DOCUMENT_TYPES: tuple[str, ...] = (
    "tax invoice",
    "invoice",
    "receipt",
    "quotation",
    "purchase order",
    "credit note",
    "bank statement",
    "payslip",
    "contract",
    "agreement",
    "resume",
    "curriculum vitae",
    "meeting minutes",
    "minutes of meeting",
    "ใบกำกับภาษี",
    "ใบแจ้งหนี้",
    "ใบเสร็จรับเงิน",
    "ใบเสร็จ",
    "ใบเสนอราคา",
    "ใบสั่งซื้อ",
    "ใบลดหนี้",
    "สลิปเงินเดือน",
    "สัญญา",
    "รายงานการประชุม",
    "บันทึกการประชุม",
)
_CAMERA_NOISE = re.compile(
    r"\b(corporation|corp|co|ltd|inc|company|imaging|electronics|optical)\b\.?", re.I
)


def content_date(metadata: Mapping[str, object], timezone: str) -> date | None:
    """The date the content was made, from e-mail, EXIF, PDF or office metadata."""
    found = metadata_date(metadata, timezone)
    return found.value if found else None


def file_date(
    text: str, metadata: Mapping[str, object], timezone: str, today: date
) -> DatedBy | None:
    """The date the pipeline chose (the metadata's "date" section, see
    pipeline/stages/document_date.py); without it, the same choice made here."""
    section = metadata.get("date")
    value = section.get("value") if isinstance(section, Mapping) else None
    source = section.get("source") if isinstance(section, Mapping) else None
    if isinstance(value, str) and isinstance(source, str):
        try:
            return DatedBy(date.fromisoformat(value), source)
        except ValueError:
            pass
    return choose_document_date(text, metadata, None, timezone, today)


def camera_make(metadata: Mapping[str, object]) -> str | None:
    exif = metadata.get("exif")
    make = exif.get("camera_make") if isinstance(exif, Mapping) else None
    if not isinstance(make, str):
        return None
    cleaned = " ".join(_CAMERA_NOISE.sub(" ", make).replace(",", " ").lower().split())
    return cleaned[:40] or None


def document_type(text: str) -> str | None:
    """The document type word found in the first part of the text, as it is written."""
    head = " ".join(text[:3000].lower().split())
    found = [kind for kind in DOCUMENT_TYPES if _contains(head, kind)]
    return max(found, key=len) if found else None


def _contains(text: str, phrase: str) -> bool:
    if _THAI_LETTER.search(phrase):
        return phrase in text
    return re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", text) is not None


def metadata_tags(
    metadata: Mapping[str, object], when: date | None, kind: str | None
) -> tuple[list[str], list[str]]:
    """(tags to put first, tags to put last): the document type; the year, camera, photo."""
    first = [kind] if kind else []
    last: list[str] = []
    if when is not None:
        last.append(str(when.year))
    make = camera_make(metadata)
    if make:
        last.append(make)
    if isinstance(metadata.get("exif"), Mapping) and metadata.get("exif"):
        last.append("photo")
    return first, last


# --- filenames ---------------------------------------------------------------------------


def slug(value: str) -> str:
    """Lower-case [a-z0-9-] and Thai letters; Latin accents dropped (é -> e)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", value.lower()):
        if _THAI_LETTER.match(ch):
            out.append(ch)
            continue
        decomposed = unicodedata.normalize("NFKD", ch)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return _UNSAFE.sub("-", "".join(out)).strip("-")


def extension(original: str) -> str:
    suffix = PurePath(original.replace("\\", "/")).suffix.lower()
    return suffix if _EXTENSION.fullmatch(suffix) else ""


def suggested_filename(when: date, phrases: Iterable[str], original: str, parts: int = 3) -> str:
    """Up to `parts` phrases; a third only while the name stays short enough to read."""
    suffix = extension(original)
    head = when.isoformat()
    budget_chars = MAX_FILENAME_CHARS - len(head) - 1 - len(suffix)
    budget_bytes = MAX_FILENAME_BYTES - len(head) - 1 - len(suffix.encode())
    chosen: list[str] = []
    for phrase in phrases:
        piece = slug(phrase)
        if not piece or any(piece in part for part in chosen):
            continue
        stem = "_".join([*chosen, piece])
        if len(stem) > budget_chars or len(stem.encode()) > budget_bytes:
            if not chosen:
                chosen.append(_cut(piece, budget_chars, budget_bytes))
            break
        if len(chosen) >= 2 and len(stem) > READABLE_STEM_CHARS:
            break
        chosen.append(piece)
        if len(chosen) == parts:
            break
    stem = "_".join(chosen) or "document"
    return f"{head}_{stem}{suffix}"


def _cut(piece: str, chars: int, size: int) -> str:
    while piece and (len(piece) > chars or len(piece.encode()) > size):
        cut = piece.rfind("-", 0, len(piece) - 1)
        piece = piece[:cut] if cut > 0 else piece[: min(chars, len(piece) - 1)]
    return piece.strip("-") or "document"
