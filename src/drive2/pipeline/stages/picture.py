"""Stage: what is in a picture (image labels in English and Thai) and what kind of picture
it is (photo, screenshot, picture of a document), as metadata.picture.

Runs after OCR, whose text is one of the kind's facts. Optional and safe: a classifier that
fails or cannot load leaves the kind decided without labels and the stage skipped with the
reason; a picture that cannot be decoded is skipped too. The classifier is loaded once per
worker process, on the first picture.
"""

from __future__ import annotations

import logging

from drive2.domain.picture_kind import PictureFacts, decide_kind
from drive2.domain.picture_labels import coarse_labels
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.pictures.features import colour_stats, has_camera, letters, load_picture
from drive2.pipeline.stage import StageSkipped
from drive2.pipeline.stages.ocr import IMAGE_TYPES
from drive2.ports.image_classifier import ImageClassifier

log = logging.getLogger(__name__)


class PictureStage:
    name = "picture"
    optional = True

    def __init__(self, classifier: ImageClassifier | None) -> None:
        self.classifier = classifier

    def applies(self, ctx: ProcessingContext) -> bool:
        return ctx.content_type in IMAGE_TYPES and ctx.settings.picture_analysis_enabled

    def run(self, ctx: ProcessingContext) -> None:
        ctx.metadata.pop("picture", None)
        settings = ctx.settings
        picture = load_picture(ctx.path, settings.image_max_pixels)
        labels, problem = [], None
        if self.classifier is None:
            problem = "no image classifier is configured"
        else:
            try:
                scores = self.classifier.classify(picture.image)
                labels = coarse_labels(
                    scores, settings.picture_label_min_score, settings.picture_max_labels
                )
            except Exception as exc:  # a broken model must never fail the file
                log.warning("image classifier failed on %s: %r", ctx.file.id, exc)
                problem = f"the image classifier failed ({type(exc).__name__}: {exc})"
        stats = colour_stats(picture.image)
        facts = PictureFacts(
            width=picture.width,
            height=picture.height,
            has_camera=has_camera(ctx.metadata),
            flat_share=stats.flat_share,
            paper_share=stats.paper_share,
            text_letters=letters(ctx.text),
            labels=[label.name.key for label in labels],
        )
        kind, reasons = decide_kind(facts)
        found: dict[str, object] = {
            "kind": kind.value,
            "kind_reasons": reasons,
            "labels": [label.as_dict() for label in labels],
        }
        if self.classifier is not None and problem is None:
            found["model"] = self.classifier.model_name
        ctx.metadata["picture"] = found
        if problem:
            raise StageSkipped(f"{problem}; the kind ({kind.value}) was decided without labels")
