"""Stage: a JPEG thumbnail that fits THUMBNAIL_SIZE², stored under thumbnails/."""

from __future__ import annotations

from drive2.pipeline.context import ProcessingContext


class ThumbnailStage:
    name = "thumbnail"
    optional = True

    def applies(self, ctx: ProcessingContext) -> bool:
        return False  # filled in by the thumbnail work

    def run(self, ctx: ProcessingContext) -> None:
        return None
