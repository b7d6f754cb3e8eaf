"""Office documents, RTF and e-mail: real files made in code, their words and properties, and
the hostile ones (zip bombs, XML bombs, damaged, encrypted, empty)."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import time
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drive2.bootstrap import Container
from drive2.domain.errors import (
    EncryptedContentError,
    PermanentProcessingError,
    UnsafeContentError,
)
from drive2.domain.models import FileStatus, NewFile, StageOutcome
from drive2.domain.object_keys import original_key
from drive2.pipeline.extractors import find_extractor
from drive2.pipeline.extractors.email import EmailExtractor, email_properties
from drive2.pipeline.extractors.office import (
    OfficeExtractor,
    office_properties,
    ole_stream_names,
)
from drive2.pipeline.extractors.rtf import RtfExtractor
from drive2.pipeline.extractors.ziplimits import Budget, CappedReader, ZipLimits
from drive2.pipeline.runner import PipelineRunner, RunOutcome
from drive2.pipeline.sniff import EMPTY, detect_file
from drive2.pipeline.stages.detect import DetectTypeStage
from drive2.pipeline.stages.text import ExtractTextStage
from drive2.pipeline.text_normalise import normalise
from tests.conftest import SettingsFactory

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
GIB = 1024**3
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _text(path: Path, max_chars: int = 1_000_000) -> str:
    extractor = find_extractor(detect_file(path))
    assert extractor is not None
    return extractor.extract(path, max_chars).text


def _in_order(text: str, *words: str) -> None:
    positions = [text.index(word) for word in words]
    assert positions == sorted(positions), (words, positions)


# --- fixtures made in code ----------------------------------------------------------------


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = "Quarterly report"
    props.subject = "Finance"
    props.author = "Ann Author"
    props.keywords = "budget, q3"
    props.comments = "Numbers for the board"
    props.last_modified_by = "Bo Editor"
    props.revision = 7
    props.created = datetime(2024, 3, 15, 9, 30, 0)
    props.modified = datetime(2024, 4, 1, 17, 45, 10)
    document.add_heading("Alpha heading", level=1)
    paragraph = document.add_paragraph("Bravo paragraph with ")
    paragraph.add_run("a bold run").bold = True
    run = document.add_paragraph().add_run("Charlie")
    run.add_tab()
    run.add_text("Delta")
    run.add_break()
    run.add_text("Echo ภาษาไทย")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("Foxtrot", "Golf"), ("Hotel", "India")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("Juliet closing words")
    section = document.sections[0]
    section.header.paragraphs[0].text = "Kilo header"
    section.footer.paragraphs[0].text = "Lima footer"
    document.save(str(path))
    return path


def make_xlsx(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet.append(["Item", "Cost", "Paid"])
    sheet.append(["Rent", 1200, True])
    sheet.append(["Power", 85.5, False])
    sheet["E5"] = "far cell"
    sheet["A6"] = datetime(2024, 3, 15)
    other = book.create_sheet("Notes ไทย")
    other["A1"] = "second sheet words"
    book.properties.title = "Household budget"
    book.properties.creator = "Carol"
    book.save(str(path))
    return path


def make_pptx(path: Path) -> Path:
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation()
    deck.core_properties.title = "Launch deck"
    deck.core_properties.author = "Dana"
    for number, word in enumerate(["Mango", "Nectarine", "Orange"], start=1):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"{word} title"
        slide.placeholders[1].text = f"{word} body {number}"
        if number == 2:
            slide.notes_slide.notes_text_frame.text = "Papaya speaker note"
            shape = slide.shapes.add_table(2, 2, Inches(1), Inches(4), Inches(4), Inches(1))
            shape.table.cell(0, 0).text = "Quince"
            shape.table.cell(0, 1).text = "Raspberry"
    deck.save(str(path))
    return path


def make_odt(path: Path) -> Path:
    from odf import dc, meta
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import H, LineBreak, P, S, Span, Tab

    document = OpenDocumentText()
    document.meta.addElement(dc.Title(text="Open notes"))
    document.meta.addElement(dc.Subject(text="Testing"))
    document.meta.addElement(meta.InitialCreator(text="Somchai"))
    document.meta.addElement(dc.Creator(text="Malee"))
    document.meta.addElement(meta.Keyword(text="thai"))
    document.meta.addElement(meta.Keyword(text="notes"))
    document.meta.addElement(meta.CreationDate(text="2024-01-02T03:04:05.123456789"))
    document.meta.addElement(meta.EditingCycles(text="3"))
    document.text.addElement(H(outlinelevel=1, text="Sierra heading"))
    paragraph = P(text="Tango ")
    paragraph.addElement(Span(text="uniform"))
    paragraph.addElement(S(c=3))
    paragraph.addElement(Tab())
    paragraph.addElement(LineBreak())
    paragraph.addText("Victor สวัสดี")
    document.text.addElement(paragraph)
    table = Table(name="T1")
    row = TableRow()
    for value in ("Whiskey", "Xray"):
        cell = TableCell()
        cell.addElement(P(text=value))
        row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)
    document.text.addElement(P(text="Yankee last"))
    document.save(str(path))
    return path


def make_ods(path: Path) -> Path:
    from odf import dc
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    book = OpenDocumentSpreadsheet()
    book.meta.addElement(dc.Title(text="Prices"))
    for name, rows in (("Fruit", [("Apple", "3.5"), ("Banana", "1.25")]), ("Veg", [("Leek",)])):
        table = Table(name=name)
        for values in rows:
            row = TableRow()
            for value in values:
                cell = TableCell()
                cell.addElement(P(text=value))
                row.addElement(cell)
            row.addElement(TableCell(numbercolumnsrepeated=16000))  # how Calc pads a row
            table.addElement(row)
        table.addElement(TableRow(numberrowsrepeated=1_048_000))  # and a sheet
        book.spreadsheet.addElement(table)
    book.save(str(path))
    return path


def make_odp(path: Path) -> Path:
    from odf import dc
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    deck = OpenDocumentPresentation()
    deck.meta.addElement(dc.Title(text="Open deck"))
    layout = PageLayout(name="Layout")
    deck.automaticstyles.addElement(layout)
    master = MasterPage(name="Master", pagelayoutname=layout)
    deck.masterstyles.addElement(master)
    for word in ("Zulu", "Yarrow"):
        page = Page(masterpagename=master)
        frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        box = TextBox()
        box.addElement(P(text=f"{word} slide text"))
        frame.addElement(box)
        page.addElement(frame)
        deck.presentation.addElement(page)
    deck.save(str(path))
    return path


def _rtf_hex(text: str, codec: str) -> str:
    return "".join(f"\\'{b:02x}" if b > 127 else chr(b) for b in text.encode(codec))


THAI = "ใบแจ้งหนี้ค่าไฟฟ้า"
RTF_THAI = (
    "{\\rtf1\\ansi\\ansicpg874\\deff0{\\fonttbl{\\f0\\fnil\\fcharset222 Tahoma;}}"
    "{\\info{\\title Hidden title}}\\f0\\fs20 Invoice " + _rtf_hex(THAI, "cp874") + "\\par "
    "Second {\\b bold} line \\u-10179?\\u-8704? done\\par}"
).encode("ascii")
RTF_ENGLISH = (
    b"{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}{\\colortbl;\\red0\\green0\\blue0;}"
    b"Caf\\'e9 cr\\'e8me, {\\field{\\*\\fldinst{HYPERLINK \"http://example.com\"}}"
    b"{\\fldrslt{the link}}} and \\{braces\\}.\\par}"
)

EML = b"""\
From: =?utf-8?q?Ann_M=C3=BCller?= <ann@example.com>
To: Bo <bo@example.com>, cy@example.com
Cc: dee@example.com
Subject: =?utf-8?q?Invoice_March_=E2=80=93_paid?=
Date: Fri, 15 Mar 2024 10:20:30 +0700
Message-ID: <1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XYZ"

--XYZ
Content-Type: multipart/alternative; boundary="ALT"

--ALT
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hello Bo, the invoice is paid. =E0=B8=82=E0=B8=AD=E0=B8=9A=E0=B8=84=E0=B8=B8=E0=B8=93
--ALT
Content-Type: text/html; charset=utf-8

<p>Hello Bo, <b>HTML version</b></p>
--ALT--
--XYZ
Content-Type: application/pdf; name="invoice.pdf"
Content-Disposition: attachment; filename="../../secret/invoice.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--XYZ
Content-Type: image/png
Content-Disposition: attachment; filename*=utf-8''%E0%B8%A3%E0%B8%B9%E0%B8%9B.png
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--XYZ--
"""

EML_HTML_THAI = (
    b"From: shop@example.co.th\r\nTo: me@example.com\r\nSubject: Receipt\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=windows-874\r\n\r\n"
    b"<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
    b"<p>" + THAI.encode("cp874") + b" total 450 THB</p></body></html>\r\n"
)

EML_MALFORMED = b"""\
From: <<<@@@>>> broken
To: ,,,;;;
Subject: =?bogus-charset?x?zzz?= still here
Date: not a date at all
Content-Type: multipart/mixed; boundary="B"

--B
Content-Type: text/plain; charset=x-no-such-charset
Content-Transfer-Encoding: base64

SGVsbG8gZnJvbSBhIGJyb2tlbiBtYWls
--B
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="cut-off.bin"
Content-Transfer-Encoding: base64

AAAA
"""


END, FREE, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD


def ole_file(streams: list[str], looks_like_office: bool = True) -> bytes:
    """A minimal but valid OLE compound file (MS-CFB v3: header, a FAT sector, a directory
    sector, two data sectors) with empty streams of the given names. Encrypted OOXML is such
    a file with "EncryptedPackage" and "EncryptionInfo" streams; .doc has "WordDocument"."""
    header = bytearray(512)
    header[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIII", header, 0x2C, 1, 1, 0, 4096)  # FAT sectors, directory at 1
    struct.pack_into("<IIII", header, 0x3C, END, 0, END, 0)  # no mini FAT, no DIFAT sectors
    struct.pack_into("<109I", header, 0x4C, 0, *([FREE] * 108))
    # Sector 2 chains to 3, as in the files Office writes; the `filetype` sniffer keys on it.
    fat = [FATSECT, END, 3 if looks_like_office else FREE, END] + [FREE] * 124
    entries = bytearray()
    for index, (name, kind) in enumerate([("Root Entry", 5)] + [(n, 2) for n in streams]):
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\0\0"
        entry[: len(raw)] = raw
        struct.pack_into("<HBB", entry, 64, len(raw), kind, 1)
        child = 1 if kind == 5 and streams else FREE
        right = index + 1 if kind == 2 and index < len(streams) else FREE
        struct.pack_into("<III", entry, 68, FREE, right, child)
        struct.pack_into("<II", entry, 116, END if kind == 5 else 2, 0)
        entries += entry
    directory = bytes(entries).ljust(512, b"\0")
    return bytes(header) + struct.pack("<128I", *fat) + directory + b"\0" * 1024


def _with_member(source: Path, target: Path, name: str, data: bytes) -> Path:
    """A copy of an archive with one member replaced."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, data if info.filename == name else src.read(info))
    return target


def _docx_with_big_member(path: Path, size: int) -> Path:
    """A DOCX whose document.xml is `size` bytes of zeros, streamed: ~1/1000 of it on disk."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("_rels/.rels", "<Relationships/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                fh.write(chunk)
    return path


@pytest.fixture(scope="module")
def gigabyte_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _docx_with_big_member(tmp_path_factory.mktemp("bomb") / "bomb.docx", GIB)


# --- what comes back ----------------------------------------------------------------------


def test_docx_gives_paragraphs_tables_and_margins_in_order(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "report.docx")
    result = OfficeExtractor().extract(path, 100_000)
    text = result.text
    _in_order(
        text,
        "Alpha heading",
        "Bravo paragraph with a bold run",
        "Charlie\tDelta\nEcho ภาษาไทย",
        "Foxtrot\tGolf",
        "Hotel\tIndia",
        "Juliet closing words",
        "Kilo header",
        "Lima footer",
    )
    assert result.extractor == "office"
    assert text.count("Kilo header") == 1


def test_docx_core_properties_come_back_under_stable_keys(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "report.docx")
    props = office_properties(path, DOCX)
    assert {k: props[k] for k in props if k not in ("pages", "words")} == {
        "title": "Quarterly report",
        "subject": "Finance",
        "author": "Ann Author",
        "keywords": "budget, q3",
        "description": "Numbers for the board",
        "last_modified_by": "Bo Editor",
        "revision": 7,
        "created_at": "2024-03-15T09:30:00+00:00",
        "modified_at": "2024-04-01T17:45:10+00:00",
    }


def test_xlsx_gives_every_sheet_row_by_row(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "budget.xlsx")
    result = OfficeExtractor().extract(path, 100_000)
    lines = result.text.splitlines()
    assert lines == [
        "# Budget",
        "Item\tCost\tPaid",
        "Rent\t1200\tTRUE",
        "Power\t85.5\tFALSE",
        "\t\t\t\tfar cell",
        "2024-03-15",
        "# Notes ไทย",
        "second sheet words",
    ]
    assert result.details == {"sheets": 2}
    props = office_properties(path, XLSX)
    assert props["title"] == "Household budget" and props["author"] == "Carol"
    assert props["sheets"] == 2


def test_xlsx_inline_strings_and_strict_namespace(tmp_path: Path) -> None:
    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    rel = "http://purl.oclc.org/ooxml/officeDocument/relationships"
    path = tmp_path / "inline.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="r1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{strict}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Inline" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/s1.xml"/>'
            "</Relationships>",
        )
        zf.writestr(
            "xl/worksheets/s1.xml",
            f'<worksheet xmlns="{strict}"><sheetData><row r="1">'
            '<c r="A1" t="inlineStr"><is><t>Sierra</t></is></c>'
            '<c r="C1" t="str"><f>A1</f><v>Tango</v></c></row></sheetData></worksheet>',
        )
    assert detect_file(path) == XLSX
    assert _text(path).splitlines() == ["# Inline", "Sierra\t\tTango"]


def test_pptx_gives_slides_in_order_with_tables_and_notes(tmp_path: Path) -> None:
    path = make_pptx(tmp_path / "deck.pptx")
    result = OfficeExtractor().extract(path, 100_000)
    _in_order(
        result.text,
        "# Slide 1",
        "Mango title",
        "Mango body 1",
        "# Slide 2",
        "Nectarine title",
        "Quince\tRaspberry",
        "Notes:",
        "Papaya speaker note",
        "# Slide 3",
        "Orange body 3",
    )
    assert result.details == {"slides": 3}
    props = office_properties(path, PPTX)
    assert props["title"] == "Launch deck" and props["author"] == "Dana"
    assert props["slides"] == 3


def test_odt_gives_headings_paragraphs_and_tables(tmp_path: Path) -> None:
    path = make_odt(tmp_path / "notes.odt")
    text = _text(path)
    _in_order(text, "Sierra heading", "Tango uniform", "Victor สวัสดี", "Whiskey\tXray", "Yankee")
    assert "Tango uniform   \t\nVictor" in text  # text:s c=3, text:tab, text:line-break
    assert office_properties(path, ODT) == {
        "title": "Open notes",
        "subject": "Testing",
        "author": "Somchai",
        "last_modified_by": "Malee",
        "keywords": "thai, notes",
        "created_at": "2024-01-02T03:04:05.123456",
        "revision": 3,
    }


def test_ods_gives_sheets_without_expanding_repeated_cells(tmp_path: Path) -> None:
    path = make_ods(tmp_path / "prices.ods")
    started = time.perf_counter()
    result = OfficeExtractor().extract(path, 100_000)
    assert time.perf_counter() - started < 10
    assert result.text.splitlines() == ["# Fruit", "Apple\t3.5", "Banana\t1.25", "# Veg", "Leek"]
    assert result.details == {"sheets": 2}
    assert office_properties(path, ODS) == {"title": "Prices", "sheets": 2}


def test_odp_gives_slides_in_order(tmp_path: Path) -> None:
    path = make_odp(tmp_path / "deck.odp")
    result = OfficeExtractor().extract(path, 100_000)
    assert result.text.splitlines() == [
        "# Slide 1",
        "Zulu slide text",
        "# Slide 2",
        "Yarrow slide text",
    ]
    assert office_properties(path, ODP) == {"title": "Open deck", "slides": 2}


def test_long_documents_stop_at_the_text_cap(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for number in range(5000):
        document.add_paragraph(f"paragraph number {number} " + "word " * 20)
    path = tmp_path / "long.docx"
    document.save(str(path))
    text = OfficeExtractor().extract(path, 2_000).text
    assert 2_000 <= len(text) < 2_500
    assert text.startswith("paragraph number 0 ")


def test_rtf_in_the_declared_thai_code_page(tmp_path: Path) -> None:
    path = tmp_path / "thai.rtf"
    path.write_bytes(RTF_THAI)
    assert detect_file(path) == "application/rtf"
    result = RtfExtractor().extract(path, 100_000)
    text = normalise(result.text)
    assert f"Invoice {THAI}" in text
    assert "Second bold line 😀 done" in text  # \u surrogate pair made whole again
    assert "Hidden title" not in text
    assert result.details["encoding"] == "cp874"


def test_rtf_western_text_escapes_and_links(tmp_path: Path) -> None:
    path = tmp_path / "a.rtf"
    path.write_bytes(RTF_ENGLISH)
    text = normalise(_text(path))
    assert text == "Café crème, the link and {braces}."


def test_rtf_built_to_make_the_parser_backtrack_stays_fast(tmp_path: Path) -> None:
    fields = "{\\field{\\*\\fldinst{ HYPERLINK x " * 20_000
    fonts = "{\\fonttbl " + "\\f1" * 200_000 + "}"
    path = tmp_path / "slow.rtf"
    path.write_text("{\\rtf1\\ansi" + fonts + fields + "tail words}", encoding="ascii")
    started = time.perf_counter()
    RtfExtractor().extract(path, 100_000)
    assert time.perf_counter() - started < 20  # minutes without the taming


def test_eml_gives_headers_body_and_attachment_names(tmp_path: Path) -> None:
    path = tmp_path / "mail.eml"
    path.write_bytes(EML)
    assert detect_file(path) == "message/rfc822"
    result = EmailExtractor().extract(path, 100_000)
    lines = result.text.splitlines()
    assert lines[:5] == [
        "From: Ann Müller <ann@example.com>",
        "To: Bo <bo@example.com>, cy@example.com",
        "Cc: dee@example.com",
        "Subject: Invoice March – paid",
        "Date: Fri, 15 Mar 2024 10:20:30 +0700",
    ]
    assert "Hello Bo, the invoice is paid. ขอบคุณ" in result.text
    assert "HTML version" not in result.text  # text/plain is preferred
    assert lines[-1] == "Attachments: invoice.pdf, รูป.png"
    assert result.details == {
        "from": "Ann Müller <ann@example.com>",
        "to": "Bo <bo@example.com>, cy@example.com",
        "cc": "dee@example.com",
        "subject": "Invoice March – paid",
        "date": "2024-03-15T10:20:30+07:00",
        "attachments": ["invoice.pdf", "รูป.png"],
    }
    assert email_properties(path) == result.details


def test_html_only_mail_in_windows_874_gives_visible_text(tmp_path: Path) -> None:
    path = tmp_path / "receipt.eml"
    path.write_bytes(EML_HTML_THAI)
    text = EmailExtractor().extract(path, 100_000).text
    assert f"{THAI} total 450 THB" in text
    assert "alert" not in text and "color" not in text
    assert email_properties(path) == {
        "from": "shop@example.co.th",
        "to": "me@example.com",
        "subject": "Receipt",
        "attachments": [],
    }


def test_malformed_mail_still_gives_what_can_be_read(tmp_path: Path) -> None:
    path = tmp_path / "broken.eml"
    path.write_bytes(EML_MALFORMED)
    result = EmailExtractor().extract(path, 100_000)
    assert "Hello from a broken mail" in result.text
    assert "still here" in result.details["subject"]
    assert result.details["date"] == "not a date at all"
    assert result.details["attachments"] == ["cut-off.bin"]
    assert result.text.endswith("Attachments: cut-off.bin")


# --- what each file is called and who reads it --------------------------------------------

_MAKERS: dict[str, tuple[Callable[[Path], Path], str, type]] = {
    "a.docx": (make_docx, DOCX, OfficeExtractor),
    "a.xlsx": (make_xlsx, XLSX, OfficeExtractor),
    "a.pptx": (make_pptx, PPTX, OfficeExtractor),
    "a.odt": (make_odt, ODT, OfficeExtractor),
    "a.ods": (make_ods, ODS, OfficeExtractor),
    "a.odp": (make_odp, ODP, OfficeExtractor),
}
_LITERALS: dict[str, tuple[bytes, str, type]] = {
    "a.rtf": (RTF_ENGLISH, "application/rtf", RtfExtractor),
    "thai.rtf": (RTF_THAI, "application/rtf", RtfExtractor),
    "a.eml": (EML, "message/rfc822", EmailExtractor),
}


@pytest.mark.parametrize("name", [*_MAKERS, *_LITERALS])
def test_the_sniffer_names_each_file_and_the_right_extractor_takes_it(
    tmp_path: Path, name: str
) -> None:
    if name in _MAKERS:
        make, mime, kind = _MAKERS[name]
        path = make(tmp_path / name)
    else:
        data, mime, kind = _LITERALS[name]
        path = tmp_path / name
        path.write_bytes(data)
    assert detect_file(path, name) == mime
    assert detect_file(path, "renamed.bin") == mime  # bytes decide, not the name
    assert isinstance(find_extractor(mime), kind)


def test_html_only_mail_is_sniffed_as_mail(tmp_path: Path) -> None:
    path = tmp_path / "receipt.eml"
    path.write_bytes(EML_HTML_THAI)
    assert detect_file(path) == "message/rfc822"


# --- hostile and broken input -------------------------------------------------------------


def test_docx_expanding_to_a_gigabyte_is_refused_before_it_is_read(gigabyte_docx: Path) -> None:
    assert gigabyte_docx.stat().st_size < 2 * 1024 * 1024
    assert detect_file(gigabyte_docx) == DOCX
    extractor = find_extractor(DOCX)  # default limits: 256 MiB, ratio 100
    assert extractor is not None
    started = time.perf_counter()
    with pytest.raises(
        UnsafeContentError, match=r"expands to 1,073,7[\d,]+ bytes or more, over the limit"
    ):
        extractor.extract(gigabyte_docx, 100_000)
    assert time.perf_counter() - started < 2  # refused from the directory, nothing inflated
    with pytest.raises(UnsafeContentError):
        office_properties(gigabyte_docx, DOCX)


def test_limits_come_from_settings(tmp_path: Path, make_settings: SettingsFactory) -> None:
    big_random = make_docx(tmp_path / "random.docx")
    with zipfile.ZipFile(big_random, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/media/photo.bin", os.urandom(1_600_000))  # incompressible
    small = ZipLimits.from_settings(make_settings(OFFICE_MAX_UNCOMPRESSED_BYTES=1_000_000))
    with pytest.raises(UnsafeContentError, match="over the limit of 1,000,000 bytes"):
        OfficeExtractor(small).extract(big_random, 100_000)
    assert "Alpha heading" in OfficeExtractor().extract(big_random, 100_000).text

    zeros = _docx_with_big_member(tmp_path / "zeros.docx", 8 * 1024 * 1024)  # ratio ~1000
    strict = ZipLimits.from_settings(make_settings(OFFICE_MAX_COMPRESSION_RATIO=50))
    extractor = find_extractor(DOCX, zip_limits=strict)
    assert extractor is not None
    with pytest.raises(UnsafeContentError, match=r"expands [\d,]+ times .* limit of 50 times"):
        extractor.extract(zeros, 100_000)


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "a.docx")
    with zipfile.ZipFile(path, "a") as zf:
        for number in range(60):
            zf.writestr(f"extra/item{number}.xml", "<x/>")
    with pytest.raises(UnsafeContentError, match="parts, over the limit of 50"):
        OfficeExtractor(ZipLimits(max_members=50)).extract(path, 1000)


def test_sizes_that_lie_are_caught_while_reading(tmp_path: Path) -> None:
    path = _docx_with_big_member(tmp_path / "liar.docx", 4 * 1024 * 1024)
    data = bytearray(path.read_bytes())
    # The central directory says document.xml is 100 bytes; its stream holds 4 MiB.
    entry = data.index(b"PK\x01\x02")
    while not data[entry + 46 :].startswith(b"word/document.xml"):
        entry = data.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 100)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("word/document.xml").file_size == 100
    with pytest.raises(PermanentProcessingError, match="damaged"):
        OfficeExtractor().extract(path, 100_000)
    # And whatever the headers say, a read never yields more than the budget.
    reader = CappedReader(io.BytesIO(bytes(5000)), Budget(4096))
    with pytest.raises(UnsafeContentError, match="more than 4,096 bytes"):
        reader.read()


def test_an_xml_entity_bomb_is_refused(tmp_path: Path) -> None:
    lol = "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' if n else '<!ENTITY lol0 "lol">'
        for n in range(10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [{lol}]>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    ).encode()
    path = _with_member(
        make_docx(tmp_path / "a.docx"), tmp_path / "bomb.docx", "word/document.xml", bomb
    )
    assert detect_file(path) == DOCX
    with pytest.raises(UnsafeContentError, match="DTD or XML entities"):
        _text(path)


def test_a_truncated_docx_is_damaged(tmp_path: Path) -> None:
    whole = make_docx(tmp_path / "a.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(whole[: len(whole) // 2])
    assert detect_file(path) == DOCX  # the first local header still says so
    with pytest.raises(PermanentProcessingError, match="the document is damaged"):
        _text(path)
    with pytest.raises(PermanentProcessingError, match="the document is damaged"):
        office_properties(path, DOCX)


def test_broken_xml_inside_is_damaged(tmp_path: Path) -> None:
    path = _with_member(
        make_docx(tmp_path / "a.docx"), tmp_path / "b.docx", "word/document.xml", b"<w:doc"
    )
    with pytest.raises(PermanentProcessingError, match="not well-formed XML"):
        _text(path)


@pytest.mark.parametrize("name", ["empty.docx", "empty.xlsx", "empty.odt", "empty.eml"])
def test_an_empty_file_is_not_given_to_any_extractor(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert detect_file(path, name) == EMPTY
    assert find_extractor(EMPTY) is None


def test_encrypted_ooxml_is_told_apart_from_old_binary_office(tmp_path: Path) -> None:
    encrypted = tmp_path / "secret.docx"
    encrypted.write_bytes(ole_file(["EncryptedPackage", "EncryptionInfo"]))
    old = tmp_path / "old.doc"
    old.write_bytes(ole_file(["WordDocument", "1Table"]))
    assert ole_stream_names(encrypted) == {"Root Entry", "EncryptedPackage", "EncryptionInfo"}
    for path in (encrypted, old):
        extractor = find_extractor(detect_file(path))
        assert isinstance(extractor, OfficeExtractor)
    with pytest.raises(EncryptedContentError, match="encrypted with a password"):
        OfficeExtractor().extract(encrypted, 1000)
    with pytest.raises(PermanentProcessingError, match=r"old binary Office formats \(.doc"):
        OfficeExtractor().extract(old, 1000)
    assert office_properties(encrypted, DOCX) == {}
    for mime in ("application/x-ole-storage", "application/x-cfb"):
        assert isinstance(find_extractor(mime), OfficeExtractor)


def test_a_real_encrypted_docx(tmp_path: Path) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(make_docx(tmp_path / "a.docx").read_bytes())
    sealed = io.BytesIO()
    OOXMLFile(plain).encrypt("password", sealed)
    path = tmp_path / "sealed.docx"
    path.write_bytes(sealed.getvalue())
    assert msoffcrypto is not None and "EncryptedPackage" in ole_stream_names(path)
    with pytest.raises(EncryptedContentError):
        OfficeExtractor().extract(path, 1000)


def test_every_ole_file_reaches_the_office_extractor(tmp_path: Path) -> None:
    path = tmp_path / "secret.docx"
    path.write_bytes(ole_file(["EncryptedPackage", "EncryptionInfo"], looks_like_office=False))
    assert isinstance(find_extractor(detect_file(path)), OfficeExtractor)


# --- through the pipeline: a clear end for each, and the next file still processed ----------


def _upload(container: Container, tmp_path: Path, user_id: str, path: Path) -> str:
    file_id = str(uuid.uuid4())
    key = original_key(user_id, file_id)
    container.blobs.put_file(key, path)
    size = path.stat().st_size
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    container.repo.add_file(
        NewFile(file_id, user_id, path.name, "application/octet-stream", size, checksum, key)
    )
    return file_id


def test_the_pipeline_fails_bombs_skips_encrypted_and_goes_on(
    container: Container, tmp_path: Path, gigabyte_docx: Path
) -> None:
    user = container.auth.register("office@example.com", "password123")
    secret = tmp_path / "secret.docx"
    secret.write_bytes(ole_file(["EncryptedPackage", "EncryptionInfo"]))
    good = make_docx(tmp_path / "good.docx")
    ids = {
        name: _upload(container, tmp_path, user.id, path)
        for name, path in (("bomb", gigabyte_docx), ("secret", secret), ("good", good))
    }
    runner = PipelineRunner(
        container.repo,
        container.blobs,
        [DetectTypeStage(), ExtractTextStage()],
        container.settings,
    )
    assert runner.run(ids["bomb"]) is RunOutcome.FAILED
    bomb = container.repo.get_file(ids["bomb"])
    assert bomb is not None and bomb.status is FileStatus.FAILED
    assert bomb.error is not None and "expands to" in bomb.error and "zip bomb" in bomb.error

    assert runner.run(ids["secret"]) is RunOutcome.COMPLETED
    sealed = container.repo.get_file(ids["secret"])
    assert sealed is not None and sealed.status is FileStatus.COMPLETED
    assert sealed.metadata["encrypted"] is True
    assert "encrypted" in sealed.metadata["skipped_stages"]["extract_text"]
    records = {r.name: r for r in container.repo.stage_records(ids["secret"])}
    assert records["extract_text"].outcome is StageOutcome.SKIPPED

    assert runner.run(ids["good"]) is RunOutcome.COMPLETED
    assert "Juliet closing words" in container.repo.get_text(ids["good"])
    done = container.repo.get_file(ids["good"])
    assert done is not None and done.metadata["text"]["extractor"] == "office"
    assert done.processed_at is not None and done.processed_at <= datetime.now(UTC)
