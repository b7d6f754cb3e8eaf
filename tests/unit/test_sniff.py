"""Type detection trusts bytes, not names."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from drive2.pipeline.sniff import detect_file, detect_mime
from tests.support.files import pdf_with_text, png_bytes, utf16_text, windows874_text


def _zip(path: Path, names: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in names.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("data", "hint", "expected"),
    [
        (b"", "x.pdf", "application/x-empty"),
        (pdf_with_text("hi"), "photo.jpg", "application/pdf"),
        (png_bytes(), "notes.txt", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "a.txt", "image/jpeg"),
        (b"{\\rtf1\\ansi hello}", "a.txt", "application/rtf"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "a.txt", "text/html"),
        (b'{"a": [1, 2, {"b": "c"}]}', "a.txt", "application/json"),
        (b"a,b\n1,2\n", "table.csv", "text/csv"),
        (b"a,b\n1,2\n", "table.exe", "text/plain"),
        (b"# Title\n\n- one\n- two\n", "notes", "text/markdown"),
        (b"From: a@b.c\nSubject: hi\n\nbody\n", "mail", "message/rfc822"),
        (utf16_text("hello"), "a", "text/plain"),
        (windows874_text("ภาษาไทย"), "a", "text/plain"),
        (bytes(range(256)) * 4, "a.txt", "application/octet-stream"),
    ],
)
def test_detect_mime(data: bytes, hint: str, expected: str) -> None:
    assert detect_mime(data[:8192], None, hint) == expected


def test_office_files_are_told_apart_by_their_contents(tmp_path: Path) -> None:
    docx = _zip(tmp_path / "a.bin", {"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"})
    xlsx = _zip(tmp_path / "b.bin", {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"})
    odt = _zip(tmp_path / "c.bin", {"mimetype": b"application/vnd.oasis.opendocument.text"})
    plain = _zip(tmp_path / "d.docx", {"readme.txt": b"just a zip"})
    assert detect_file(docx).endswith("wordprocessingml.document")
    assert detect_file(xlsx).endswith("spreadsheetml.sheet")
    assert detect_file(odt) == "application/vnd.oasis.opendocument.text"
    assert detect_file(plain) == "application/zip"


def test_a_cut_office_file_is_named_by_its_header_without_crashing(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", b"<w/>")
    path = tmp_path / "broken.docx"
    path.write_bytes(buf.getvalue()[:40])
    # The local header still says "word/": the office extractor then reports the damage.
    assert detect_file(path).endswith("wordprocessingml.document")
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 30)
    assert detect_file(path) == "application/zip"
