"""Stage: a JPEG thumbnail that fits THUMBNAIL_SIZE², stored under thumbnails/.

Optional: a file that cannot have a thumbnail (a truncated JPEG, a video without frames)
still completes and says why. A decompression bomb (UnsafeContentError) fails the file; an
object store that does not answer is transient, so the file is retried.
"""

from __future__ import annotations

import logging

from drive2.domain.errors import PermanentProcessingError, UnsafeContentError
from drive2.domain.object_keys import thumbnail_key
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.stage import StageSkipped
from drive2.pipeline.thumbnails import make_thumbnail, store_thumbnail, wants_thumbnail
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
            made = make_thumbnail(
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
            self._forget_previous(ctx)
            raise StageSkipped(f"cannot make a thumbnail: {exc}") from exc
        if made is None:
            raise StageSkipped(f"{ctx.content_type} files have no thumbnail")
        ctx.thumbnail_key = store_thumbnail(self.blobs, ctx.file.user_id, ctx.file.id, made)

    def _forget_previous(self, ctx: ProcessingContext) -> None:
        """A reprocessed file that no longer gets a thumbnail must not keep an old one: the
        row will say it has none, so nothing would ever delete the object."""
        assert self.blobs is not None
        try:
            self.blobs.delete(thumbnail_key(ctx.file.user_id, ctx.file.id))
        except Exception:
            log.warning("could not remove the old thumbnail of %s", ctx.file.id, exc_info=True)
