"""The visible text of an HTML page: no scripts, styles or markup."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from drive2.pipeline.extractors import ExtractedText
from drive2.pipeline.extractors.decode import decode_bytes, read_limited

_HIDDEN = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object"}
_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "table",
    "ul",
    "ol",
    "pre",
    "blockquote",
    "title",
    "td",
    "th",
}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _HIDDEN:
            self._hidden += 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN and self._hidden:
            self._hidden -= 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._hidden:
            self.parts.append(data)


def visible_text(markup: str) -> tuple[str, str]:
    """The title and the visible body text of an HTML page (also used for HTML mail)."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.title).split()), "".join(parser.parts)


class HtmlExtractor:
    name = "html"
    mime_types = frozenset({"text/html", "application/xhtml+xml"})

    def extract(self, path: Path, max_chars: int) -> ExtractedText:
        markup, encoding = decode_bytes(read_limited(path, max_chars))
        title, body = visible_text(markup)
        text = f"{title}\n\n{body}" if title else body
        details = {"encoding": encoding}
        if title:
            details["title"] = title
        return ExtractedText(text=text, extractor=self.name, details=details)
