"""The money stage on its own: QR codes read from real pictures and PDFs (zxing-cpp), the
record settled onto the AI result, the passages for the embedder, and bad pictures that
cost the QR code but never the stage."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from drive2.domain.file_passages import own_passages
from drive2.domain.models import AiMetadata
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.money.qr_codes import payment_codes
from drive2.pipeline.stages.money import MoneyStage
from tests.conftest import SettingsFactory
from tests.support import documents as docs
from tests.support import money_docs as m
from tests.support.media import file_record

KBANK_REFERENCE = "015043143510ATF01234"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "make", "content_type"),
    [
        ("slip.png", lambda d: m.png_bytes(d), "image/png"),
        ("slip.jpg", lambda d: m.jpeg_bytes(d, quality=60), "image/jpeg"),
        ("slip.pdf", lambda d: m.scanned_pdf_bytes(d), "application/pdf"),
    ],
)
def test_the_slip_qr_code_is_read(
    tmp_path: Path, name: str, make: object, content_type: str
) -> None:
    data = make(m.kbank_slip())  # type: ignore[operator]
    [code] = payment_codes(_write(tmp_path, name, data), content_type, 100_000_000)
    assert (code.kind, code.reference, code.bank) == (
        "slip_verify",
        KBANK_REFERENCE,
        "Kasikornbank",
    )


def test_pictures_without_a_payment_code_or_that_cannot_be_read(tmp_path: Path) -> None:
    import qrcode

    url = qrcode.make("https://example.com/menu").get_image()
    buf = io.BytesIO()
    url.save(buf, format="PNG")
    assert payment_codes(_write(tmp_path, "url.png", buf.getvalue()), "image/png", 10**8) == []
    plain = m.png_bytes(m.price_list())
    assert payment_codes(_write(tmp_path, "menu.png", plain), "image/png", 10**8) == []
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    assert payment_codes(_write(tmp_path, "broken.png", broken), "image/png", 10**8) == []
    lying = _write(tmp_path, "lying.pdf", b"%PDF-1.7 not really")
    assert payment_codes(lying, "application/pdf", 10**8) == []
    big = _write(tmp_path, "big.png", m.png_bytes(m.kbank_slip()))
    assert payment_codes(big, "image/png", max_pixels=1000) == []  # over the pixel limit
    assert payment_codes(big, "text/plain", 10**8) == []


def _context(
    tmp_path: Path, settings_factory: SettingsFactory, name: str, data: bytes
) -> ProcessingContext:
    path = _write(tmp_path, "original", data)
    workdir = tmp_path / "work"
    workdir.mkdir()
    return ProcessingContext(
        file=file_record(name),
        attempt=1,
        path=path,
        workdir=workdir,
        settings=settings_factory(),
        content_type="image/png",
        text=docs.SLIP_TH,
        metadata={},
        ai=AiMetadata("2025-06-02_x.png", "โอนเงินสำเร็จ", ["โอนเงิน"], "th", "local", "m"),
        tags=["โอนเงิน"],
        document_date=date(2025, 6, 2),
    )


def test_the_stage_sets_the_record_the_metadata_the_tags_and_the_passages(
    tmp_path: Path, make_settings: SettingsFactory
) -> None:
    ctx = _context(tmp_path, make_settings, "slip.png", m.png_bytes(m.kbank_slip()))
    stage = MoneyStage()
    assert stage.applies(ctx)
    stage.run(ctx)
    assert ctx.ai is not None and ctx.ai.money is not None
    # The text is SLIP_TH's; the picture's QR code gives the reference.
    assert ctx.ai.money.reference == KBANK_REFERENCE
    assert ctx.metadata["payment_qr"][0]["reference"] == KBANK_REFERENCE
    assert ctx.ai.suggested_filename == "2025-06-02_transfer_12500-THB_สยามพร็อพเพอร์ตี้.png"
    assert ctx.tags == ["โอนเงิน", "transfer"]
    passages = own_passages(ctx.ai)  # what the embed stage puts ahead of the text
    assert passages[0].startswith("Transfer of 12,500.00 THB to ")
    assert passages[1].startswith("โอนเงิน 12,500.00 บาท ให้ ")


def test_a_picture_that_cannot_be_read_costs_only_the_qr_code(
    tmp_path: Path, make_settings: SettingsFactory
) -> None:
    ctx = _context(tmp_path, make_settings, "slip.png", b"\x89PNG\r\n\x1a\nbroken")
    MoneyStage().run(ctx)
    assert ctx.ai is not None and ctx.ai.money is not None
    assert ctx.ai.money.reference == "015153143512ATF05123"  # read in the text
    assert "payment_qr" not in ctx.metadata


def test_no_text_or_no_ai_result_no_stage(tmp_path: Path, make_settings: SettingsFactory) -> None:
    ctx = _context(tmp_path, make_settings, "slip.png", m.png_bytes(m.kbank_slip()))
    ctx.text = "  "
    assert not MoneyStage().applies(ctx)
    ctx.text, ctx.ai = docs.SLIP_TH, None
    assert not MoneyStage().applies(ctx)


def test_a_huge_picture_is_shrunk_before_decoding(tmp_path: Path) -> None:
    picture = m.render(m.kbank_slip()).resize((3000, 4900))
    buf = io.BytesIO()
    picture.save(buf, format="JPEG", quality=90)
    [code] = payment_codes(_write(tmp_path, "big.jpg", buf.getvalue()), "image/jpeg", 10**8)
    assert code.reference == KBANK_REFERENCE
    assert Image.open(io.BytesIO(buf.getvalue())).size == (3000, 4900)
