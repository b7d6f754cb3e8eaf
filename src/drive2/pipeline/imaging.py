"""Opening images with Pillow safely: a pixel limit that turns bombs into a clean permanent
failure, HEIC/HEIF support, and clear errors for damaged files."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from drive2.domain.errors import PermanentProcessingError, UnsafeContentError

_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


def open_image(path: Path, max_pixels: int) -> Image.Image:
    """Open (not decode) an image; raise UnsafeContentError for declared sizes over the limit."""
    _register_heif()
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow checks it inside open(); restored below
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsafeContentError(
            f"the image declares too many pixels to open safely ({exc})"
        ) from exc
    except UnidentifiedImageError as exc:
        raise PermanentProcessingError(
            "the image cannot be read: unknown or damaged format"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise PermanentProcessingError(f"the image cannot be read: {exc}") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    if width * height > max_pixels:
        image.close()
        raise UnsafeContentError(
            f"the image declares {width}×{height} pixels, over the limit of {max_pixels}"
        )
    return image
