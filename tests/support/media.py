"""Images, PDFs and videos made in code for the metadata and thumbnail tests."""

from __future__ import annotations

import datetime as dt
import functools
import io
import shutil
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import piexif
import psutil
import pytest
from fpdf import FPDF
from PIL import Image

from drive2.domain.models import FileRecord, FileStatus
from drive2.pipeline.tools import run_tool
from tests.support.services import services_required

RED = (220, 20, 20)
BLUE = (20, 20, 220)

Rational = tuple[int, int]
Dms = tuple[Rational, Rational, Rational]


def jpeg(img: Image.Image, exif: dict[str, Any] | None = None, **save: Any) -> bytes:
    buf = io.BytesIO()
    if exif is not None:
        save["exif"] = piexif.dump({"0th": {}, "Exif": {}, "GPS": {}, **exif})
    img.save(buf, "JPEG", **save)
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def halves(
    size: tuple[int, int], left: tuple[int, int, int], right: tuple[int, int, int]
) -> Image.Image:
    """An RGB image whose left half is one colour and right half another."""
    img = Image.new("RGB", size, left)
    img.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return img


def camera_exif(
    *,
    orientation: int = 1,
    latitude: Dms = ((13, 1), (45, 1), (225, 10)),
    latitude_ref: bytes = b"N",
    longitude: Dms = ((100, 1), (29, 1), (402, 10)),
    longitude_ref: bytes = b"E",
    altitude: Rational = (15, 1),
    altitude_ref: int = 0,
) -> dict[str, Any]:
    """A Canon-like EXIF block: 13°45'22.5"N 100°29'40.2"E by default (Bangkok)."""
    return {
        "0th": {
            piexif.ImageIFD.Make: b"Canon",
            piexif.ImageIFD.Model: b"Canon EOS R5",
            piexif.ImageIFD.Orientation: orientation,
        },
        "Exif": {
            piexif.ExifIFD.DateTimeOriginal: b"2024:05:01 10:20:30",
            piexif.ExifIFD.OffsetTimeOriginal: b"+07:00",
            piexif.ExifIFD.ExposureTime: (1, 125),
            piexif.ExifIFD.FNumber: (28, 10),
            piexif.ExifIFD.ISOSpeedRatings: 200,
            piexif.ExifIFD.FocalLength: (50, 1),
            piexif.ExifIFD.LensModel: b"RF50mm F1.8 STM",
        },
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: latitude_ref,
            piexif.GPSIFD.GPSLatitude: latitude,
            piexif.GPSIFD.GPSLongitudeRef: longitude_ref,
            piexif.GPSIFD.GPSLongitude: longitude,
            piexif.GPSIFD.GPSAltitudeRef: altitude_ref,
            piexif.GPSIFD.GPSAltitude: altitude,
        },
    }


def camera_jpeg(size: tuple[int, int] = (400, 200), **exif: Any) -> bytes:
    """Red left half, blue right half, with camera_exif(**exif)."""
    return jpeg(halves(size, RED, BLUE), camera_exif(**exif), quality=95)


def odd_exif_jpeg() -> bytes:
    """EXIF as careless tools write it: zero denominators, NUL-padded bytes, nonsense."""
    return jpeg(
        Image.new("RGB", (64, 48), "gray"),
        {
            "0th": {
                piexif.ImageIFD.Make: b"ACME\x00\x00\x00",
                piexif.ImageIFD.Model: b"\x00\x00",
                piexif.ImageIFD.Orientation: 9,
            },
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: b"0000:00:00 00:00:00",
                piexif.ExifIFD.ExposureTime: (1, 0),
                piexif.ExifIFD.FNumber: (0, 0),
                piexif.ExifIFD.FocalLength: (0, 0),
                piexif.ExifIFD.ISOSpeedRatings: 0,
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((13, 0), (0, 0), (0, 0)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((100, 1), (0, 1), (0, 1)),
                piexif.GPSIFD.GPSAltitude: (5, 0),
            },
        },
    )


def noisy_jpeg(size: tuple[int, int] = (800, 600)) -> bytes:
    return jpeg(Image.effect_noise(size, 60).convert("RGB"), quality=90)


def truncated_jpeg() -> bytes:
    data = noisy_jpeg()
    return data[: len(data) // 2]


def rgba_png_half_transparent(size: tuple[int, int] = (200, 100)) -> bytes:
    """Left half opaque red; right half fully transparent black (so a wrong flatten shows)."""
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    img.paste((*RED, 255), (0, 0, size[0] // 2, size[1]))
    return png(img)


def palette_gif_with_transparency(size: tuple[int, int] = (120, 60)) -> bytes:
    img = Image.new("P", size, 0)
    img.putpalette([0, 0, 0, *RED] + [0] * (256 * 3 - 6))
    img.paste(1, (0, 0, size[0] // 2, size[1]))
    buf = io.BytesIO()
    img.save(buf, "GIF", transparency=0)
    return buf.getvalue()


def animated_gif(colors: tuple[tuple[int, int, int], ...] = (RED, BLUE)) -> bytes:
    frames = [Image.new("RGB", (80, 60), c) for c in colors]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def cmyk_jpeg(size: tuple[int, int] = (300, 200)) -> bytes:
    return jpeg(Image.new("CMYK", size, (0, 255, 255, 0)), quality=95)  # red ink


def png16_gradient(size: tuple[int, int] = (512, 64)) -> bytes:
    """A 16-bit greyscale PNG (mode I;16): black on the left to white on the right."""
    width, height = size
    row = b"".join(struct.pack("<H", round(x * 65535 / (width - 1))) for x in range(width))
    return png(Image.frombytes("I;16", size, row * height))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width×height RGB pixels, with one tiny IDAT."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" + b"\x00" * 3)  # one filter byte, one pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><head><title>x</title></head><body><p>Not a picture</p></body>"


def pdf_with_properties(pages: int = 2, xmp: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.set_title("Quarterly report")
    pdf.set_author("Somchai Jaidee")
    pdf.set_subject("Revenue and costs")
    pdf.set_keywords("finance quarterly 2025")
    pdf.set_creator("Drive2 tests")
    pdf.set_creation_date(
        dt.datetime(2025, 3, 14, 12, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    )
    if xmp is not None:
        pdf.set_xmp_metadata(xmp)
    pdf.set_font("helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"Page {number + 1}")
    return bytes(pdf.output())


def pdfa_xmp(part: int = 2, conformance: str = "B") -> str:
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">'
        f"<pdfaid:part>{part}</pdfaid:part>"
        f"<pdfaid:conformance>{conformance}</pdfaid:conformance>"
        "</rdf:Description></rdf:RDF>"
    )


def encrypted_pdf(user_password: str | None = "secret") -> bytes:
    pdf = FPDF()
    pdf.set_title("Locked")
    pdf.set_encryption(owner_password="owner-pass", user_password=user_password)
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 10, "Confidential")
    return bytes(pdf.output())


def pdf_black_top_half() -> bytes:
    """An A4 page (210×297 mm) whose top half is a black rectangle."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(0, 0, 0)
    pdf.rect(0, 0, 210, 148.5, style="F")
    return bytes(pdf.output())


def video_encoder() -> str:
    encoders = run_tool(["ffmpeg", "-hide_banner", "-encoders"], timeout=30).stdout
    return "libx264" if b"libx264" in encoders else "mpeg4"


def make_video(
    out: Path,
    size: str = "320x240",
    rate: int = 25,
    seconds: float = 3,
    created: str | None = "2025-01-02T03:04:05Z",
) -> Path:
    """A test-pattern video with a 440 Hz tone, made by ffmpeg."""
    encoder = video_encoder()
    argv = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size={size}:rate={rate}:duration={seconds}",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:duration={seconds}",
        "-c:v",
        encoder,
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
    ]
    if encoder == "libx264":
        argv += ["-preset", "ultrafast"]
    if created:
        argv += ["-metadata", f"creation_time={created}"]
    run_tool([*argv, str(out)], timeout=60)
    return out


def make_audio(out: Path, seconds: float = 1) -> Path:
    run_tool(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-ac",
            "2",
            "-ar",
            "48000",
            str(out),
        ],
        timeout=60,
    )
    return out


def frame_at(video: Path, seconds: float, out: Path) -> Image.Image:
    """The frame ffmpeg itself gives at `seconds` (the reference for the video thumbnail)."""
    run_tool(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-ss",
            f"{seconds:.3f}",
            "-i",
            str(video),
            "-frames:v",
            "1",
            str(out),
        ],
        timeout=60,
    )
    with Image.open(out) as img:
        return img.convert("RGB")


def hanging_tool(directory: Path, name: str = "ffmpeg") -> Path:
    """A stand-in for a tool that never finishes: it starts a child and both sleep. Their
    process ids land in <name>.pids, so a test can check that nothing is left behind."""
    script = directory / f"hang-{name}"
    pids = directory / f"{name}.pids"
    script.write_text(f'#!/bin/sh\nsleep 300 &\necho "$$ $!" > "{pids}"\nwait\n')
    script.chmod(0o755)
    return script


def have_ffmpeg() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def needs_ffmpeg(test: Callable[..., Any]) -> Callable[..., Any]:
    """For a test that runs ffmpeg/ffprobe: skipped where they are missing — except under
    DRIVE2_REQUIRE_SERVICES (CI), where a missing tool fails the test, as for tesseract."""
    if have_ffmpeg():
        return test
    message = "ffmpeg/ffprobe are not installed (run `make system-deps`)"
    if services_required():

        @functools.wraps(test)
        def missing_tool(*args: Any, **kwargs: Any) -> None:
            pytest.fail(message + " and DRIVE2_REQUIRE_SERVICES is set", pytrace=False)

        return missing_tool
    return pytest.mark.skip(reason=message)(test)


def file_record(filename: str = "upload.bin") -> FileRecord:
    """A FileRecord for a stage run outside the database."""
    now = dt.datetime.now(dt.UTC)
    return FileRecord(
        id="0b9f8a4e-1d2c-4e5f-8a9b-0c1d2e3f4a5b",
        user_id="7c6d5e4f-3a2b-4c1d-9e8f-7a6b5c4d3e2f",
        filename=filename,
        content_type="application/octet-stream",
        size_bytes=0,
        checksum_sha256="0" * 64,
        storage_key="originals/u/f",
        thumbnail_key=None,
        status=FileStatus.PROCESSING,
        progress=10,
        stage=None,
        attempts=1,
        error=None,
        uploaded_at=now,
        updated_at=now,
        processed_at=None,
        metadata={},
        text_excerpt=None,
        ai=None,
    )


def heic(size: tuple[int, int] = (640, 480), colour: tuple[int, int, int] = RED) -> bytes:
    """A HEIC photo (pillow-heif encodes it)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "HEIF", quality=90)
    return buf.getvalue()


def assert_tool_processes_gone(pid_file: Path, timeout: float = 5.0) -> None:
    """The hanging tool wrote its own pid and its child's; both must be gone (not zombies)."""
    pids = [int(p) for p in pid_file.read_text().split()]
    assert len(pids) == 2  # the tool and the child it started
    deadline = time.monotonic() + timeout
    while (alive := [p for p in pids if _running(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive, f"left running: {alive}"


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
