"""PDF thumbnails: the first page rendered with pypdfium2 at about twice the thumbnail size,
then the image path."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from drive2.config import Settings
from drive2.domain.errors import PermanentProcessingError
from drive2.pipeline.extractors.pdf import open_pdf
from drive2.pipeline.thumbnails.image import renditions_from, save_thumbnail


def pdf_thumbnail(path: Path, out: Path, settings: Settings) -> Path:
    """Raises EncryptedContentError for a PDF that needs a password, PermanentProcessingError
    for a truncated or damaged one."""
    return save_thumbnail(first_page(path, settings.thumbnail_size * 2), out, settings)


def pdf_renditions(path: Path, thumbnail: Path, preview: Path, settings: Settings) -> None:
    """The first page drawn once at the preview's size: the preview and the thumbnail."""
    renditions_from(first_page(path, settings.preview_size), thumbnail, preview, settings)


def first_page(path: Path, longest_side: int) -> Image.Image:
    """The first page drawn on white with its longest side `longest_side` pixels."""
    pdf = open_pdf(path)
    try:
        if len(pdf) == 0:
            raise PermanentProcessingError("the PDF has no pages")
        page = pdf[0]
        try:
            width, height = page.get_size()
            longest = max(width, height)
            if not longest > 0:
                raise PermanentProcessingError("the first page of the PDF has no size")
            # The render is bounded by the target, whatever the page claims to measure.
            scale = longest_side / longest
            bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
            try:
                image = bitmap.to_pil().convert("RGB")  # a copy that outlives the bitmap
            finally:
                bitmap.close()
        except pdfium.PdfiumError as exc:
            raise PermanentProcessingError(f"the first page cannot be drawn: {exc}") from exc
        finally:
            page.close()
    finally:
        pdf.close()
    return image
