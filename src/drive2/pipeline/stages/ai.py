"""Stage: suggested filename, summary and tags from the AI provider.

Pictures are described too when they have no text (a photo): the provider gets their facts
(what is in them, where and when they were taken) in the metadata. Whatever the provider
answers, those facts' tags in English and Thai are kept beside its tags, so a photo is
found by "Bangkok", "กรุงเทพ" or "cat" with any provider.
"""

from __future__ import annotations

from drive2.domain.picture_summary import picture_tags, picture_view
from drive2.pipeline.context import ProcessingContext
from drive2.ports.ai_provider import AiProvider

#: The provider's tags (at most 8) and the picture's facts in two languages.
MAX_TAGS = 20


class AiAnalysisStage:
    name = "ai_analysis"
    optional = True

    def __init__(self, provider: AiProvider) -> None:
        self.provider = provider

    def applies(self, ctx: ProcessingContext) -> bool:
        return bool(ctx.text.strip()) or picture_view(ctx.metadata) is not None

    def run(self, ctx: ProcessingContext) -> None:
        ctx.ai = self.provider.analyse(ctx.text, ctx.file.filename, ctx.metadata)
        if not ctx.file.tags_edited:
            tags = [*ctx.ai.tags, *picture_tags(ctx.metadata)]
            ctx.tags = list(dict.fromkeys(tags))[:MAX_TAGS]
