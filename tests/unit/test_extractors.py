"""Text extraction for the formats of this issue, including broken input."""

from __future__ import annotations

from pathlib import Path

import pytest

from drive2.domain.errors import PermanentProcessingError
from drive2.pipeline.extractors import find_extractor
from drive2.pipeline.text_normalise import cap, excerpt, normalise
from tests.support.files import pdf_with_text, pdf_without_text, truncated_pdf


def _extract(tmp_path: Path, mime: str, data: bytes, max_chars: int = 100_000) -> str:
    path = tmp_path / "f"
    path.write_bytes(data)
    extractor = find_extractor(mime)
    assert extractor is not None
    return extractor.extract(path, max_chars).text


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", "Grüße, 東京, ภาษาไทย"),
        ("utf-8-sig", "with a BOM"),
        ("utf-16", "UTF-16 with ümlauts"),
        ("cp874", "ใบแจ้งหนี้ค่าไฟฟ้า เดือนมีนาคม ยอดชำระทั้งหมด"),
        ("latin-1", "Café crème brûlée à la française, très bien"),
    ],
)
def test_plain_text_in_any_common_encoding(tmp_path: Path, encoding: str, text: str) -> None:
    assert _extract(tmp_path, "text/plain", text.encode(encoding)).strip() == text


def test_html_gives_visible_text_only(tmp_path: Path) -> None:
    html = (
        b"<html><head><title>Bill</title><style>p{color:red}</style></head><body>"
        b"<script>alert('x')</script><p>Total &amp; tax</p><noscript>nojs</noscript>"
        b"<div>Due&nbsp;May</div></body></html>"
    )
    text = normalise(_extract(tmp_path, "text/html", html))
    assert "Total & tax" in text and "Due May" in text and "Bill" in text
    assert "alert" not in text and "color" not in text and "nojs" not in text


def test_csv_and_json_give_their_words(tmp_path: Path) -> None:
    csv_text = _extract(tmp_path, "text/csv", b"name;city\nAnn;Oslo\nBo;Rome\n")
    assert csv_text.splitlines() == ["name\tcity", "Ann\tOslo", "Bo\tRome"]
    json_text = _extract(tmp_path, "application/json", b'{"a": {"b": "deep"}, "list": ["x", 1]}')
    assert "b: deep" in json_text and "x" in json_text
    broken = _extract(tmp_path, "application/json", b'{"cut": "in the mid')
    assert "in the mid" in broken


def test_pdf_text_layer_page_by_page(tmp_path: Path) -> None:
    text = _extract(tmp_path, "application/pdf", pdf_with_text("First page", "Second page"))
    assert "First page" in text and "Second page" in text
    assert text.index("First") < text.index("Second")


def test_pdf_without_text_layer_gives_no_text(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_without_text())
    extractor = find_extractor("application/pdf")
    assert extractor is not None
    result = extractor.extract(path, 1000)
    assert result.text.strip() == ""
    assert result.details["pages_without_text"] == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (truncated_pdf(), "truncated"),
        (b"%PDF-1.7\n garbage garbage\n%%EOF\n", "cannot be read"),
    ],
)
def test_broken_pdfs_fail_permanently(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(PermanentProcessingError, match=message):
        _extract(tmp_path, "application/pdf", data)


def test_encrypted_pdf_fails_permanently_with_a_clear_message(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="user")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "secret")
    with pytest.raises(PermanentProcessingError, match="encrypted"):
        _extract(tmp_path, "application/pdf", bytes(pdf.output()))


def test_normalise_cap_and_excerpt() -> None:
    assert normalise("  a\t\tb \r\n\r\n\r\n\r\nc\u00a0d  ") == "a b\n\nc d"
    assert normalise("e\u0301") == "\u00e9"  # NFC
    capped, truncated = cap("word " * 100, 50)
    assert truncated and len(capped) <= 50
    assert cap("short", 50) == ("short", False)
    long = excerpt("alpha beta gamma " * 20, 30)
    assert len(long) <= 30 and long.endswith("…")
