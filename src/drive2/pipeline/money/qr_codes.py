"""QR codes read from an image or a PDF's first page with zxing-cpp (a maintained C++
decoder with wheels on PyPI).

Only what a payment QR code says is kept (domain/payment_qr.py); any other code (a URL, a
loyalty card) is left alone. A missing decoder or an unreadable picture gives no codes,
never an error: the money rules work from the text without them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PIL import Image

from drive2.domain.payment_qr import PaymentQr, read_payment_qr
from drive2.pipeline.imaging import open_image

log = logging.getLogger(__name__)

PDF = "application/pdf"
#: Longest side the decoder sees: a phone screenshot's QR code stays far above the ~100 px
#: zxing needs, and a 50-megapixel photo is not decoded at full size.
MAX_SIDE = 2400
#: A PDF's first page at this resolution (an e-slip or an invoice's payment code).
PDF_DPI = 150
MAX_CODES = 8


def decoder_available() -> bool:
    try:
        import zxingcpp  # noqa: F401
    except ImportError:
        return False
    return True


def payment_codes(path: Path, content_type: str, max_pixels: int) -> list[PaymentQr]:
    """The payment QR codes in the file's picture (an image, a PDF's first page)."""
    if not decoder_available():
        return []
    image = _picture(path, content_type, max_pixels)
    if image is None:
        return []
    try:
        texts = _decode(image)
    finally:
        image.close()
    found = [read_payment_qr(text) for text in texts]
    return [code for code in found if code is not None]


def _picture(path: Path, content_type: str, max_pixels: int) -> Image.Image | None:
    try:
        if content_type == PDF:
            return _pdf_first_page(path)
        if not content_type.startswith("image/"):
            return None
        with open_image(path, max_pixels) as opened:
            opened.seek(0)
            # Shrunk before it is converted: a JPEG decodes straight at a reduced size.
            opened.thumbnail((MAX_SIDE, MAX_SIDE))
            return opened.convert("L")
    except Exception as exc:  # the OCR stage reports unreadable pictures; here: no codes
        log.info("no QR codes read from %s: %s", path.name, exc)
        return None


def _pdf_first_page(path: Path) -> Image.Image | None:
    import pypdfium2 as pdfium

    from drive2.pipeline.ocr.pdf_pages import render_page

    pdf = pdfium.PdfDocument(str(path))
    try:
        if len(pdf) == 0:
            return None
        return render_page(pdf, 0, PDF_DPI, max_pixels=MAX_SIDE * MAX_SIDE).image
    finally:
        pdf.close()


def _decode(image: Image.Image) -> list[str]:
    import zxingcpp

    # Typed differently across zxing-cpp 2.x and 3.x; a single format is accepted by both.
    read: Any = zxingcpp.read_barcodes
    results = read(image, formats=zxingcpp.BarcodeFormat.QRCode)
    texts = []
    for result in list(results)[:MAX_CODES]:
        if getattr(result, "valid", True) and isinstance(result.text, str) and result.text:
            texts.append(result.text)
    return texts
