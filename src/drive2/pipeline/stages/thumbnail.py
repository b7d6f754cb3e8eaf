"""Stage: the thumbnail (JPEG within THUMBNAIL_SIZE², under thumbnails/) and, for images and
PDFs, the preview (JPEG within PREVIEW_SIZE², under previews/), from one decode.

Optional: a file that cannot have a thumbnail (a truncated JPEG, a video without frames)
still completes and says why. A decompression bomb (UnsafeContentError) fails the file; an
object store that does not answer is transient, so the file is retried. Re-running
overwrites the same two objects; a run that makes fewer removes what the last one left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from drive2.domain.errors import PermanentProcessingError, UnsafeContentError
from drive2.domain.object_keys import preview_key, thumbnail_key
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.stage import StageSkipped
from drive2.pipeline.thumbnails import (
    make_renditions,
    store_preview,
    store_thumbnail,
    wants_thumbnail,
)
from drive2.pipeline.tools import ToolFailedError, ToolMissingError, ToolTimeoutError
from drive2.ports.blob_store import BlobStore

log = logging.getLogger(__name__)


class ThumbnailStage:
    name = "thumbnail"
    optional = True

    def __init__(self, blobs: BlobStore | None = None) -> None:
        self.blobs = blobs

    def applies(self, ctx: ProcessingContext) -> bool:
        return self.blobs is not None and wants_thumbnail(ctx.content_type, ctx.metadata)

    def run(self, ctx: ProcessingContext) -> None:
        assert self.blobs is not None
        duration = (ctx.metadata.get("media") or {}).get("duration_seconds")
        try:
            made = make_renditions(
                ctx.path, ctx.content_type, ctx.workdir, ctx.settings, duration=duration
            )
        except UnsafeContentError:
            raise
        except (
            PermanentProcessingError,
            ToolFailedError,
            ToolTimeoutError,
            ToolMissingError,
        ) as exc:
            self._forget(ctx, thumbnail_key, preview_key)
            raise StageSkipped(f"cannot make a thumbnail: {exc}") from exc
        if made is None:
            raise StageSkipped(f"{ctx.content_type} files have no thumbnail")
        ctx.thumbnail_key = store_thumbnail(
            self.blobs, ctx.file.user_id, ctx.file.id, made.thumbnail
        )
        if made.preview is not None:
            ctx.preview_key = store_preview(self.blobs, ctx.file.user_id, ctx.file.id, made.preview)
        else:
            self._forget(ctx, preview_key)

    def _forget(self, ctx: ProcessingContext, *keys: Callable[[str, str], str]) -> None:
        """A reprocessed file that no longer gets a rendition must not keep an old one: the
        row will say it has none, so nothing would ever delete the object."""
        assert self.blobs is not None
        for key in keys:
            try:
                self.blobs.delete(key(ctx.file.user_id, ctx.file.id))
            except Exception:
                log.warning("could not remove an old rendition of %s", ctx.file.id, exc_info=True)
