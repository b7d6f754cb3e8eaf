"""ODT, ODS and ODP (OpenDocument): text from content.xml, properties from meta.xml."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drive2.domain.errors import PermanentProcessingError
from drive2.pipeline.extractors.xmlparts import (
    Element,
    Flow,
    TextOut,
    attr,
    clean_property,
    events,
    local_name,
    ns,
    small_tree,
    stream_flow,
    to_int,
)
from drive2.pipeline.extractors.ziplimits import SafeZip

ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

_TEXT = ns("urn:oasis:names:tc:opendocument:xmlns:text:1.0")
_TABLE = ns("urn:oasis:names:tc:opendocument:xmlns:table:1.0")
_DRAW = ns("urn:oasis:names:tc:opendocument:xmlns:drawing:1.0")
_OFFICE = ns("urn:oasis:names:tc:opendocument:xmlns:office:1.0")
_SVG = ns("urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0")
_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _odf_paragraph(p: Element) -> str:
    """Mixed content: the element's text, each child's own text, then the child's tail."""
    parts: list[str] = []
    stack: list[Element | str] = [p]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        tag = item.tag
        if item is not p:
            if tag in _TEXT("s"):
                parts.append(" " * _repeat_spaces(item))
            elif tag in _TEXT("tab"):
                parts.append("\t")
            elif tag in _TEXT("line-break"):
                parts.append("\n")
        hidden = item is not p and tag in _ODF_HIDDEN
        if item.text and not hidden:
            parts.append(item.text)
        for child in reversed(item):
            if child.tail:
                stack.append(child.tail)
            if not hidden:
                stack.append(child)
    return "".join(parts)


def _repeat_spaces(elem: Element) -> int:
    return max(1, min(to_int(elem.get(_TEXT_NS + "c"), 1), 100))


_ODF_HIDDEN = (
    _TEXT("note-citation")
    | _OFFICE("annotation")
    | _SVG("title")
    | _SVG("desc")
    | _TEXT("p")
    | _TEXT("h")
)


def _odf_flow(
    section: frozenset[str] = frozenset(),
    title: Callable[[Element, int], str] = lambda elem, n: "",
) -> Flow:
    return Flow(
        paragraph=_TEXT("p") | _TEXT("h"),
        render=_odf_paragraph,
        cell=_TABLE("table-cell") | _TABLE("covered-table-cell"),
        row=_TABLE("table-row"),
        skip=_TEXT("tracked-changes"),
        section=section,
        title=title,
        repeat_columns=_TABLE_NS + "number-columns-repeated",
        repeat_rows=_TABLE_NS + "number-rows-repeated",
    )


_ODF_FLOWS = {
    ODT: _odf_flow(),
    ODS: _odf_flow(_TABLE("table"), lambda elem, n: "# " + (attr(elem, "name") or f"Sheet {n}")),
    ODP: _odf_flow(_DRAW("page"), lambda elem, n: f"# Slide {n}"),
}
_ODF_COUNT_KEY = {ODT: "pages", ODS: "sheets", ODP: "slides"}


def odf_text(doc: SafeZip, mime: str, out: TextOut) -> dict[str, Any]:
    """Paragraphs and headings in order, table rows tab-separated, each sheet or slide
    opened by a "# name" / "# Slide n" line."""
    if "content.xml" not in doc.names:
        raise PermanentProcessingError("the document is damaged: it has no content.xml")
    sections = stream_flow(doc, "content.xml", _ODF_FLOWS[mime], out)
    if mime == ODT:
        pages = odf_meta(doc).get("pages")
        return {"pages": pages} if pages is not None else {}
    return {_ODF_COUNT_KEY[mime]: sections}


# --- properties ---------------------------------------------------------------------------

_ODF_META_KEYS = {
    "title": "title",
    "subject": "subject",
    "description": "description",
    "initial-creator": "author",
    "creator": "last_modified_by",
    "creation-date": "created_at",
    "date": "modified_at",
    "editing-cycles": "revision",
}
_ODF_STATS = {"page-count": "pages", "word-count": "words"}


def odf_meta(doc: SafeZip) -> dict[str, Any]:
    """meta.xml under the same stable keys as OOXML core properties. ODF's dc:creator is
    the last person to save, meta:initial-creator the author."""
    root = small_tree(doc, "meta.xml")
    props: dict[str, Any] = {}
    keywords: list[str] = []
    for elem in root.iter() if root is not None else ():
        local = local_name(elem.tag)
        if local == "keyword" and (elem.text or "").strip():
            keywords.append(elem.text.strip() if elem.text else "")
        elif local == "document-statistic":
            for name, stat in _ODF_STATS.items():
                if (value := clean_property(stat, attr(elem, name) or "")) is not None:
                    props[stat] = value
        elif (key := _ODF_META_KEYS.get(local)) and (
            value := clean_property(key, "".join(elem.itertext()))
        ) is not None:
            props[key] = value
    if keywords:
        props["keywords"] = ", ".join(keywords)
    if "author" not in props and "last_modified_by" in props:
        props["author"] = props["last_modified_by"]
    return props


def odf_counts(doc: SafeZip, mime: str) -> dict[str, Any]:
    """The number of sheets (ODS) or slides (ODP), counted in content.xml."""
    if mime not in (ODS, ODP) or "content.xml" not in doc.names:
        return {}
    tag = _TABLE("table") if mime == ODS else _DRAW("page")
    path: list[Element] = []
    count = 0
    for event, elem in events(doc, "content.xml"):
        if event == "start":
            path.append(elem)
            count += elem.tag in tag and len(path) <= 4
        else:
            path.pop()
            if path:
                path[-1].remove(elem)
    return {_ODF_COUNT_KEY[mime]: count}
