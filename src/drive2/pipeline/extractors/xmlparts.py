"""Reading the XML parts of an office archive safely, shared by the OOXML and ODF readers.

Parts are streamed with defusedxml, which refuses DTDs and entities (an XML bomb). Each
finished paragraph or row is detached from the tree, so memory stays flat however long the
document, and reading stops as soon as the text cap is reached.
"""

from __future__ import annotations

import functools
import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from drive2.domain.errors import PermanentProcessingError, UnsafeContentError
from drive2.pipeline.extractors.ziplimits import SafeZip

Element = ET.Element

MAX_REPEAT = 64  # ODF repeats rows and cells by count; empty repeats are common and huge
MAX_COLUMNS = 1024
SMALL_PART = 8 * 1024 * 1024
COUNT_KEYS = frozenset({"revision", "pages", "words", "slides", "sheets"})


def ns(*uris: str) -> Callable[[str], frozenset[str]]:
    """Tag names in any of the namespaces (OOXML has a transitional and a strict one).
    Cached: the readers ask for the same few names once per element."""

    @functools.cache
    def names(local: str) -> frozenset[str]:
        return frozenset(f"{{{uri}}}{local}" for uri in uris)

    return names


MC_FALLBACK = ns("http://schemas.openxmlformats.org/markup-compatibility/2006")("Fallback")


def local_name(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def attr(elem: Element, local: str) -> str | None:
    """An attribute by its local name, whatever its namespace (r:id, table:name …)."""
    for key, value in elem.attrib.items():
        if local_name(key) == local:
            return value
    return None


def to_int(value: str | None, default: int = 0) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def events(doc: SafeZip, name: str) -> Iterator[tuple[str, Element]]:
    """("start" | "end", element) for one part, with bombs and damage as clear errors."""
    with doc.open(name) as fh:
        try:
            yield from DET.iterparse(fh, events=("start", "end"), forbid_dtd=True)
        except DefusedXmlException as exc:
            raise UnsafeContentError(
                f"the document's part {name} declares a DTD or XML entities, which are "
                "refused (a possible XML bomb)"
            ) from exc
        except ET.ParseError as exc:
            raise PermanentProcessingError(
                f"the document is damaged: part {name} is not well-formed XML ({exc})"
            ) from exc


def small_tree(doc: SafeZip, name: str) -> Element | None:
    """A small part (properties, relationships, workbook) as a whole tree; None if absent."""
    if not name or name not in doc.names or doc.zf.getinfo(name).file_size > SMALL_PART:
        return None
    root: Element | None = None
    for event, elem in events(doc, name):
        if event == "start" and root is None:
            root = elem
    return root


def relationships(doc: SafeZip, part: str) -> dict[str, tuple[str, str]]:
    """OOXML relationship id -> (type, part name) of a part ("" is the package itself)."""
    folder, base = posixpath.split(part)
    root = small_tree(doc, posixpath.join(folder, "_rels", base + ".rels"))
    found: dict[str, tuple[str, str]] = {}
    for rel in root.iter() if root is not None else ():
        if local_name(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = unquote(rel.get("Target", ""))
        path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        found[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
    return found


def related_part(doc: SafeZip, part: str, kind: str, default: str = "") -> str:
    """The first part that `part` relates to with a relationship type ending in /kind."""
    for rel_type, target in relationships(doc, part).values():
        if rel_type.endswith("/" + kind) and target in doc.names:
            return target
    return default


class TextOut:
    """Lines of text, knowing when the cap is reached."""

    def __init__(self, max_chars: int) -> None:
        self.lines: list[str] = []
        self.chars = 0
        self.max_chars = max_chars

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.chars += len(line) + 1

    @property
    def full(self) -> bool:
        return self.chars >= self.max_chars

    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Flow:
    """Which elements of one XML vocabulary are paragraphs, table cells and rows."""

    paragraph: frozenset[str]
    render: Callable[[Element], str]
    cell: frozenset[str] = frozenset()
    row: frozenset[str] = frozenset()
    skip: frozenset[str] = MC_FALLBACK  # subtrees that repeat or hide text
    section: frozenset[str] = frozenset()  # a heading line at their start (sheets, slides)
    title: Callable[[Element, int], str] = lambda elem, n: ""
    repeat_columns: str = ""  # attributes that repeat a cell or a row (ODF)
    repeat_rows: str = ""


def _repeat(elem: Element, name: str) -> int:
    return max(1, min(to_int(elem.get(name), 1), MAX_REPEAT)) if name else 1


def stream_flow(doc: SafeZip, name: str, flow: Flow, out: TextOut) -> int:
    """Stream one part into out: a line per paragraph, a tab-separated line per table row.
    Returns how many sections (sheets, slides) it met."""
    path: list[Element] = []
    cells: list[list[str]] = []
    rows: list[list[str]] = []
    skipping = sections = 0

    def emit(text: str) -> None:
        (cells[-1].append if cells else out.add)(text)

    for event, elem in events(doc, name):
        tag = elem.tag
        if event == "start":
            path.append(elem)
            if tag in flow.skip:
                skipping += 1
            elif skipping:
                pass
            elif tag in flow.row:
                rows.append([])
            elif tag in flow.cell:
                cells.append([])
            elif tag in flow.section:
                sections += 1
                emit(flow.title(elem, sections))
            continue
        path.pop()
        if tag in flow.skip:
            skipping -= 1
        elif skipping:
            continue
        elif tag in flow.paragraph:
            emit(flow.render(elem))
        elif tag in flow.cell and cells:
            value = " ".join(t.strip() for t in cells.pop() if t.strip())
            if rows and len(rows[-1]) < MAX_COLUMNS:
                rows[-1].extend([value] * _repeat(elem, flow.repeat_columns))
        elif tag in flow.row and rows:
            values = rows.pop()
            while values and not values[-1]:
                values.pop()
            if values:
                for _ in range(_repeat(elem, flow.repeat_rows)):
                    emit("\t".join(values))
        else:
            continue
        if path:  # done with it: detach, so the tree never grows
            path[-1].remove(elem)
        if out.full:
            break
    return sections


def walk_text(
    root: Element, text_tags: frozenset[str], marks: dict[str, str], skip: frozenset[str]
) -> str:
    """Root's text in document order: the .text of text_tags, a mark (tab, line break) for
    marker tags, nothing from skipped subtrees. Iterative: deep nesting cannot overflow."""
    parts: list[str] = []
    stack = [root]
    while stack:
        elem = stack.pop()
        tag = elem.tag
        if tag in skip and elem is not root:
            continue
        if tag in text_tags:
            parts.append(elem.text or "")
        elif isinstance(tag, str) and tag in marks:
            parts.append(marks[tag])
        stack.extend(reversed(elem))
    return "".join(parts)


def clean_property(key: str, value: str) -> Any:
    """A property value under its stable key: ISO 8601 dates, integer counts, tidy text;
    None when there is nothing usable."""
    value = " ".join(value.split())
    if not value:
        return None
    if key.endswith("_at"):
        try:
            return datetime.fromisoformat(value).isoformat()
        except ValueError:
            return None
    if key in COUNT_KEYS:
        return int(value) if value.isdigit() else None
    return value
