"""OCR with the real tesseract over files made in code: rendered English and Thai text,
EXIF-rotated JPEG, multi-page TIFF, HEIC, scanned and mixed PDFs; a hanging or missing
tesseract; and the same through the pipeline runner."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import psutil
import pytest
from fpdf import FPDF
from PIL import Image

from drive2.bootstrap import Container
from drive2.config import Settings
from drive2.domain.errors import UnsafeContentError
from drive2.domain.models import FileStatus, NewFile
from drive2.domain.object_keys import original_key
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.runner import PipelineRunner, RunOutcome
from drive2.pipeline.stage import Stage, StageSkipped
from drive2.pipeline.stages.detect import DetectTypeStage
from drive2.pipeline.stages.ocr import OcrStage
from drive2.pipeline.stages.text import ExtractTextStage
from tests.conftest import SettingsFactory
from tests.support.images import (
    ENGLISH_LINES,
    THAI_FONT,
    THAI_LINES,
    heic_bytes,
    jpeg_bytes,
    png_bytes,
    render_text,
    tiff_bytes,
)
from tests.support.media import file_record
from tests.support.services import services_required

REAL_TESSERACT = shutil.which("tesseract")
ENGLISH = " ".join(ENGLISH_LINES)
THAI = " ".join(THAI_LINES)
ContextFactory = Callable[..., ProcessingContext]


def _tesseract_ready() -> str | None:
    if REAL_TESSERACT is None:
        return "tesseract is not installed"
    langs = subprocess.run(
        [REAL_TESSERACT, "--list-langs"], capture_output=True, text=True, timeout=30
    ).stdout.split()
    missing = [code for code in ("eng", "tha") if code not in langs]
    return f"tesseract has no {'+'.join(missing)} data" if missing else None


@pytest.fixture(scope="module")
def tesseract() -> str:
    problem = _tesseract_ready()
    if problem is not None:
        message = f"{problem} (run `make system-deps`)"
        if services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    assert REAL_TESSERACT is not None
    return REAL_TESSERACT


@pytest.fixture(autouse=True)
def _restore_pillow_pixel_limit() -> Iterator[None]:
    # open_image sets Image.MAX_IMAGE_PIXELS process-wide; a test that lowers it must not
    # leave later tests (and fpdf2's image loading) with the low limit.
    saved = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = saved


def ratio(expected: str, got: str, drop_spaces: bool = False) -> float:
    def norm(s: str) -> str:
        return "".join(s.split()) if drop_spaces else " ".join(s.split())

    value = SequenceMatcher(None, norm(expected), norm(got)).ratio()
    print(f"OCR ratio {value:.3f} for {expected[:30]!r}")  # shown with -s, for the record
    return value


@pytest.fixture
def context(tmp_path: Path, make_settings: SettingsFactory) -> ContextFactory:
    """A context like the runner builds, after the type and text-layer stages ran."""

    def factory(name: str, data: bytes, **overrides: Any) -> ProcessingContext:
        workdir = tmp_path / f"work-{uuid.uuid4().hex[:8]}"
        workdir.mkdir()
        path = workdir / "original"
        path.write_bytes(data)
        settings: Settings = make_settings(**overrides)
        record = file_record(name)
        ctx = ProcessingContext(
            file=record,
            attempt=1,
            path=path,
            workdir=workdir,
            settings=settings,
            content_type=record.content_type,
            metadata={},
        )
        for stage in (DetectTypeStage(), ExtractTextStage()):
            if stage.applies(ctx):
                stage.run(ctx)
        return ctx

    return factory


def _ocr(ctx: ProcessingContext) -> None:
    stage = OcrStage()
    assert stage.applies(ctx), ctx.content_type
    stage.run(ctx)


def _scanned_pdf(*pages: Image.Image | str) -> bytes:
    """One page per argument: a string becomes a real text layer, an image an image-only page."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=14)
    for page in pages:
        pdf.add_page()
        if isinstance(page, str):
            pdf.multi_cell(0, 8, page)
        else:
            pdf.image(page, x=10, y=10, w=190)
    return bytes(pdf.output())


# --- images ---------------------------------------------------------------------------------


def test_english_png_is_read(tesseract: str, context: ContextFactory) -> None:
    ctx = context("scan.png", png_bytes(render_text(ENGLISH_LINES)))
    assert ctx.content_type == "image/png"
    _ocr(ctx)
    assert ratio(ENGLISH, ctx.text) >= 0.9, ctx.text
    meta = ctx.metadata["ocr"]
    assert meta["engine"].startswith("tesseract 5")
    assert meta["languages"] == "eng+tha"
    assert meta["pages_ocr"] == [1] and meta["pages_failed"] == {}
    assert meta["format"] == "PNG" and meta["pages"] == 1
    assert 0 < meta["seconds"] < 30
    assert ctx.metadata["text"] == {
        "extractor": "ocr",
        "chars": len(ctx.text),
        "truncated": False,
        "max_chars": ctx.settings.text_max_chars,
    }


def test_thai_png_is_read_with_whole_words(tesseract: str, context: ContextFactory) -> None:
    ctx = context("receipt.png", png_bytes(render_text(THAI_LINES, THAI_FONT, 36)))
    _ocr(ctx)
    assert ratio(THAI, ctx.text, drop_spaces=True) >= 0.9, ctx.text
    # Words stay whole (no space between every character) and SARA AM is one code point,
    # so a search for the company name typed on a keyboard finds it.
    assert "ตัวอย่าง" in ctx.text and "จำกัด" in ctx.text, ctx.text


def test_text_cap_applies_to_ocr_text(tesseract: str, context: ContextFactory) -> None:
    ctx = context("scan.png", png_bytes(render_text(ENGLISH_LINES)), TEXT_MAX_CHARS=40)
    _ocr(ctx)
    assert 0 < len(ctx.text) <= 40 and ctx.text.startswith("The quick")
    assert ctx.metadata["text"]["truncated"] is True


def test_jpeg_with_exif_orientation_6_is_turned_upright(
    tesseract: str, context: ContextFactory
) -> None:
    data = jpeg_bytes(render_text(ENGLISH_LINES), orientation=6)
    stored = Image.open(io.BytesIO(data))
    assert stored.height > stored.width  # the pixels really are on their side
    ctx = context("photo.jpg", data)
    _ocr(ctx)
    assert ratio(ENGLISH, ctx.text) >= 0.9, ctx.text


def test_every_page_of_a_tiff_is_read_in_order(tesseract: str, context: ContextFactory) -> None:
    first = render_text(["Page one says alpha bravo."])
    second = render_text(["Page two says charlie delta."])
    ctx = context("fax.tiff", tiff_bytes(first, second))
    assert ctx.content_type == "image/tiff"
    _ocr(ctx)
    assert ctx.metadata["ocr"]["pages_ocr"] == [1, 2]
    assert ctx.metadata["ocr"]["pages"] == 2
    assert ctx.page_texts is not None and len(ctx.page_texts) == 2
    assert "alpha bravo" in ctx.page_texts[0] and "charlie delta" in ctx.page_texts[1]
    assert ctx.text.index("alpha") < ctx.text.index("charlie")


def test_heic_photo_is_read(tesseract: str, context: ContextFactory) -> None:
    ctx = context("IMG_0001.HEIC", heic_bytes(render_text(ENGLISH_LINES)))
    assert ctx.content_type == "image/heic"
    _ocr(ctx)
    assert ratio(ENGLISH, ctx.text) >= 0.9, ctx.text
    assert ctx.metadata["ocr"]["format"] == "HEIF"


def test_a_bomb_fails_instead_of_being_skipped(context: ContextFactory) -> None:
    # Needs no tesseract: the image is opened before the engine is asked anything.
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    header = (100_000).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
    ctx = context("bomb.png", png)
    with pytest.raises(UnsafeContentError):
        OcrStage().run(ctx)


def test_a_later_tiff_page_over_the_pixel_limit_is_a_bomb(
    tesseract: str, context: ContextFactory
) -> None:
    small = Image.new("L", (60, 40), 255)
    big = Image.new("L", (200, 200), 255)
    ctx = context("pages.tif", tiff_bytes(small, big), IMAGE_MAX_PIXELS=10_000)
    with pytest.raises(UnsafeContentError, match="page 2"):
        OcrStage().run(ctx)


# --- PDFs -----------------------------------------------------------------------------------


def test_scanned_pdf_is_read(tesseract: str, context: ContextFactory) -> None:
    ctx = context("scan.pdf", _scanned_pdf(render_text(ENGLISH_LINES)))
    assert ctx.content_type == "application/pdf"
    assert ctx.page_texts is not None and ctx.page_texts[0].strip() == ""
    _ocr(ctx)
    assert ratio(ENGLISH, ctx.text) >= 0.9, ctx.text
    meta = ctx.metadata["ocr"]
    assert meta["pages_ocr"] == [1] and meta["dpi"] == 200 and meta["pages_over_cap"] == 0
    assert ctx.metadata["text"]["extractor"] == "pdf-text"
    assert ctx.metadata["text"]["chars"] == len(ctx.text) and ctx.metadata["text"]["pages_ocr"] == 1


def test_mixed_pdf_ocrs_only_the_page_without_text(tesseract: str, context: ContextFactory) -> None:
    layer = "Page one has a real text layer about apples and pears."
    ctx = context("mixed.pdf", _scanned_pdf(layer, render_text(ENGLISH_LINES)))
    assert ctx.page_texts is not None and ctx.page_texts[0].strip() == layer
    _ocr(ctx)
    assert ctx.metadata["ocr"]["pages_ocr"] == [2]
    assert ctx.text.startswith(layer)  # page 1 kept, word for word, and first
    assert ctx.page_texts[0].strip() == layer
    assert ratio(ENGLISH, ctx.text[len(layer) :]) >= 0.9, ctx.text
    assert ratio(ENGLISH, ctx.page_texts[1]) >= 0.9


def test_pdf_page_cap_is_kept(tesseract: str, context: ContextFactory) -> None:
    pages = [render_text([f"Scanned page number {n}"]) for n in (1, 2, 3)]
    ctx = context("long.pdf", _scanned_pdf(*pages), OCR_MAX_PAGES=2)
    _ocr(ctx)
    assert ctx.metadata["ocr"]["pages_ocr"] == [1, 2]
    assert ctx.metadata["ocr"]["pages_over_cap"] == 1
    assert "page number 2" in ctx.text and "page number 3" not in ctx.text


# --- when OCR does not apply ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "sniffed"),
    [
        ("receipt.jpg", b"Total 42.00 THB\nThank you for shopping\n", "text/plain"),
        ("page.png", b"<html><body><p>Not a picture</p></body></html>", "text/html"),
    ],
)
def test_text_in_disguise_never_reaches_ocr(
    context: ContextFactory, name: str, data: bytes, sniffed: str
) -> None:
    ctx = context(name, data)
    assert ctx.content_type == sniffed
    assert OcrStage().applies(ctx) is False


def test_pdf_with_text_on_every_page_and_disabled_ocr_do_not_apply(
    context: ContextFactory,
) -> None:
    ctx = context("text.pdf", _scanned_pdf("Born digital, every page has text."))
    assert ctx.content_type == "application/pdf" and ctx.page_texts
    assert OcrStage().applies(ctx) is False
    off = context("scan.png", png_bytes(render_text(["x"])), OCR_ENABLED=False)
    assert OcrStage().applies(off) is False


# --- a broken tesseract ---------------------------------------------------------------------


def _fake_tesseract(tmp_path: Path, body: str, real: str | None) -> Path:
    """A tesseract stand-in; with `real`, `--version`/`--list-langs` go to the real one."""
    script = tmp_path / f"fake-tesseract-{uuid.uuid4().hex[:6]}"
    probes = f'case "$1" in --version|--list-langs) exec "{real}" "$@";; esac\n' if real else ""
    script.write_text(f"#!/bin/sh\n{probes}{body}\n")
    script.chmod(0o755)
    return script


def _hanging_body(pids: Path) -> str:
    # The shell and its sleeping child both write their pid, so the test can check that
    # the timeout killed the whole process group.
    return f'echo $$ >> "{pids}"\nsleep 30 &\necho $! >> "{pids}"\nwait'


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("answers_probes", [True, False], ids=["hangs-on-pages", "hangs-always"])
def test_a_hanging_tesseract_is_killed_at_its_timeout(
    tesseract: str, context: ContextFactory, tmp_path: Path, answers_probes: bool
) -> None:
    pids = tmp_path / "pids"
    fake = _fake_tesseract(tmp_path, _hanging_body(pids), tesseract if answers_probes else None)
    ctx = context(
        "scan.pdf",
        _scanned_pdf(render_text(ENGLISH_LINES)),
        TESSERACT_CMD=str(fake),
        OCR_PAGE_TIMEOUT_SECONDS=1,
    )
    children_before = {p.pid for p in psutil.Process().children(recursive=True)}
    started = time.monotonic()
    with pytest.raises(StageSkipped) as caught:
        _ocr(ctx)
    elapsed = time.monotonic() - started
    assert elapsed < 6, elapsed
    if answers_probes:
        assert str(caught.value) == "OCR timed out after 1 s on every page"
        assert ctx.metadata["ocr"]["pages_failed"] == {"1": "timed out after 1 s"}
        assert ctx.metadata["ocr"]["pages_ocr"] == []
    else:
        assert "did not answer `--version` within 1 s" in str(caught.value)
    recorded = [int(line) for line in pids.read_text().split()]
    assert len(recorded) == 2  # the shell and its sleep
    time.sleep(0.2)  # let the kernel finish delivering SIGKILL
    assert not [pid for pid in recorded if _running(pid)]
    left = {p.pid for p in psutil.Process().children(recursive=True)} - children_before
    assert not [pid for pid in left if _running(pid)]


def test_pages_after_the_time_budget_are_not_attempted(
    tesseract: str, context: ContextFactory, tmp_path: Path
) -> None:
    # Each page takes 0.8 s; the budget is half of a 1 s soft limit, so only page 1 runs.
    fake = _fake_tesseract(tmp_path, "sleep 0.8\necho slow page", tesseract)
    pages = [Image.new("L", (80, 40), 255) for _ in range(3)]
    ctx = context(
        "fax.tif", tiff_bytes(*pages), TESSERACT_CMD=str(fake), TASK_SOFT_TIME_LIMIT_SECONDS=1
    )
    _ocr(ctx)
    meta = ctx.metadata["ocr"]
    assert meta["pages_ocr"] == [1]
    assert set(meta["pages_failed"]) == {"2", "3"}
    assert meta["pages_failed"]["2"].startswith("not attempted: the OCR time budget")
    assert ctx.text == "slow page"


def test_missing_tesseract_skips_with_the_install_hint(context: ContextFactory) -> None:
    ctx = context(
        "scan.png", png_bytes(render_text(["x"])), TESSERACT_CMD="/nonexistent/bin/tesseract"
    )
    with pytest.raises(StageSkipped) as caught:
        _ocr(ctx)
    message = str(caught.value)
    assert message.startswith("tesseract is not installed")
    assert "make system-deps" in message and "tesseract-ocr-tha" in message


def test_missing_language_is_named_with_its_package(
    tesseract: str, context: ContextFactory
) -> None:
    ctx = context("scan.png", png_bytes(render_text(["x"])), OCR_LANGUAGES="eng+xyz")
    with pytest.raises(StageSkipped, match=r"no language data for xyz .*tesseract-ocr-xyz"):
        _ocr(ctx)


# --- through the runner ---------------------------------------------------------------------


def _stored_file(container: Container, tmp_path: Path, name: str, data: bytes) -> str:
    user = container.auth.register(f"ocr-{uuid.uuid4().hex[:8]}@example.com", "password123")
    file_id = str(uuid.uuid4())
    key = original_key(user.id, file_id)
    source = tmp_path / f"upload-{file_id}"
    source.write_bytes(data)
    container.blobs.put_file(key, source)
    container.repo.add_file(
        NewFile(file_id, user.id, name, "application/octet-stream", len(data), "0" * 64, key)
    )
    return file_id


def _runner(container: Container, settings: Settings) -> PipelineRunner:
    stages: list[Stage] = [DetectTypeStage(), ExtractTextStage(), OcrStage()]
    return PipelineRunner(container.repo, container.blobs, stages, settings)


def test_runner_stores_ocr_text_and_survives_a_hang_and_a_bomb(
    tesseract: str, container: Container, tmp_path: Path, make_settings: SettingsFactory
) -> None:
    good = _stored_file(container, tmp_path, "receipt.png", png_bytes(render_text(ENGLISH_LINES)))
    assert _runner(container, container.settings).run(good) is RunOutcome.COMPLETED
    assert ratio(ENGLISH, container.repo.get_text(good) or "") >= 0.9

    fake = _fake_tesseract(tmp_path, _hanging_body(tmp_path / "pids"), tesseract)
    hanging = make_settings(TESSERACT_CMD=str(fake), OCR_PAGE_TIMEOUT_SECONDS=1)
    slow = _stored_file(container, tmp_path, "scan.png", png_bytes(render_text(ENGLISH_LINES)))
    assert _runner(container, hanging).run(slow) is RunOutcome.COMPLETED
    record = container.repo.get_file(slow)
    assert record is not None and record.status is FileStatus.COMPLETED
    assert record.metadata["skipped_stages"] == {"ocr": "OCR timed out after 1 s on every page"}
    assert record.metadata["ocr"]["pages_failed"] == {"1": "timed out after 1 s"}

    bomb = Image.new("L", (400, 400), 255)
    bombed = _stored_file(container, tmp_path, "bomb.png", png_bytes(bomb))
    strict = make_settings(IMAGE_MAX_PIXELS=10_000)
    assert _runner(container, strict).run(bombed) is RunOutcome.FAILED
    failed = container.repo.get_file(bombed)
    assert failed is not None and failed.status is FileStatus.FAILED
    assert failed.error is not None and "too many pixels" in failed.error
