"""One small, upright RGB copy of a picture and the colour facts the kind rules read.

The copy is decoded small where the format allows (JPEG draft mode decodes at 1/2 … 1/8
scale), turned upright from EXIF and fitted into WORKING_SIZE²: enough for the classifier's
224-pixel input and for colour statistics, cheap for a 48-megapixel photo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from drive2.domain.errors import PermanentProcessingError, UnsafeContentError
from drive2.pipeline.imaging import open_image
from drive2.pipeline.thumbnails.image import to_rgb, upright

WORKING_SIZE = 448
#: Colour statistics are taken on an even smaller copy: they need no detail.
STATS_SIZE = 160
#: Channels rounded to 32 levels: JPEG noise and anti-aliasing stay within one level.
LEVEL_SHIFT = 3
COMMON_COLOURS = 8
#: "Paper": bright (luma) and colourless (channel spread) pixels.
PAPER_LUMA = 170
PAPER_SPREAD = 40
CAMERA_FIELDS = ("camera_make", "camera_model", "exposure_time", "f_number", "focal_length_mm")


@dataclass(frozen=True)
class Picture:
    image: Image.Image  # upright RGB within WORKING_SIZE²
    width: int  # of the upright original
    height: int


@dataclass(frozen=True)
class ColourStats:
    flat_share: float
    paper_share: float


def load_picture(path: Path, max_pixels: int) -> Picture:
    """Raises UnsafeContentError for a bomb and PermanentProcessingError for an image that
    cannot be decoded."""
    img = open_image(path, max_pixels)
    try:
        width, height = img.size  # before draft mode reduces it
        if img.format == "JPEG":
            img.draft("RGB", (WORKING_SIZE, WORKING_SIZE))
        try:
            img.load()
        except Image.DecompressionBombError as exc:
            raise UnsafeContentError(f"the image is too large to decode safely ({exc})") from exc
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
            raise PermanentProcessingError(f"the image is damaged or incomplete ({exc})") from exc
        turned = upright(img)
        if turned.size == img.size[::-1] and img.width != img.height:
            width, height = height, width  # EXIF turned it a quarter
        rgb = to_rgb(turned)
        rgb.thumbnail((WORKING_SIZE, WORKING_SIZE), Image.Resampling.BILINEAR)
        return Picture(image=rgb if rgb is not img else rgb.copy(), width=width, height=height)
    finally:
        img.close()


def colour_stats(image: Image.Image) -> ColourStats:
    """Flat colours (UI backgrounds, paper) and bright colourless paper, as shares."""
    small = image.copy()
    small.thumbnail((STATS_SIZE, STATS_SIZE), Image.Resampling.NEAREST)
    pixels = np.asarray(small.convert("RGB"), dtype=np.int32).reshape(-1, 3)
    if not len(pixels):
        return ColourStats(0.0, 0.0)
    rounded = pixels >> LEVEL_SHIFT
    codes = (rounded[:, 0] << 10) | (rounded[:, 1] << 5) | rounded[:, 2]
    counts = np.bincount(codes, minlength=1 << 15)
    common = np.sort(counts)[-COMMON_COLOURS:].sum()
    luma = pixels @ np.array([299, 587, 114]) // 1000
    spread = pixels.max(axis=1) - pixels.min(axis=1)
    paper = np.count_nonzero((luma >= PAPER_LUMA) & (spread <= PAPER_SPREAD))
    return ColourStats(
        flat_share=round(float(common) / len(pixels), 3),
        paper_share=round(float(paper) / len(pixels), 3),
    )


def has_camera(metadata: Mapping[str, object]) -> bool:
    """EXIF says a camera took it: a make, a model or exposure settings."""
    exif = metadata.get("exif")
    return isinstance(exif, Mapping) and any(exif.get(k) for k in CAMERA_FIELDS)


def letters(text: str) -> int:
    """Letters (any script) in OCR text: the measure of how much text a picture shows."""
    return sum(1 for ch in text if ch.isalpha())
