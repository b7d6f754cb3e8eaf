"""The only place the order of the stages lives."""

from __future__ import annotations

from drive2.pipeline.stage import Stage
from drive2.pipeline.stages.ai import AiAnalysisStage
from drive2.pipeline.stages.detect import DetectTypeStage
from drive2.pipeline.stages.text import ExtractTextStage
from drive2.ports.ai_provider import AiProvider


def default_stages(ai: AiProvider) -> list[Stage]:
    return [
        DetectTypeStage(),
        ExtractTextStage(),
        AiAnalysisStage(ai),
    ]
