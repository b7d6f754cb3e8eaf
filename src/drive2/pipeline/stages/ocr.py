"""Stage: OCR with tesseract for images and for PDF pages that have no text layer.

A page that times out or fails is recorded and the others go on; when every page fails the
stage is skipped with the reason, and the file still completes. A decompression bomb
(UnsafeContentError) is not caught: it fails the file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from drive2.config import Settings
from drive2.domain.errors import PermanentProcessingError
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.extractors.pdf import open_pdf
from drive2.pipeline.ocr.images import ImagePages
from drive2.pipeline.ocr.pdf_pages import render_page
from drive2.pipeline.ocr.tesseract import (
    INSTALL_HINT,
    PROBE_TIMEOUT_SECONDS,
    OcrLanguageMissingError,
    TesseractInfo,
    check_languages,
    ocr_file,
    tesseract_info,
    write_page,
)
from drive2.pipeline.stage import StageSkipped
from drive2.pipeline.stages.text import set_text
from drive2.pipeline.tools import ToolFailedError, ToolMissingError, ToolTimeoutError

PDF = "application/pdf"
#: Sniffed types Pillow (with pillow-heif) opens.
IMAGE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/tiff",
        "image/webp",
        "image/gif",
        "image/bmp",
        "image/x-ms-bmp",
        "image/heic",
        "image/heif",
        "image/avif",
    }
)
#: Share of the task's soft time limit one file may spend on OCR; the pages left after it
#: are recorded as not attempted, so a long scan completes with the pages it has.
OCR_BUDGET_SHARE = 0.5


def pages_without_text(page_texts: list[str] | None) -> list[int]:
    """0-based indexes of the pages whose text layer is empty."""
    return [i for i, text in enumerate(page_texts or []) if not text.strip()]


class _Run:
    """One file's OCR: the pages read, the pages failed, the clock."""

    def __init__(self, settings: Settings, info: TesseractInfo) -> None:
        self.settings = settings
        self.info = info
        self.started = time.perf_counter()
        self.budget = settings.task_soft_time_limit_seconds * OCR_BUDGET_SHARE
        self.texts: dict[int, str] = {}
        self.failed: dict[int, str] = {}
        self.timeouts = 0

    def out_of_time(self) -> bool:
        return time.perf_counter() - self.started > self.budget

    def not_attempted(self, number: int) -> None:
        self.failed[number] = f"not attempted: the OCR time budget of {self.budget:g} s ran out"

    def read(self, number: int, image: Path, dpi: int | None = None) -> None:
        timeout = self.settings.ocr_page_timeout_seconds
        try:
            self.texts[number] = ocr_file(
                self.info.path,
                image,
                self.settings.ocr_languages,
                timeout=timeout,
                dpi=dpi,
            )
        except ToolTimeoutError:
            self.timeouts += 1
            self.failed[number] = f"timed out after {timeout:g} s"
        except ToolMissingError as exc:
            raise StageSkipped(f"tesseract disappeared while OCR ran ({exc})") from exc
        except ToolFailedError as exc:
            self.failed[number] = str(exc)
        finally:
            image.unlink(missing_ok=True)

    def metadata(self, dpi: int | None, **extra: Any) -> dict[str, Any]:
        return {
            "engine": self.info.engine,
            "languages": self.settings.ocr_languages,
            "dpi": dpi,
            "pages_ocr": sorted(self.texts),
            # string keys: the same shape before and after a JSON round trip
            "pages_failed": {str(n): reason for n, reason in sorted(self.failed.items())},
            "seconds": round(time.perf_counter() - self.started, 3),
            **extra,
        }

    def raise_if_nothing_read(self) -> None:
        if self.texts or not self.failed:
            return
        timeout = self.settings.ocr_page_timeout_seconds
        if self.timeouts == len(self.failed):
            raise StageSkipped(f"OCR timed out after {timeout:g} s on every page")
        first = next(iter(sorted(self.failed.items())))[1]
        raise StageSkipped(f"OCR failed on every page ({len(self.failed)}); first: {first}")


def engine_for(settings: Settings) -> TesseractInfo:
    """The configured tesseract, checked to exist, answer and have every language."""
    cmd = settings.tesseract_cmd
    probe_timeout = min(settings.ocr_page_timeout_seconds, PROBE_TIMEOUT_SECONDS)
    try:
        info = tesseract_info(cmd, probe_timeout)
        check_languages(info, settings.ocr_languages)
    except OcrLanguageMissingError as exc:
        raise StageSkipped(str(exc)) from exc
    except ToolMissingError as exc:
        raise StageSkipped(
            f"tesseract is not installed ({cmd!r} not found); {INSTALL_HINT}"
        ) from exc
    except ToolTimeoutError as exc:
        raise StageSkipped(
            f"tesseract ({cmd}) did not answer `--version` within {probe_timeout:g} s and was "
            "stopped; OCR skipped"
        ) from exc
    except ToolFailedError as exc:
        raise StageSkipped(f"tesseract ({cmd}) does not work: {exc}") from exc
    return info


class OcrStage:
    name = "ocr"
    optional = True

    def applies(self, ctx: ProcessingContext) -> bool:
        if not ctx.settings.ocr_enabled or ctx.settings.ocr_max_pages <= 0:
            return False
        if ctx.content_type in IMAGE_TYPES:
            return True
        return ctx.content_type == PDF and bool(pages_without_text(ctx.page_texts))

    def run(self, ctx: ProcessingContext) -> None:
        # The file is opened before tesseract is asked anything, so a bomb fails the file
        # even on a machine without tesseract.
        if ctx.content_type == PDF:
            self._run_pdf(ctx)
        else:
            self._run_image(ctx)

    def _run_pdf(self, ctx: ProcessingContext) -> None:
        settings = ctx.settings
        pages = list(ctx.page_texts or [])
        empty = pages_without_text(pages)
        chosen = empty[: max(0, settings.ocr_max_pages)]
        reduced: dict[str, int] = {}
        pdf = open_pdf(ctx.path)
        try:
            run = _Run(settings, engine_for(settings))
            for index in chosen:
                number = index + 1
                if run.out_of_time():
                    run.not_attempted(number)
                    continue
                try:
                    rendered = render_page(pdf, index, settings.ocr_dpi)
                except (pdfium.PdfiumError, PermanentProcessingError) as exc:
                    run.failed[number] = f"the page cannot be rendered: {exc}"
                    continue
                if rendered.dpi < settings.ocr_dpi:
                    reduced[str(number)] = rendered.dpi
                page_file = write_page(rendered.image, ctx.workdir / f"ocr-page-{number}")
                rendered.image.close()
                run.read(number, page_file, rendered.dpi)
        finally:
            pdf.close()
        extra: dict[str, Any] = {"pages_over_cap": len(empty) - len(chosen)}
        if reduced:
            extra["dpi_reduced"] = reduced
        ctx.metadata["ocr"] = run.metadata(settings.ocr_dpi, **extra)
        run.raise_if_nothing_read()
        for number, text in run.texts.items():
            pages[number - 1] = text
        truncated = set_text(ctx, "\n\n".join(pages))
        ctx.page_texts = pages
        text_meta = ctx.metadata.setdefault("text", {"extractor": "pdf-text"})
        text_meta.update(
            {
                "chars": len(ctx.text),
                "truncated": truncated,
                "max_chars": settings.text_max_chars,
                "pages_ocr": len(run.texts),
            }
        )

    def _run_image(self, ctx: ProcessingContext) -> None:
        settings = ctx.settings
        with ImagePages(
            ctx.path, ctx.workdir, settings.image_max_pixels, settings.ocr_max_pages
        ) as image:
            run = _Run(settings, engine_for(settings))
            for page in image.prepared():
                if page.path is None:
                    run.failed[page.number] = page.error or "the page cannot be read"
                elif run.out_of_time():
                    page.path.unlink(missing_ok=True)
                    run.not_attempted(page.number)
                else:
                    run.read(page.number, page.path)
            total, fmt = image.total, image.format
        ctx.metadata["ocr"] = run.metadata(
            None,
            format=fmt,
            pages=total,
            pages_over_cap=max(0, total - max(0, settings.ocr_max_pages)),
        )
        run.raise_if_nothing_read()
        texts = [run.texts.get(n, "") for n in range(1, min(total, settings.ocr_max_pages) + 1)]
        truncated = set_text(ctx, "\n\n".join(texts))
        if total > 1:
            ctx.page_texts = texts
        ctx.metadata["text"] = {
            "extractor": "ocr",
            "chars": len(ctx.text),
            "truncated": truncated,
            "max_chars": settings.text_max_chars,
        }
