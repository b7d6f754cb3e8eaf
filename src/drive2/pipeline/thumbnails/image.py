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
    return save_thumbnail(
        decode_upright(path, settings, settings.thumbnail_size * 2), out, settings
    )


def image_renditions(path: Path, thumbnail: Path, preview: Path, settings: Settings) -> None:
    """The preview (PREVIEW_SIZE², JPEG) and the thumbnail from one decode of the image."""
    renditions_from(
        decode_upright(path, settings, settings.preview_size), thumbnail, preview, settings
    )


def renditions_from(img: Image.Image, thumbnail: Path, preview: Path, settings: Settings) -> None:
    """The preview, then the thumbnail made from the preview (far fewer pixels to filter)."""
    fitted = to_rgb(img)
    if fitted is img:
        fitted = img.copy()
    size = settings.preview_size
    fitted.thumbnail((size, size), Image.Resampling.LANCZOS)
    save_preview(fitted, preview, settings)
    save_thumbnail(fitted, thumbnail, settings)


def decode_upright(path: Path, settings: Settings, box: int) -> Image.Image:
    """The image's first frame decoded (at least `box` pixels where JPEG allows decoding
    smaller) and turned upright from EXIF."""
    img = open_image(path, settings.image_max_pixels)
    try:
        if img.format == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: far less work for big photos.
            img.draft("RGB", (box, box))
        try:
            img.load()  # the first frame of an animation: the one open() positions on
        except Image.DecompressionBombError as exc:
            raise UnsafeContentError(f"the image is too large to decode safely ({exc})") from exc
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
            raise PermanentProcessingError(f"the image is damaged or incomplete ({exc})") from exc
        turned = upright(img)
        return turned if turned is not img else img.copy()
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
    return _save_fitted(img, out, settings.thumbnail_size, settings.thumbnail_quality)


def save_preview(img: Image.Image, out: Path, settings: Settings) -> Path:
    """Fit a decoded image into PREVIEW_SIZE² (never enlarged); save a progressive JPEG
    without the original's EXIF (no GPS in a picture that may be shared). JPEG, not WebP:
    LINE's image messages take only JPEG and PNG (measured: bench/pictures.py)."""
    return _save_fitted(img, out, settings.preview_size, settings.preview_quality, progressive=True)


def _save_fitted(
    img: Image.Image, out: Path, size: int, quality: int, progressive: bool = False
) -> Path:
    rgb = to_rgb(img)
    if rgb is img:
        rgb = img.copy()  # thumbnail() works in place; the caller's image stays whole
    rgb.thumbnail((size, size), Image.Resampling.LANCZOS)
    rgb.save(out, "JPEG", quality=quality, progressive=progressive, optimize=progressive)
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
