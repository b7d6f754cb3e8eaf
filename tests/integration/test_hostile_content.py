"""Hostile and broken content through a real Celery worker (embedded parts: SQLite database
and broker, local folder). Each ends in a clear error or a skipped stage, the worker lives on,
and the next ordinary file is processed normally."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from PIL import Image, ImageDraw

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import build_container
from drive2.config import Settings
from tests.support.api import register_and_login, upload, wait_for_status
from tests.support.files import pdf_with_text
from tests.support.worker import WorkerProcess, running_worker

pytestmark = pytest.mark.slow


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(side: int = 100_000) -> bytes:
    """A tiny PNG whose header declares side×side pixels."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def docx_bomb(uncompressed: int = 600 * 1024 * 1024) -> bytes:
    """A DOCX whose document.xml expands to hundreds of megabytes (compresses ~1000×)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            block = b" " * (1024 * 1024)
            for _ in range(uncompressed // len(block)):
                member.write(block)
    return buf.getvalue()


def text_image() -> bytes:
    image = Image.new("RGB", (900, 200), "white")
    ImageDraw.Draw(image).text((20, 80), "ordinary file", fill="black")
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def encrypted_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 10, "Confidential salary letter")
    return bytes(pdf.output())


@pytest.fixture
def embedded_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DRIVE2_DATA_DIR": str(tmp_path / "data"),
        "JWT_SECRET": "hostile-secret-" + "h" * 32,
        "STORAGE_FSYNC": "false",
        "TASK_RETRY_DELAY_SECONDS": "0.5",
    }


@pytest.fixture
def api(embedded_env: dict[str, str]) -> Iterator[TestClient]:
    settings = Settings(_env_file=None, **embedded_env)  # type: ignore[call-arg]
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with TestClient(create_app(container)) as client:
        yield client
    container.close()


def _stage(status: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in status["stages"] if s["name"] == name)


def _then_an_ordinary_file_works(
    client: TestClient, headers: dict[str, str], worker: WorkerProcess
) -> None:
    fid = upload(
        client,
        headers,
        f"ok-{os.urandom(4).hex()}.pdf",
        pdf_with_text(f"Ordinary document {os.urandom(4).hex()}"),
    ).json()["file_id"]
    status = wait_for_status(client, headers, fid)
    assert status["status"] == "completed", status
    assert worker.process.poll() is None


def test_hostile_files_fail_or_skip_clearly_and_the_worker_lives_on(
    api: TestClient, embedded_env: dict[str, str], tmp_path: Path
) -> None:
    with running_worker(embedded_env, tmp_path / "worker.log") as worker:
        headers = register_and_login(api)

        bomb = upload(api, headers, "huge.png", png_bomb()).json()["file_id"]
        status = wait_for_status(api, headers, bomb)
        assert status["status"] == "failed"
        assert "pixels" in status["error"]
        assert status["attempts"] == 1
        _then_an_ordinary_file_works(api, headers, worker)

        zbomb = upload(api, headers, "bomb.docx", docx_bomb()).json()["file_id"]
        status = wait_for_status(api, headers, zbomb, timeout=120)
        assert status["status"] == "failed"
        assert "expands" in status["error"] or "limit" in status["error"], status["error"]
        _then_an_ordinary_file_works(api, headers, worker)

        jpeg = text_image()
        cut = upload(api, headers, "cut.jpg", jpeg[: len(jpeg) // 2]).json()["file_id"]
        status = wait_for_status(api, headers, cut)
        assert status["status"] == "completed", status
        assert _stage(status, "thumbnail")["outcome"] == "skipped"
        assert _stage(status, "thumbnail")["detail"]
        _then_an_ordinary_file_works(api, headers, worker)

        corrupt = upload(
            api, headers, "corrupt.pdf", b"%PDF-1.7\n1 0 obj <</Type /Catalog>> garbage\n%%EOF\n"
        ).json()
        status = wait_for_status(api, headers, corrupt["file_id"])
        assert status["status"] == "failed"
        assert "PDF" in status["error"]
        assert status["attempts"] == 1

        locked = upload(api, headers, "locked.pdf", encrypted_pdf()).json()["file_id"]
        status = wait_for_status(api, headers, locked)
        assert status["status"] == "completed", status
        assert _stage(status, "extract_text")["outcome"] == "skipped"
        assert "encrypted" in _stage(status, "extract_text")["detail"]
        f = api.get(f"/api/v1/files/{locked}", headers=headers).json()
        assert f["metadata"]["encrypted"] is True
        assert api.get(f"/api/v1/files/{locked}/text", headers=headers).text == ""

        liar = upload(api, headers, "photo.jpg", b"Just words pretending to be a photo.").json()
        status = wait_for_status(api, headers, liar["file_id"])
        assert status["status"] == "completed"
        f = api.get(f"/api/v1/files/{liar['file_id']}", headers=headers).json()
        assert f["content_type"] == "text/plain"
        assert (
            "pretending" in api.get(f"/api/v1/files/{liar['file_id']}/text", headers=headers).text
        )
        assert f["has_thumbnail"] is False

        page = upload(
            api,
            headers,
            "image.png",
            b"<html><body><p>Hidden page</p><script>x()</script></body></html>",
        ).json()
        status = wait_for_status(api, headers, page["file_id"])
        assert status["status"] == "completed"
        f = api.get(f"/api/v1/files/{page['file_id']}", headers=headers).json()
        assert f["content_type"] == "text/html"
        assert f["has_thumbnail"] is False
        _then_an_ordinary_file_works(api, headers, worker)


@pytest.mark.parametrize(
    "name", ["a.pdf", "b.jpg", "c.png", "d.docx", "e.mp4", "f.txt", "g.html", "h.heic"]
)
def test_zero_length_files_of_every_type_complete_empty(
    api: TestClient, name: str, embedded_env: dict[str, str], tmp_path: Path
) -> None:
    with running_worker(embedded_env, tmp_path / "worker.log", concurrency=1) as worker:
        headers = register_and_login(api)
        fid = upload(api, headers, name, b"").json()["file_id"]
        status = wait_for_status(api, headers, fid)
        assert status["status"] == "completed"
        assert api.get(f"/api/v1/files/{fid}/text", headers=headers).text == ""
        assert api.get(f"/api/v1/files/{fid}", headers=headers).json()["has_thumbnail"] is False
        _then_an_ordinary_file_works(api, headers, worker)


def test_a_hanging_tool_is_killed_at_its_timeout(
    api: TestClient, embedded_env: dict[str, str], tmp_path: Path
) -> None:
    hang = tmp_path / "hanging-tesseract"
    hang.write_text("#!/bin/sh\nsleep 299.5\n")
    hang.chmod(0o755)
    env = {**embedded_env, "TESSERACT_CMD": str(hang), "OCR_PAGE_TIMEOUT_SECONDS": "1"}
    with running_worker(env, tmp_path / "worker.log") as worker:
        headers = register_and_login(api)
        fid = upload(api, headers, "scan.jpg", text_image()).json()["file_id"]
        status = wait_for_status(api, headers, fid, timeout=60)
        assert status["status"] == "completed", status
        ocr = _stage(status, "ocr")
        assert ocr["outcome"] == "skipped"
        assert "1 s" in ocr["detail"] or "timed out" in ocr["detail"], ocr
        assert ocr["duration_ms"] < 20_000
        _then_an_ordinary_file_works(api, headers, worker)
    leftovers = [
        p
        for p in os.listdir("/proc")
        if p.isdigit() and (str(hang) in _cmdline(p) or "sleep 299.5" in _cmdline(p))
    ]
    assert leftovers == []


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\x00", b" ").decode()
    except OSError:
        return ""


def pdf_zip_polyglot() -> bytes:
    """A valid PDF with a ZIP appended: PDF readers read from the front, ZIP readers from the
    end."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("payload.html", "<script>alert(1)</script>")
    return pdf_with_text("Polyglot invoice that is also a zip archive") + buf.getvalue()


def jpeg_pdf_polyglot() -> bytes:
    """A JPEG whose comment segment holds a whole PDF near the start, where PDF readers look
    for their header."""
    jpeg = text_image()
    pdf = pdf_with_text("Hidden PDF")
    assert len(pdf) < 65000
    comment = b"\xff\xfe" + struct.pack(">H", len(pdf) + 2) + pdf
    return jpeg[:2] + comment + jpeg[2:]


def png_with_html() -> bytes:
    image = Image.new("RGB", (64, 64), "red")
    out = io.BytesIO()
    image.save(out, "PNG")
    png = out.getvalue()
    payload = b"<html><body><script>alert(document.cookie)</script></body></html>"
    chunk = _png_chunk(b"tEXt", b"Comment\x00" + payload)
    iend = png.rindex(b"IEND") - 4
    return png[:iend] + chunk + png[iend:]


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
HTML = (
    b"<!DOCTYPE html><html><head><title>Win</title></head><body>"
    b"<script>fetch('/api/v1/users/me')</script><p>You won a prize</p></body></html>"
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
ACTIVE = ("html", "javascript", "svg", "xml", "ecmascript")


def test_polyglots_and_disguised_files_end_cleanly_and_download_inert(
    api: TestClient, embedded_env: dict[str, str], tmp_path: Path
) -> None:
    corpus = {
        "invoice.pdf": pdf_zip_polyglot(),
        "photo.jpg": jpeg_pdf_polyglot(),
        "avatar.png": png_with_html(),
        "x.jpg": ELF,
        "prize.jpg": HTML,
        "page.html": HTML.replace(b"prize", b"page"),
        "logo.png": SVG,
    }
    with running_worker(embedded_env, tmp_path / "worker.log") as worker:
        headers = register_and_login(api)
        ids = {}
        for name, data in corpus.items():
            r = upload(api, headers, name, data)
            assert r.status_code == 202, (name, r.text)
            ids[name] = r.json()["file_id"]
        for name, file_id in ids.items():
            status = wait_for_status(api, headers, file_id, timeout=180)
            assert status["status"] in ("completed", "failed"), (name, status)
            if status["status"] == "failed":
                assert status["error"], (name, status)
            f = api.get(f"/api/v1/files/{file_id}", headers=headers).json()
            d = api.get(f"/api/v1/files/{file_id}/download", headers=headers)
            assert d.status_code == 200 and d.content == corpus[name], name
            served = d.headers["content-type"].lower()
            assert not any(word in served for word in ACTIVE), (name, f["content_type"], served)
            assert d.headers["content-disposition"].startswith("attachment;"), name
            assert d.headers["x-content-type-options"] == "nosniff", name
            assert "sandbox" in d.headers["content-security-policy"], name
            text = api.get(f"/api/v1/files/{file_id}/text", headers=headers)
            assert text.headers["content-type"] == "text/plain; charset=utf-8", name
            assert text.headers["x-content-type-options"] == "nosniff", name
        # What the bytes are decides, not the name.
        kinds = {
            name: api.get(f"/api/v1/files/{i}", headers=headers).json()["content_type"]
            for name, i in ids.items()
        }
        assert kinds["invoice.pdf"] == "application/pdf"
        assert kinds["photo.jpg"] in ("image/jpeg", "application/pdf")  # both are true
        assert kinds["avatar.png"] == "image/png"
        assert kinds["prize.jpg"] == "text/html"
        assert not kinds["x.jpg"].startswith("image/"), kinds["x.jpg"]
        _then_an_ordinary_file_works(api, headers, worker)
