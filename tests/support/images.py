"""Images made in code: rendered English and Thai text, EXIF-rotated JPEGs, HEIC, TIFF."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
THAI_FONT = Path("/usr/share/fonts/truetype/tlwg/Garuda.ttf")

ENGLISH_LINES = (
    "The quick brown fox jumps over the lazy dog.",
    "Invoice number 4721 was paid on 14 March 2024.",
    "Drive2 reads scanned receipts and photos.",
)
THAI_LINES = (
    "ใบเสร็จรับเงิน บริษัท ตัวอย่าง จำกัด วันที่ ๑๔ มีนาคม",
    "ขอบคุณที่ใช้บริการ ยอดรวมทั้งสิ้น ๕๐๐ บาท",
)

EXIF_ORIENTATION = 0x0112


def render_text(
    lines: tuple[str, ...] | list[str],
    font: Path = DEJAVU_SANS,
    size: int = 32,
    margin: int = 40,
) -> Image.Image:
    """Black text on white, one line under the other, in mode "L"."""
    face = ImageFont.truetype(str(font), size)
    line_height = int(size * 1.6)
    width = max(int(face.getlength(line)) for line in lines) + 2 * margin
    height = line_height * len(lines) + 2 * margin
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * line_height), line, font=face, fill=0)
    return image


def jpeg_bytes(image: Image.Image, orientation: int | None = None, quality: int = 92) -> bytes:
    """A JPEG; with `orientation`, the pixels are stored so that applying the EXIF
    orientation shows `image` upright (6: stored turned 90° counter-clockwise)."""
    stored = image.convert("RGB")
    exif = Image.Exif()
    if orientation is not None:
        undo = {
            3: Image.Transpose.ROTATE_180,
            6: Image.Transpose.ROTATE_90,
            8: Image.Transpose.ROTATE_270,
        }
        stored = stored.transpose(undo[orientation])
        exif[EXIF_ORIENTATION] = orientation
    buf = io.BytesIO()
    stored.save(buf, format="JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def heic_bytes(image: Image.Image, quality: int = 90) -> bytes:
    import pillow_heif

    buf = io.BytesIO()
    pillow_heif.from_pillow(image.convert("RGB")).save(buf, quality=quality)
    return buf.getvalue()


def tiff_bytes(*pages: Image.Image) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=list(pages[1:]))
    return buf.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
