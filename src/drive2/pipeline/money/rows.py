"""A money document's first page read again as rows, for the money rules.

Slips, receipts and invoices are tables of label–value rows ("Total due ... THB 10,700.00",
"จำนวนเงิน ... 120.00"). Tesseract's automatic layout (page segmentation 3, what the OCR
stage uses for every page) often reads the two columns apart: all the labels, then all the
values, and no value keeps its label. Page segmentation 4 ("one column of text of variable
sizes") keeps each row on one line. On the eight synthetic layouts of bench/money.py (as
PNG) the rules read 6 of 8 fully right from the automatic layout's text and 8 of 8 from the
rows, so the money stage reads a picture once more this way — only when its text (or a slip
QR code) says it is about money, and only its first page.

The stored text stays the OCR stage's: this reading serves the rules and is not kept.
"""

from __future__ import annotations

import logging
from pathlib import Path

from drive2.config import Settings
from drive2.pipeline.imaging import open_image
from drive2.pipeline.ocr.images import prepare_frame
from drive2.pipeline.ocr.tesseract import ocr_file, write_page
from drive2.pipeline.tools import ToolFailedError, ToolMissingError, ToolTimeoutError

log = logging.getLogger(__name__)

PDF = "application/pdf"
ROWS_PSM = 4


def first_page_was_read(metadata: dict[str, object]) -> bool:
    """The text of the first page came from OCR (a picture, a scanned PDF)."""
    ocr = metadata.get("ocr")
    pages = ocr.get("pages_ocr") if isinstance(ocr, dict) else None
    return isinstance(pages, list) and 1 in pages


def read_rows(path: Path, content_type: str, workdir: Path, settings: Settings) -> str | None:
    """The first page's text read as rows, or None when it cannot be read now."""
    try:
        page = _page(path, content_type, workdir, settings)
        if page is None:
            return None
        try:
            return ocr_file(
                settings.tesseract_cmd,
                page,
                settings.ocr_languages,
                timeout=settings.ocr_page_timeout_seconds,
                dpi=settings.ocr_dpi if content_type == PDF else None,
                psm=ROWS_PSM,
            )
        finally:
            page.unlink(missing_ok=True)
    except (ToolMissingError, ToolTimeoutError, ToolFailedError) as exc:
        log.info("money rows not read from %s: %s", path.name, exc)
        return None
    except Exception as exc:  # a page the OCR stage read once: whatever fails, the text stays
        log.warning("money rows not read from %s: %r", path.name, exc)
        return None


def _page(path: Path, content_type: str, workdir: Path, settings: Settings) -> Path | None:
    target = workdir / "money-rows"
    if content_type == PDF:
        import pypdfium2 as pdfium

        from drive2.pipeline.ocr.pdf_pages import render_page

        pdf = pdfium.PdfDocument(str(path))
        try:
            rendered = render_page(pdf, 0, settings.ocr_dpi)
        finally:
            pdf.close()
        return write_page(rendered.image, target)
    if not content_type.startswith("image/"):
        return None
    with open_image(path, settings.image_max_pixels) as image:
        image.seek(0)
        return write_page(prepare_frame(image), target)
