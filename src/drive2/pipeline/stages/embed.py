"""Stage: the text cut into chunks, embedded, and stored in the vector index."""

from __future__ import annotations

from drive2.pipeline.context import ProcessingContext


class EmbedStage:
    name = "embed"
    optional = False

    def applies(self, ctx: ProcessingContext) -> bool:
        return False  # filled in by the search work

    def run(self, ctx: ProcessingContext) -> None:
        return None
