"""DOCX, XLSX and PPTX (Office Open XML): text from their XML parts, and core properties.

Parts are found the way Office finds them, through the package relationships, with the
usual names as a fallback; both the transitional and the strict namespaces are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from drive2.domain.errors import PermanentProcessingError
from drive2.pipeline.extractors.xmlparts import (
    MAX_COLUMNS,
    MC_FALLBACK,
    Element,
    Flow,
    TextOut,
    attr,
    clean_property,
    events,
    local_name,
    ns,
    related_part,
    relationships,
    small_tree,
    stream_flow,
    to_int,
    walk_text,
)
from drive2.pipeline.extractors.ziplimits import SafeZip

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

_W = ns(
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
_S = ns(
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_A = ns(
    "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://purl.oclc.org/ooxml/drawingml/main",
)
_P = ns(
    "http://schemas.openxmlformats.org/presentationml/2006/main",
    "http://purl.oclc.org/ooxml/presentationml/main",
)


# --- DOCX -------------------------------------------------------------------------------

_DOCX_MARKS = {
    **dict.fromkeys(_W("tab") | _W("ptab"), "\t"),
    **dict.fromkeys(_W("br") | _W("cr"), "\n"),
    **dict.fromkeys(_W("noBreakHyphen"), "-"),
}
#: Properties, deleted and moved-away text, field codes; nested paragraphs come on their own.
_DOCX_SKIP = (
    _W("pPr") | _W("rPr") | _W("delText") | _W("moveFrom") | _W("instrText") | MC_FALLBACK | _W("p")
)
_DOCX_FLOW = Flow(
    paragraph=_W("p"),
    render=lambda p: walk_text(p, _W("t"), _DOCX_MARKS, _DOCX_SKIP),
    cell=_W("tc"),
    row=_W("tr"),
)
_DOCX_NOTES = re.compile(r"word/(footnotes|endnotes)\.xml")
_DOCX_MARGINS = re.compile(r"word/(header|footer)(\d*)\.xml")


def docx_text(doc: SafeZip, out: TextOut) -> dict[str, Any]:
    """Body paragraphs and table rows in order, then footnotes, endnotes, headers, footers."""
    main = related_part(doc, "", "officeDocument", "word/document.xml")
    if main not in doc.names:
        raise PermanentProcessingError("the document is damaged: it has no main document part")
    stream_flow(doc, main, _DOCX_FLOW, out)
    details: dict[str, Any] = {}
    notes = sorted(n for n in doc.names if _DOCX_NOTES.fullmatch(n))
    margins = sorted(
        (n for n in doc.names if _DOCX_MARGINS.fullmatch(n)),
        key=lambda n: (n.startswith("word/footer"), len(n), n),
    )
    seen: set[str] = set()
    for part in notes + margins:
        if out.full:
            break
        lines = TextOut(out.max_chars - out.chars)
        stream_flow(doc, part, _DOCX_FLOW, lines)
        for line in lines.lines:
            if line.strip() and (part in notes or line not in seen):
                seen.add(line)
                out.add(line)
    pages = _app_counts(doc).get("pages")
    if pages is not None:
        details["pages"] = pages
    return details


# --- XLSX -------------------------------------------------------------------------------

_XLSX_TEXT_SKIP = _S("rPh") | _S("phoneticPr")
_BUILTIN_DATE_FORMATS = frozenset({*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)})
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_CELL_REF = re.compile(r"([A-Za-z]{1,3})")


def _xlsx_strings(doc: SafeZip, name: str) -> list[str]:
    strings: list[str] = []
    if name not in doc.names:
        return strings
    root: Element | None = None
    for event, elem in events(doc, name):
        if event == "start":
            root = elem if root is None else root
        elif elem.tag in _S("si"):
            strings.append(walk_text(elem, _S("t"), {}, _XLSX_TEXT_SKIP))
            if root is not None and root is not elem:
                root.remove(elem)
    return strings


def _xlsx_date_styles(doc: SafeZip, name: str) -> set[int]:
    """Indexes of the cell formats (cellXfs) that show a number as a date or time."""
    root = small_tree(doc, name) if name else None
    if root is None:
        return set()
    custom: dict[int, bool] = {}
    for fmt in root.iter():
        if fmt.tag in _S("numFmt"):
            code = _QUOTED.sub("", fmt.get("formatCode", "")).lower()
            custom[to_int(fmt.get("numFmtId"))] = any(c in code for c in "dmyhs")
    dates: set[int] = set()
    for xfs in root.iter():
        if xfs.tag in _S("cellXfs"):
            for index, xf in enumerate(x for x in xfs if x.tag in _S("xf")):
                fmt_id = to_int(xf.get("numFmtId"))
                if custom.get(fmt_id, fmt_id in _BUILTIN_DATE_FORMATS):
                    dates.add(index)
    return dates


def _serial_date(value: str, date1904: bool) -> str:
    serial = float(value)
    base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    moment = base + timedelta(days=serial)
    if serial < 1 and not date1904:
        return moment.strftime("%H:%M:%S")
    if moment.hour == moment.minute == moment.second == 0:
        return moment.date().isoformat()
    return moment.isoformat(sep=" ", timespec="seconds")


def _column(ref: str | None) -> int | None:
    match = _CELL_REF.match(ref or "")
    if not match:
        return None
    index = 0
    for letter in match.group(1).upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


@dataclass
class _Sheet:
    strings: list[str]
    dates: set[int]
    date1904: bool

    def value(self, cell: Element) -> str:
        kind = cell.get("t", "n")
        v = next((c.text or "" for c in cell if c.tag in _S("v")), "")
        if kind == "s":
            index = int(v) if v.strip().isdigit() else -1
            return self.strings[index] if 0 <= index < len(self.strings) else ""
        if kind == "inlineStr":
            return "".join(
                walk_text(c, _S("t"), {}, _XLSX_TEXT_SKIP) for c in cell if c.tag in _S("is")
            )
        if kind == "b":
            return "TRUE" if v.strip() == "1" else "FALSE"
        if kind == "n" and v and to_int(cell.get("s")) in self.dates:
            try:
                return _serial_date(v, self.date1904)
            except (ValueError, OverflowError):
                return v
        return v

    def rows(self, doc: SafeZip, name: str, out: TextOut) -> None:
        parent: Element | None = None
        for event, elem in events(doc, name):
            if event == "start":
                if elem.tag in _S("sheetData"):
                    parent = elem
                continue
            if elem.tag not in _S("row"):
                continue
            values: list[str] = []
            for cell in elem:
                if cell.tag not in _S("c"):
                    continue
                col = _column(cell.get("r"))
                if col is not None and len(values) < col <= MAX_COLUMNS:
                    values.extend([""] * (col - len(values)))
                values.append(self.value(cell))
            while values and not values[-1]:
                values.pop()
            if values:
                out.add("\t".join(values))
            if parent is not None:
                parent.remove(elem)
            if out.full:
                break


def xlsx_text(doc: SafeZip, out: TextOut) -> dict[str, Any]:
    """Each sheet as a "# name" line, then one tab-separated line per row."""
    book = related_part(doc, "", "officeDocument", "xl/workbook.xml")
    root = small_tree(doc, book)
    if root is None:
        raise PermanentProcessingError("the document is damaged: it has no workbook part")
    rels = relationships(doc, book)
    strings = _xlsx_strings(doc, related_part(doc, book, "sharedStrings"))
    sheet = _Sheet(
        strings=strings,
        dates=_xlsx_date_styles(doc, related_part(doc, book, "styles")),
        date1904=any(
            e.get("date1904") in ("1", "true") for e in root.iter() if e.tag in _S("workbookPr")
        ),
    )
    count = 0
    for entry in root.iter():
        if entry.tag not in _S("sheet"):
            continue
        count += 1
        rel_type, part = rels.get(attr(entry, "id") or "", ("", ""))
        if out.full or not rel_type.endswith("/worksheet") or part not in doc.names:
            continue
        out.add("# " + (entry.get("name") or f"Sheet {count}"))
        sheet.rows(doc, part, out)
    return {"sheets": count}


# --- PPTX -------------------------------------------------------------------------------


#: Fields (slide numbers, dates) are left out: they say nothing about the slide.
_PPTX_FLOW = Flow(
    paragraph=_A("p"),
    render=lambda p: walk_text(p, _A("t"), dict.fromkeys(_A("br"), "\n"), _A("fld") | _A("p")),
    cell=_A("tc"),
    row=_A("tr"),
)
_SLIDE_NAME = re.compile(r"ppt/slides/slide(\d+)\.xml")


def pptx_text(doc: SafeZip, out: TextOut) -> dict[str, Any]:
    """Slides in presentation order, each as "# Slide n", its paragraphs, then its notes."""
    deck = related_part(doc, "", "officeDocument", "ppt/presentation.xml")
    rels = relationships(doc, deck)
    root = small_tree(doc, deck)
    slides: list[str] = []
    for entry in root.iter() if root is not None else ():
        if entry.tag in _P("sldId"):
            rel_type, part = rels.get(attr(entry, "id") or "", ("", ""))
            if rel_type.endswith("/slide") and part in doc.names:
                slides.append(part)
    if not slides:  # no usable presentation part: the slides in the order of their numbers
        found = ((_SLIDE_NAME.fullmatch(name), name) for name in doc.names)
        slides = [name for _, name in sorted((int(m.group(1)), name) for m, name in found if m)]
    for number, slide in enumerate(slides, start=1):
        if out.full:
            break
        out.add(f"# Slide {number}")
        stream_flow(doc, slide, _PPTX_FLOW, out)
        notes = related_part(doc, slide, "notesSlide")
        if notes and not out.full:
            lines = TextOut(out.max_chars - out.chars)
            stream_flow(doc, notes, _PPTX_FLOW, lines)
            said = [line for line in lines.lines if line.strip()]
            if said:
                out.add("Notes:")
                for line in said:
                    out.add(line)
    return {"slides": len(slides)}


# --- core properties ---------------------------------------------------------------------

_CORE_KEYS = {
    "title": "title",
    "subject": "subject",
    "creator": "author",
    "keywords": "keywords",
    "description": "description",
    "lastModifiedBy": "last_modified_by",
    "created": "created_at",
    "modified": "modified_at",
    "revision": "revision",
}
_APP_COUNTS = {"Pages": "pages", "Words": "words", "Slides": "slides"}


def _app_counts(doc: SafeZip) -> dict[str, Any]:
    root = small_tree(doc, related_part(doc, "", "extended-properties", "docProps/app.xml"))
    found: dict[str, Any] = {}
    for elem in root.iter() if root is not None else ():
        key = _APP_COUNTS.get(local_name(elem.tag))
        if key and (value := clean_property(key, elem.text or "")) is not None:
            found[key] = value
    return found


def ooxml_properties(doc: SafeZip, mime: str) -> dict[str, Any]:
    """docProps/core.xml under stable keys, with the counts of app.xml (as the authoring
    application recorded them) and the real number of sheets or slides."""
    props: dict[str, Any] = {}
    root = small_tree(doc, related_part(doc, "", "core-properties", "docProps/core.xml"))
    for elem in root.iter() if root is not None else ():
        key = _CORE_KEYS.get(local_name(elem.tag))
        if key and (value := clean_property(key, "".join(elem.itertext()))) is not None:
            props[key] = value
    counts = _app_counts(doc)
    if mime == XLSX:
        book = small_tree(doc, related_part(doc, "", "officeDocument", "xl/workbook.xml"))
        if book is not None:
            counts["sheets"] = sum(1 for e in book.iter() if e.tag in _S("sheet"))
    elif mime == PPTX:
        deck = small_tree(doc, related_part(doc, "", "officeDocument", "ppt/presentation.xml"))
        if deck is not None:
            counts["slides"] = sum(1 for e in deck.iter() if e.tag in _P("sldId"))
    return {**props, **counts}
