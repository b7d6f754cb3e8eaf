"""Text extractors. Each declares the MIME types it takes; the first that takes one wins.

Adding a format is adding a module and one line in EXTRACTORS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from drive2.pipeline.extractors.ziplimits import ZipLimits


@dataclass
class ExtractedText:
    text: str
    extractor: str
    details: dict[str, Any]
    #: Per-page text for paged documents, so OCR can fill only the pages without text.
    pages: list[str] | None = None


class Extractor(Protocol):
    name: str
    mime_types: frozenset[str]

    def extract(self, path: Path, max_chars: int) -> ExtractedText: ...


def find_extractor(
    mime: str, pdf_max_pages: int = 2000, zip_limits: ZipLimits | None = None
) -> Extractor | None:
    """The extractor for a sniffed MIME type. zip_limits bound office archives (the stages pass
    the settings' OFFICE_MAX_*); without them ZipLimits' defaults apply."""
    from drive2.pipeline.extractors.email import EmailExtractor
    from drive2.pipeline.extractors.html import HtmlExtractor
    from drive2.pipeline.extractors.office import OfficeExtractor
    from drive2.pipeline.extractors.pdf import PdfTextExtractor
    from drive2.pipeline.extractors.plain import PlainTextExtractor
    from drive2.pipeline.extractors.rtf import RtfExtractor
    from drive2.pipeline.extractors.structured import CsvExtractor, JsonExtractor

    extractors: list[Extractor] = [
        PdfTextExtractor(max_pages=pdf_max_pages),
        OfficeExtractor(limits=zip_limits),
        RtfExtractor(),
        EmailExtractor(),
        HtmlExtractor(),
        CsvExtractor(),
        JsonExtractor(),
        PlainTextExtractor(),
    ]
    for extractor in extractors:
        if mime in extractor.mime_types:
            return extractor
    return None
