"""Stage: suggested filename, summary and tags from the AI provider."""

from __future__ import annotations

from drive2.pipeline.context import ProcessingContext
from drive2.ports.ai_provider import AiProvider


class AiAnalysisStage:
    name = "ai_analysis"
    optional = True

    def __init__(self, provider: AiProvider) -> None:
        self.provider = provider

    def applies(self, ctx: ProcessingContext) -> bool:
        return bool(ctx.text.strip())

    def run(self, ctx: ProcessingContext) -> None:
        ctx.ai = self.provider.analyse(ctx.text, ctx.file.filename, ctx.metadata)
        if not ctx.file.tags_edited:
            ctx.tags = list(dict.fromkeys(ctx.ai.tags))
