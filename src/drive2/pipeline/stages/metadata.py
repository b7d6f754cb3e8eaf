"""Stage: facts about the file (EXIF, PDF properties, office core properties, media facts)."""

from __future__ import annotations

from drive2.pipeline.context import ProcessingContext


class MetadataStage:
    name = "metadata"
    optional = True

    def applies(self, ctx: ProcessingContext) -> bool:
        return False  # filled in by the content issue's metadata readers

    def run(self, ctx: ProcessingContext) -> None:
        return None
