"""Stage: OCR with tesseract for images and for PDF pages that have no text layer."""

from __future__ import annotations

from drive2.pipeline.context import ProcessingContext


class OcrStage:
    name = "ocr"
    optional = True

    def applies(self, ctx: ProcessingContext) -> bool:
        return False  # filled in by the OCR work

    def run(self, ctx: ProcessingContext) -> None:
        return None
