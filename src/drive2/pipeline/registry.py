"""The only place the order of the stages lives."""

from __future__ import annotations

from drive2.pipeline.stage import Stage
from drive2.pipeline.stages.ai import AiAnalysisStage
from drive2.pipeline.stages.detect import DetectTypeStage
from drive2.pipeline.stages.document_date import DocumentDateStage
from drive2.pipeline.stages.embed import EmbedStage
from drive2.pipeline.stages.metadata import MetadataStage
from drive2.pipeline.stages.money import MoneyStage
from drive2.pipeline.stages.ocr import OcrStage
from drive2.pipeline.stages.picture import PictureStage
from drive2.pipeline.stages.place import PlaceStage
from drive2.pipeline.stages.text import ExtractTextStage
from drive2.pipeline.stages.thumbnail import ThumbnailStage
from drive2.ports.ai_provider import AiProvider
from drive2.ports.blob_store import BlobStore
from drive2.ports.embedder import Embedder
from drive2.ports.geocoder import ReverseGeocoder
from drive2.ports.image_classifier import ImageClassifier
from drive2.ports.vector_index import VectorIndex


def default_stages(
    ai: AiProvider,
    blobs: BlobStore | None = None,
    *,
    embedder: Embedder | None = None,
    vectors: VectorIndex | None = None,
    geocoder: ReverseGeocoder | None = None,
    classifier: ImageClassifier | None = None,
) -> list[Stage]:
    """Without an embedder and a vector index (some unit tests) there is no embed stage;
    without a geocoder no place stage. The picture stage runs after OCR (its text is one of
    the kind's facts) and before the AI, which describes pictures from what it found."""
    stages: list[Stage] = [DetectTypeStage(), MetadataStage()]
    if geocoder is not None:
        stages.append(PlaceStage(geocoder))
    stages += [
        ExtractTextStage(),
        OcrStage(),
        DocumentDateStage(),
        ThumbnailStage(blobs),
        PictureStage(classifier),
        AiAnalysisStage(ai),
        MoneyStage(),
    ]
    if embedder is not None and vectors is not None:
        stages.append(EmbedStage(embedder, vectors))
    return stages
