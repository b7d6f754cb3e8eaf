"""Stage: facts about the file (EXIF, PDF properties, office core properties, media facts).

Optional: a file whose metadata cannot be read still completes, and says why. A
decompression bomb (UnsafeContentError) still fails the file; the runner sees to that.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from drive2.config import Settings
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.extractors.email import email_properties
from drive2.pipeline.extractors.office import office_properties
from drive2.pipeline.extractors.ziplimits import ZipLimits
from drive2.pipeline.metadata.image import read_image_metadata
from drive2.pipeline.metadata.media import read_media_metadata
from drive2.pipeline.metadata.pdf import read_pdf_metadata
from drive2.pipeline.stage import StageSkipped
from drive2.pipeline.tools import ToolFailedError, ToolMissingError, ToolTimeoutError

Reader = Callable[[Path, str, Settings], dict[str, Any]]

OFFICE_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
EMAIL_TYPES = frozenset({"message/rfc822"})
_NOT_RASTER = frozenset({"image/svg+xml"})


def _image(path: Path, mime: str, settings: Settings) -> dict[str, Any]:
    return read_image_metadata(path, settings.image_max_pixels)


def _pdf(path: Path, mime: str, settings: Settings) -> dict[str, Any]:
    return read_pdf_metadata(path)


def _media(path: Path, mime: str, settings: Settings) -> dict[str, Any]:
    return read_media_metadata(path, settings)


def _office(path: Path, mime: str, settings: Settings) -> dict[str, Any]:
    found = office_properties(path, mime, ZipLimits.from_settings(settings))
    return {"document": found} if found else {}


def _email(path: Path, mime: str, settings: Settings) -> dict[str, Any]:
    found = email_properties(path)
    return {"email": found} if found else {}


def find_reader(mime: str) -> Reader | None:
    """The metadata reader for a sniffed MIME type, or None."""
    if mime == "application/pdf":
        return _pdf
    if mime.startswith("image/") and mime not in _NOT_RASTER:
        return _image
    if mime.startswith(("video/", "audio/")):
        return _media
    if mime in OFFICE_TYPES:
        return _office
    if mime in EMAIL_TYPES:
        return _email
    return None


class MetadataStage:
    name = "metadata"
    optional = True

    def applies(self, ctx: ProcessingContext) -> bool:
        return find_reader(ctx.content_type) is not None

    def run(self, ctx: ProcessingContext) -> None:
        reader = find_reader(ctx.content_type)
        assert reader is not None
        try:
            found = reader(ctx.path, ctx.content_type, ctx.settings)
        except (ToolFailedError, ToolTimeoutError, ToolMissingError) as exc:
            raise StageSkipped(f"cannot read the metadata: {exc}") from exc
        # PermanentProcessingError (corrupt, truncated) reaches the runner, which records
        # this optional stage as skipped with the reason; UnsafeContentError fails the file.
        ctx.metadata.update(found)
