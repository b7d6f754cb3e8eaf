"""The text layer of a PDF, page by page, with pypdfium2."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from drive2.domain.errors import EncryptedContentError, PermanentProcessingError
from drive2.pipeline.extractors import ExtractedText

_EOF_WINDOW = 2048


def check_not_truncated(path: Path) -> None:
    """PDFium quietly rebuilds a cut file; a PDF without its %%EOF marker lost its tail."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - _EOF_WINDOW))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise PermanentProcessingError(
            "the PDF is truncated or damaged: its end-of-file marker is missing"
        )


def open_pdf(path: Path) -> pdfium.PdfDocument:
    check_not_truncated(path)
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise EncryptedContentError(
                "the PDF is encrypted with a password, so its text cannot be read"
            ) from exc
        raise PermanentProcessingError(f"the PDF cannot be read: {message}") from exc


class PdfTextExtractor:
    name = "pdf-text"
    mime_types = frozenset({"application/pdf"})

    def __init__(self, max_pages: int = 2000) -> None:
        self.max_pages = max_pages

    def extract(self, path: Path, max_chars: int) -> ExtractedText:
        pdf = open_pdf(path)
        try:
            pages = len(pdf)
            parts: list[str] = []
            total = 0
            empty_pages = 0
            read_pages = min(pages, self.max_pages)
            for index in range(read_pages):
                page = pdf[index]
                textpage = page.get_textpage()
                try:
                    page_text = textpage.get_text_bounded().replace("\r\n", "\n")
                finally:
                    textpage.close()
                    page.close()
                if not page_text.strip():
                    empty_pages += 1
                parts.append(page_text)
                total += len(page_text)
                if total >= max_chars:
                    break
        finally:
            pdf.close()
        return ExtractedText(
            text="\n\n".join(parts),
            pages=parts,
            extractor=self.name,
            details={
                "pages": pages,
                "pages_read": len(parts),
                "pages_without_text": empty_pages,
            },
        )
