"""Stage: the real type of the file, from its bytes."""

from __future__ import annotations

from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.sniff import detect_file


class DetectTypeStage:
    name = "detect_type"
    optional = False

    def applies(self, ctx: ProcessingContext) -> bool:
        return True

    def run(self, ctx: ProcessingContext) -> None:
        ctx.content_type = detect_file(ctx.path, ctx.file.filename)
        ctx.metadata["detected_type"] = ctx.content_type
