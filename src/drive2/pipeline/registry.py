"""The only place the order of the stages lives."""

from __future__ import annotations

from drive2.pipeline.stage import Stage
from drive2.pipeline.stages.ai import AiAnalysisStage
from drive2.pipeline.stages.detect import DetectTypeStage
from drive2.pipeline.stages.embed import EmbedStage
from drive2.pipeline.stages.metadata import MetadataStage
from drive2.pipeline.stages.ocr import OcrStage
from drive2.pipeline.stages.text import ExtractTextStage
from drive2.pipeline.stages.thumbnail import ThumbnailStage
from drive2.ports.ai_provider import AiProvider
from drive2.ports.blob_store import BlobStore


def default_stages(ai: AiProvider, blobs: BlobStore | None = None) -> list[Stage]:
    return [
        DetectTypeStage(),
        MetadataStage(),
        ExtractTextStage(),
        OcrStage(),
        ThumbnailStage(blobs),
        AiAnalysisStage(ai),
        EmbedStage(),
    ]
