"""Stage: the text inside the file, normalised and capped."""

from __future__ import annotations

from drive2.domain.errors import EncryptedContentError, UnsupportedContentError
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.extractors import find_extractor
from drive2.pipeline.extractors.ziplimits import ZipLimits
from drive2.pipeline.stage import StageSkipped
from drive2.pipeline.text_normalise import cap, normalise


def set_text(ctx: ProcessingContext, raw: str) -> bool:
    """Normalise and cap raw text into ctx.text; True when the cap cut it."""
    ctx.text, truncated = cap(normalise(raw), ctx.settings.text_max_chars)
    return truncated


class ExtractTextStage:
    name = "extract_text"
    optional = False

    def applies(self, ctx: ProcessingContext) -> bool:
        return find_extractor(ctx.content_type) is not None

    def run(self, ctx: ProcessingContext) -> None:
        extractor = find_extractor(
            ctx.content_type, ctx.settings.pdf_max_pages, ZipLimits.from_settings(ctx.settings)
        )
        assert extractor is not None
        limit = ctx.settings.text_max_chars
        try:
            extracted = extractor.extract(ctx.path, limit)
        except EncryptedContentError as exc:
            ctx.metadata["encrypted"] = True
            raise StageSkipped(str(exc)) from exc
        except UnsupportedContentError as exc:
            # The file is fine; Drive2 cannot read inside it yet. It is kept, not failed.
            raise StageSkipped(str(exc)) from exc
        truncated = set_text(ctx, extracted.text)
        ctx.page_texts = extracted.pages
        ctx.metadata["text"] = {
            "extractor": extracted.extractor,
            "chars": len(ctx.text),
            "truncated": truncated,
            "max_chars": limit,
            **extracted.details,
        }
