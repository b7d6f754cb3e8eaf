"""Image thumbnails: decoded small where the format allows (JPEG draft mode), turned upright
from EXIF, flattened on white, 8-bit RGB, fitted into THUMBNAIL_SIZE² and saved as JPEG."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import cast

from PIL import Image, ImageOps

from drive2.config import Settings
from drive2.domain.errors import PermanentProcessingError, UnsafeContentError
from drive2.pipeline.imaging import open_image

log = logging.getLogger(__name__)

WHITE = (255, 255, 255)
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_DEEP_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


def image_thumbnail(path: Path, out: Path, settings: Settings) -> Path:
    """Write the thumbnail of the image at `path` to `out` (JPEG) and return `out`.

    Raises UnsafeContentError for a decompression bomb and PermanentProcessingError for an
    image that cannot be decoded (truncated, damaged, unknown)."""
    img = open_image(path, settings.image_max_pixels)
    try:
        if img.format == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: far less work for big photos.
            box = settings.thumbnail_size * 2
            img.draft("RGB", (box, box))
        try:
            img.load()  # the first frame of an animation: the one open() positions on
        except Image.DecompressionBombError as exc:
            raise UnsafeContentError(f"the image is too large to decode safely ({exc})") from exc
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
            raise PermanentProcessingError(f"the image is damaged or incomplete ({exc})") from exc
        return save_thumbnail(upright(img), out, settings)
    finally:
        img.close()


def upright(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; an unreadable EXIF block leaves the image as it is."""
    try:
        turned = ImageOps.exif_transpose(img)
    except Exception as exc:
        log.info("EXIF orientation not applied: %r", exc)
        return img
    return turned if turned is not None else img


def save_thumbnail(img: Image.Image, out: Path, settings: Settings) -> Path:
    """Fit a decoded image into THUMBNAIL_SIZE² (aspect kept, never enlarged); save JPEG."""
    rgb = to_rgb(img)
    size = settings.thumbnail_size
    rgb.thumbnail((size, size), Image.Resampling.LANCZOS)
    rgb.save(out, "JPEG", quality=settings.thumbnail_quality)
    return out


def to_rgb(img: Image.Image) -> Image.Image:
    """8-bit RGB: deep (16/32-bit, float) images scaled down, transparency flattened on
    white, CMYK and every other mode converted."""
    if img.mode in _DEEP_MODES:
        img = to_8bit(img)
    if img.mode in _ALPHA_MODES or "transparency" in img.info:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img if img.mode == "RGB" else img.convert("RGB")


def to_8bit(img: Image.Image) -> Image.Image:
    """A 16-bit, 32-bit integer or float greyscale image as 8-bit "L"."""
    sixteen = img.mode.startswith("I;16")
    if sixteen:
        img = img.convert("I")
    extrema = cast(tuple[float, float], img.getextrema())  # one band: (min, max)
    low, high = float(extrema[0]), float(extrema[1])
    if img.mode == "F" and low >= 0 and high <= 1:
        scale, offset = 255.0, 0.0
    elif sixteen or (low >= 0 and 255 < high <= 65535):
        scale, offset = 255 / 65535, 0.0
    elif low >= 0 and high <= 255:
        scale, offset = 1.0, 0.0
    else:  # values outside any usual range: stretch what is there
        span = (high - low) or 1.0
        scale, offset = 255 / span, -low * 255 / span
    return img.point(lambda v: v * scale + offset).convert("L")
