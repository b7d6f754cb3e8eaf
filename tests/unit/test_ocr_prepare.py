"""What OCR hands to tesseract, checked without running it: image pages made upright, gray,
flattened and bounded; PDF pages rendered within the pixel cap; tesseract's output and
language list read right."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image, ImageChops, ImageOps, ImageStat

from drive2.domain.errors import PermanentProcessingError
from drive2.pipeline.ocr.images import MAX_SIDE, ImagePages, prepare_frame, to_gray
from drive2.pipeline.ocr.pdf_pages import MAX_PAGE_PIXELS, render_page, render_scale
from drive2.pipeline.ocr.tesseract import (
    OcrLanguageMissingError,
    TesseractInfo,
    check_languages,
    clean_output,
)
from tests.support.images import jpeg_bytes, render_text

LIMIT = 100_000_000


@pytest.fixture(autouse=True)
def _restore_pillow_pixel_limit() -> Iterator[None]:
    saved = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = saved


def _text() -> Image.Image:
    return render_text(["Sample 123"], size=28)


def _save(tmp_path: Path, name: str, image: Image.Image, **params: object) -> Path:
    path = tmp_path / name
    image.save(path, **params)  # type: ignore[arg-type]
    return path


def _pages(path: Path, tmp_path: Path, max_pages: int = 50) -> list[Image.Image]:
    with ImagePages(path, tmp_path, LIMIT, max_pages) as pages:
        made = [p for p in pages.prepared()]
    assert all(p.path is not None for p in made), made
    return [Image.open(p.path) for p in made if p.path is not None]


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two same-sized images in gray levels (0–255)."""
    assert a.size == b.size, (a.size, b.size)
    diff = ImageChops.difference(ImageOps.grayscale(a), ImageOps.grayscale(b))
    return float(ImageStat.Stat(diff).mean[0])


def _same_picture(a: Image.Image, b: Image.Image, tolerance: float = 3.0) -> bool:
    # The sample turned 180° differs by ~12 levels; JPEG noise stays under ~2.
    return _mean_difference(a, b) < tolerance


def test_the_picture_comparison_tells_upright_from_turned() -> None:
    text = _text()
    for method in (Image.Transpose.ROTATE_180, Image.Transpose.FLIP_LEFT_RIGHT):
        assert not _same_picture(text, text.transpose(method))


def test_sixteen_bit_gray_keeps_its_contrast() -> None:
    text = _text()
    deep = text.convert("I").point(lambda v: v * 257).convert("I;16")
    assert deep.convert("L").getextrema() == (0, 255)  # Pillow clips, so mid-grays go white
    gray = to_gray(deep)
    assert gray.mode == "L" and gray.getextrema() == (0, 255)
    assert _same_picture(gray, text, tolerance=1.0)
    mid = Image.new("I;16", (4, 4), 128 * 257)
    mid.putpixel((0, 0), 0)
    mid.putpixel((1, 0), 65535)
    assert to_gray(mid).getpixel((2, 2)) == 128


def test_cmyk_jpeg_and_transparent_png_come_out_black_on_white(tmp_path: Path) -> None:
    text = _text()
    cmyk = _save(tmp_path, "cmyk.jpg", text.convert("RGB").convert("CMYK"), quality=95)
    (page,) = _pages(cmyk, tmp_path)
    assert page.mode == "L" and _same_picture(page, text)
    # Black ink on a fully transparent (black) background: naive conversion is all black.
    rgba = Image.new("RGBA", text.size, (0, 0, 0, 0))
    rgba.putalpha(ImageOps.invert(text))
    transparent = _save(tmp_path, "clear.png", rgba)
    (flat,) = _pages(transparent, tmp_path)
    assert flat.getpixel((2, 2)) == 255 and _same_picture(flat, text)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    text = _text()
    for orientation in (3, 6, 8):
        path = tmp_path / f"o{orientation}.jpg"
        path.write_bytes(jpeg_bytes(text, orientation=orientation, quality=95))
        (page,) = _pages(path, tmp_path)
        assert page.size == text.size, orientation
        assert _same_picture(page, text), orientation


def test_huge_images_are_shrunk_to_the_long_side_limit(tmp_path: Path) -> None:
    wide = _save(tmp_path, "wide.png", Image.new("L", (9000, 1200), 255))
    (page,) = _pages(wide, tmp_path)
    assert page.size == (MAX_SIDE, round(1200 * MAX_SIDE / 9000))
    # A JPEG takes the draft path (decoded at 1/2 size, straight to gray) before the resize.
    tall = Image.open(io.BytesIO(jpeg_bytes(Image.new("RGB", (1500, 9000), "white"))))
    page = prepare_frame(tall)
    assert page.mode == "L" and page.size == (round(1500 * MAX_SIDE / 9000), MAX_SIDE)


def test_only_tiff_frames_are_pages(tmp_path: Path) -> None:
    frames = [render_text([f"Frame {n}"]) for n in (1, 2, 3)]
    tiff = _save(tmp_path, "a.tif", frames[0], save_all=True, append_images=frames[1:])
    assert len(_pages(tiff, tmp_path)) == 3
    assert len(_pages(tiff, tmp_path, max_pages=2)) == 2
    gif = _save(tmp_path, "a.gif", frames[0], save_all=True, append_images=frames[1:])
    with ImagePages(gif, tmp_path, LIMIT, 50) as pages:
        assert pages.total == 1 and len(list(pages.prepared())) == 1
    webp = _save(tmp_path, "a.webp", frames[0], save_all=True, append_images=frames[1:])
    (first,) = _pages(webp, tmp_path)
    assert _same_picture(first, frames[0])


def test_avif_opens_like_any_photo(tmp_path: Path) -> None:
    text = _text()
    avif = _save(tmp_path, "a.avif", text.convert("RGB"), format="AVIF", quality=90)
    (page,) = _pages(avif, tmp_path)
    assert _same_picture(page, text)


def test_a_truncated_jpeg_is_a_page_error_not_a_crash(tmp_path: Path) -> None:
    data = jpeg_bytes(render_text(["Cut in half"] * 8))
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with ImagePages(path, tmp_path, LIMIT, 50) as pages:
        (page,) = list(pages.prepared())
    assert page.path is None and page.error is not None and "cannot be decoded" in page.error


def test_render_scale_keeps_the_dpi_for_a4_and_caps_a_poster() -> None:
    assert render_scale(595, 842, 200, MAX_PAGE_PIXELS) == pytest.approx(200 / 72)
    scale = render_scale(14400, 14400, 200, MAX_PAGE_PIXELS)
    assert (14400 * scale) ** 2 <= MAX_PAGE_PIXELS * 1.0001
    strip = render_scale(10, 14400, 600, MAX_PAGE_PIXELS)
    assert round(14400 * strip) <= 30_000 and strip < 600 / 72
    for width, height in ((0, 100), (100, -1), (math.inf, 10)):
        with pytest.raises(PermanentProcessingError):
            render_scale(width, height, 200, MAX_PAGE_PIXELS)


def test_a_huge_pdf_page_renders_within_the_cap(tmp_path: Path) -> None:
    pdf = FPDF(unit="pt", format=(5000, 5000))
    pdf.add_page()
    pdf.set_font("helvetica", size=200)
    pdf.text(300, 2500, "Poster")
    path = tmp_path / "poster.pdf"
    pdf.output(str(path))
    document = pdfium.PdfDocument(str(path))
    try:
        rendered = render_page(document, 0, dpi=200, max_pixels=4_000_000)
    finally:
        document.close()
    assert rendered.image.mode == "L"
    assert rendered.image.width * rendered.image.height <= 4_000_000
    assert rendered.dpi < 200 and rendered.image.getextrema() == (0, 255)


def test_tesseract_output_is_cleaned() -> None:
    raw = "จํากัด ยอดรวม   \nTotal 42  \n\f".encode()
    assert clean_output(raw) == "จำกัด ยอดรวม\nTotal 42"


def test_missing_languages_are_named_with_their_packages() -> None:
    info = TesseractInfo(path="/usr/bin/tesseract", version="5.3.0", languages=frozenset({"eng"}))
    check_languages(info, "eng")
    with pytest.raises(OcrLanguageMissingError, match=r"tha\+chi_sim .*tesseract-ocr-chi-sim"):
        check_languages(info, "eng+tha+chi_sim")
    with pytest.raises(OcrLanguageMissingError, match="empty"):
        check_languages(info, " + ")
