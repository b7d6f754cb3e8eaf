"""Image files prepared for tesseract: each page (every frame of a multi-page TIFF, the first
frame of anything else) decoded, turned upright by its EXIF orientation, flattened on white,
reduced to 8-bit grayscale, shrunk when huge, and written to the work dir."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image

from drive2.domain.errors import UnsafeContentError
from drive2.pipeline.imaging import open_image
from drive2.pipeline.ocr.tesseract import write_page

#: Longest side handed to tesseract; a 600-dpi A4 scan (7016 px) comes down to ~340 dpi.
MAX_SIDE = 4000
#: Formats whose later frames are pages. GIF/WebP frames are animation, MPO frames are
#: stereo or depth copies of the same picture, HEIF's extra images are thumbnails/bursts.
MULTI_PAGE_FORMATS = frozenset({"TIFF"})

# The same mapping ImageOps.exif_transpose uses; applied here to the small grayscale image
# instead of the full-size original.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_DEEP_MODES = ("I", "F")  # and every "I;16…" variant


@dataclass
class PreparedPage:
    number: int  # 1-based
    path: Path | None  # the file for tesseract, or None when the page could not be decoded
    error: str | None = None


def orientation_of(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
        return int(value)
    except Exception:  # a damaged EXIF block must not cost the text
        return 1


def to_gray(image: Image.Image) -> Image.Image:
    """8-bit grayscale: transparency flattened on white, 16-bit and float data stretched to
    0–255 (Pillow's own conversion clips them), CMYK and other colour spaces via RGB."""
    mode = image.mode
    if mode == "L":
        return image
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I;16") or mode in _DEEP_MODES:
        deep = image.convert("I") if mode.startswith("I;16") else image
        extrema = deep.getextrema()  # (low, high) for a single-band image
        low, high = (float(v) for v in extrema if isinstance(v, int | float))
        if high <= low:
            return Image.new("L", image.size, 255 if low > 0 else 0)
        factor = 255.0 / (high - low)
        offset = -low * factor
        return deep.point(lambda v: v * factor + offset).convert("L")
    if "A" in mode or "a" in mode or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    if mode in ("RGB", "P"):
        return image.convert("L")
    return image.convert("RGB").convert("L")


def fit(image: Image.Image, max_side: int = MAX_SIDE) -> Image.Image:
    if max(image.size) <= max_side:
        return image
    scale = max_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def prepare_frame(image: Image.Image, max_side: int = MAX_SIDE) -> Image.Image:
    """The current frame of an open image, ready for tesseract (mode "L")."""
    orientation = orientation_of(image)
    if image.format == "JPEG" and max(image.size) > max_side:
        # Let libjpeg decode at 1/2, 1/4 or 1/8 size straight to gray when that still
        # leaves at least max_side pixels on the long side.
        ratio = max_side / max(image.size)
        image.draft("L", (max(1, int(image.width * ratio)), max(1, int(image.height * ratio))))
    image.load()
    gray = fit(to_gray(image), max_side)
    method = _ORIENTATION.get(orientation)
    return gray.transpose(method) if method is not None else gray


def _check_frame_size(image: Image.Image, number: int, max_pixels: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise UnsafeContentError(
            f"page {number} of the image declares {width}×{height} pixels, "
            f"over the limit of {max_pixels}"
        )


class ImagePages:
    """The pages of one open image file; use it as a context manager so the file is closed.

    Opening raises UnsafeContentError for bombs and PermanentProcessingError when the file
    cannot be read.
    """

    def __init__(
        self, path: Path, workdir: Path, max_pixels: int, max_pages: int, max_side: int = MAX_SIDE
    ) -> None:
        self.workdir = workdir
        self.max_pixels = max_pixels
        self.max_pages = max(0, max_pages)
        self.max_side = max_side
        self.image = open_image(path, max_pixels)
        self.format = str(self.image.format or "unknown")
        #: pages the file holds; only the first max_pages are prepared
        self.total = (
            int(getattr(self.image, "n_frames", 1)) if self.format in MULTI_PAGE_FORMATS else 1
        )

    def __enter__(self) -> ImagePages:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.image.close()

    def prepared(self) -> Iterator[PreparedPage]:
        """Each page as a file in the work dir, made only when the caller asks for it."""
        image = self.image
        for index in range(min(self.total, self.max_pages)):
            number = index + 1
            try:
                image.seek(index)
            except (EOFError, OSError, ValueError) as exc:
                yield PreparedPage(number, None, f"the page cannot be read: {exc}")
                return
            _check_frame_size(image, number, self.max_pixels)
            try:
                gray = prepare_frame(image, self.max_side)
            except (OSError, SyntaxError, ValueError) as exc:
                yield PreparedPage(number, None, f"the page cannot be decoded: {exc}")
                continue
            yield PreparedPage(number, write_page(gray, self.workdir / f"ocr-image-{number}"))
