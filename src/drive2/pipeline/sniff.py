"""Find a file's real type from its bytes. The name is only a hint between text formats
(CSV and Markdown look like plain text); it never turns bytes into a binary type."""

from __future__ import annotations

import codecs
import json
import re
import zipfile
from pathlib import Path

import filetype

SNIFF_BYTES = 8192

EMPTY = "application/x-empty"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OCTET = "application/octet-stream"

_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text",
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.presentation",
}
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_EMAIL_HEADER = re.compile(
    rb"^(Return-Path|Received|From|To|Subject|Date|Message-ID|MIME-Version|Delivered-To):",
    re.IGNORECASE,
)
_HTML = re.compile(rb"<(!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)
_MARKDOWN = re.compile(r"^(#{1,6} \S|\* \S|- \S|\d+\. \S|```|> \S)", re.MULTILINE)

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(head: bytes) -> str | None:
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    return None


def _looks_textual(head: bytes) -> bool:
    if bom_encoding(head):
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls <= max(1, len(head) // 100)


def _text_subtype(head: bytes, name_hint: str) -> str:
    encoding = bom_encoding(head)
    sample = head.decode(encoding, errors="ignore").encode("utf-8") if encoding else head
    stripped = sample.lstrip()
    lower_name = name_hint.lower()
    # Mail first: an HTML-only message is still a message.
    if _EMAIL_HEADER.match(stripped) and b"\n\n" in sample.replace(b"\r\n", b"\n"):
        return "message/rfc822"
    if _HTML.search(stripped[:2048]):
        return "text/html"
    if stripped[:1] in (b"{", b"[") and _plausible_json(stripped):
        return "application/json"
    if lower_name.endswith((".csv", ".tsv")):
        return "text/csv"
    if lower_name.endswith((".md", ".markdown")):
        return "text/markdown"
    text = sample.decode("utf-8", errors="ignore")
    if len(_MARKDOWN.findall(text)) >= 2:
        return "text/markdown"
    return "text/plain"


def _plausible_json(sample: bytes) -> bool:
    try:
        json.loads(sample)
        return True
    except ValueError as exc:
        # A sample cut mid-document fails at its end; a non-JSON text fails early.
        pos = getattr(exc, "pos", 0) or 0
        return len(sample) >= SNIFF_BYTES - 16 and pos >= len(sample) - 64


def _zip_subtype(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                declared = zf.read("mimetype")[:128].strip()
                if declared in _ODF_TYPES:
                    return declared.decode()
            if "[Content_Types].xml" in names:
                for prefix, mime in _OOXML.items():
                    if any(n.startswith(prefix) for n in names):
                        return mime
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return "application/zip"
    return "application/zip"


def detect_mime(head: bytes, path: Path | None = None, name_hint: str = "") -> str:
    """The MIME type of a file from its first bytes (and the whole file for ZIP containers)."""
    if not head:
        return EMPTY
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"{\\rtf"):
        return "application/rtf"
    kind = filetype.guess(head)
    if kind is None and head.startswith(OLE_MAGIC):
        # filetype knows only some OLE layouts; an encrypted OOXML file is one it misses.
        return "application/x-ole-storage"
    if kind is not None:
        if kind.mime == "application/zip" and path is not None:
            return _zip_subtype(path)
        return str(kind.mime)
    if _looks_textual(head):
        return _text_subtype(head, name_hint)
    return OCTET


def detect_file(path: Path, name_hint: str = "") -> str:
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    return detect_mime(head, path, name_hint)
