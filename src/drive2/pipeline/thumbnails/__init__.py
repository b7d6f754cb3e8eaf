"""Thumbnails and previews: a JPEG that fits THUMBNAIL_SIZE², made from images, a PDF's
first page or a video frame, stored under thumbnails/; and for images and PDFs a larger
preview (PREVIEW_SIZE², JPEG) under previews/, made from the same decode. One object of
each per file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from drive2.config import Settings
from drive2.domain.errors import TransientProcessingError
from drive2.domain.object_keys import preview_key, thumbnail_key
from drive2.pipeline.thumbnails.image import image_renditions, image_thumbnail
from drive2.pipeline.thumbnails.pdf import pdf_renditions, pdf_thumbnail
from drive2.pipeline.thumbnails.video import video_thumbnail
from drive2.ports.blob_store import BlobStore

Source = Literal["image", "pdf", "video"]

#: Image types Pillow cannot draw (vector formats).
_NOT_RASTER = frozenset({"image/svg+xml"})


def thumbnail_source(mime: str) -> Source | None:
    """How a thumbnail is made for this (sniffed) type; None: this type has none."""
    if mime == "application/pdf":
        return "pdf"
    if mime.startswith("image/") and mime not in _NOT_RASTER:
        return "image"
    if mime.startswith("video/"):
        return "video"
    return None


def wants_thumbnail(mime: str, metadata: Mapping[str, Any]) -> bool:
    """A thumbnail is worth trying: the type has one, and a PDF is not locked by a password
    (one with only an owner password opens, and has a page count)."""
    source = thumbnail_source(mime)
    if source == "pdf" and metadata.get("encrypted"):
        return bool((metadata.get("pdf") or {}).get("page_count"))
    return source is not None


def make_thumbnail(
    path: Path, mime: str, workdir: Path, settings: Settings, *, duration: float | None = None
) -> Path | None:
    """The thumbnail JPEG, written in `workdir`; None when the type has no thumbnail.

    Damage raises PermanentProcessingError (or a tool error: ToolFailedError, ToolTimeoutError,
    ToolMissingError); a decompression bomb raises UnsafeContentError."""
    source = thumbnail_source(mime)
    out = workdir / "thumbnail.jpg"
    if source == "image":
        return image_thumbnail(path, out, settings)
    if source == "pdf":
        return pdf_thumbnail(path, out, settings)
    if source == "video":
        return video_thumbnail(path, workdir, settings, duration=duration)
    return None


@dataclass(frozen=True)
class Renditions:
    thumbnail: Path
    preview: Path | None  # images and PDFs only


def make_renditions(
    path: Path, mime: str, workdir: Path, settings: Settings, *, duration: float | None = None
) -> Renditions | None:
    """The thumbnail and, for images and PDFs, the preview, in `workdir`; None when the
    type has no thumbnail. Raises like make_thumbnail."""
    source = thumbnail_source(mime)
    thumbnail, preview = workdir / "thumbnail.jpg", workdir / "preview.jpg"
    if source == "image":
        image_renditions(path, thumbnail, preview, settings)
        return Renditions(thumbnail, preview)
    if source == "pdf":
        pdf_renditions(path, thumbnail, preview, settings)
        return Renditions(thumbnail, preview)
    if source == "video":
        return Renditions(video_thumbnail(path, workdir, settings, duration=duration), None)
    return None


def store_thumbnail(blobs: BlobStore, user_id: str, file_id: str, jpeg: Path) -> str:
    """Upload under the file's one thumbnail key (overwriting: idempotent); return the key."""
    return _store(blobs, jpeg, thumbnail_key(user_id, file_id))


def store_preview(blobs: BlobStore, user_id: str, file_id: str, jpeg: Path) -> str:
    """Upload under the file's one preview key (overwriting: idempotent); return the key."""
    return _store(blobs, jpeg, preview_key(user_id, file_id))


def _store(blobs: BlobStore, jpeg: Path, key: str) -> str:
    try:
        blobs.put_file(key, jpeg, "image/jpeg")
    except Exception as exc:
        raise TransientProcessingError(f"object store: {exc}") from exc
    return key
