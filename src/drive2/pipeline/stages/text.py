"""Stage: the text inside the file, normalised and capped."""

from __future__ import annotations

from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.extractors import find_extractor
from drive2.pipeline.text_normalise import cap, normalise


class ExtractTextStage:
    name = "extract_text"
    optional = False

    def applies(self, ctx: ProcessingContext) -> bool:
        return find_extractor(ctx.content_type) is not None

    def run(self, ctx: ProcessingContext) -> None:
        extractor = find_extractor(ctx.content_type, ctx.settings.pdf_max_pages)
        assert extractor is not None
        limit = ctx.settings.text_max_chars
        extracted = extractor.extract(ctx.path, limit)
        text, truncated = cap(normalise(extracted.text), limit)
        ctx.text = text
        ctx.metadata["text"] = {
            "extractor": extracted.extractor,
            "chars": len(text),
            "truncated": truncated,
            "max_chars": limit,
            **extracted.details,
        }
