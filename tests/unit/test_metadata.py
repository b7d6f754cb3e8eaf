"""Metadata readers and the metadata stage, over files made in code."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from drive2.config import Settings
from drive2.domain.errors import PermanentProcessingError, UnsafeContentError
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.metadata.image import exif_datetime, read_image_metadata
from drive2.pipeline.metadata.media import media_facts, read_media_metadata
from drive2.pipeline.metadata.pdf import pdf_date, read_pdf_metadata
from drive2.pipeline.sniff import detect_file
from drive2.pipeline.stage import StageSkipped
from drive2.pipeline.stages.metadata import MetadataStage
from tests.support import media
from tests.support.files import truncated_pdf
from tests.support.media import (
    camera_jpeg,
    encrypted_pdf,
    file_record,
    hanging_tool,
    make_audio,
    make_video,
    odd_exif_jpeg,
    pdf_with_properties,
    pdfa_xmp,
    png_declaring,
    truncated_jpeg,
)

needs_ffmpeg = media.needs_ffmpeg  # skips where ffmpeg is missing; fails in CI


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _ctx(path: Path, settings: Settings, mime: str | None = None) -> ProcessingContext:
    workdir = path.parent / f"work-{path.name}"
    workdir.mkdir(exist_ok=True)
    return ProcessingContext(
        file=file_record(path.name),
        attempt=1,
        path=path,
        workdir=workdir,
        settings=settings,
        content_type=mime or detect_file(path, path.name),
    )


# --- images -------------------------------------------------------------------------------


def test_exif_camera_fields_and_gps_decimals(tmp_path: Path, settings: Settings) -> None:
    found = read_image_metadata(_write(tmp_path, "a.jpg", camera_jpeg()), settings.image_max_pixels)
    assert found["image"] == {
        "width": 400,
        "height": 200,
        "mode": "RGB",
        "format": "JPEG",
        "frames": 1,
        "animated": False,
    }
    assert found["exif"] == {
        "camera_make": "Canon",
        "camera_model": "Canon EOS R5",
        "lens_model": "RF50mm F1.8 STM",
        "taken_at": "2024-05-01T10:20:30+07:00",
        "orientation": 1,
        "exposure_time": "1/125",
        "f_number": 2.8,
        "iso": 200,
        "focal_length_mm": 50.0,
    }
    gps = found["gps"]
    assert gps["latitude"] == pytest.approx(13.756250, abs=1e-6)  # 13°45'22.5"N
    assert gps["longitude"] == pytest.approx(100.494500, abs=1e-6)  # 100°29'40.2"E
    assert gps["altitude_m"] == 15.0


def test_southern_and_western_coordinates_are_negative(tmp_path: Path, settings: Settings) -> None:
    data = camera_jpeg(
        latitude=((22, 1), (54, 1), (30, 1)),  # Rio de Janeiro: 22°54'30"S 43°11'47"W
        latitude_ref=b"S",
        longitude=((43, 1), (11, 1), (47, 1)),
        longitude_ref=b"W",
        altitude=(125, 10),
        altitude_ref=1,  # below sea level
        orientation=6,
    )
    found = read_image_metadata(_write(tmp_path, "rio.jpg", data), settings.image_max_pixels)
    assert found["gps"]["latitude"] == pytest.approx(-22.908333, abs=1e-6)
    assert found["gps"]["longitude"] == pytest.approx(-43.196389, abs=1e-6)
    assert found["gps"]["altitude_m"] == -12.5
    assert found["exif"]["orientation"] == 6


def test_odd_exif_values_are_left_out_not_fatal(tmp_path: Path, settings: Settings) -> None:
    found = read_image_metadata(_write(tmp_path, "odd.jpg", odd_exif_jpeg()), 10**8)
    assert found["image"]["width"] == 64
    # Zero denominators, NUL padding, orientation 9 and a zero date all drop out.
    assert found["exif"] == {"camera_make": "ACME"}
    # Latitude 13/0 is no position at all: none is given, and the reason is kept.
    assert found["gps"] == {"problem": "the GPS latitude is not a number"}


def test_an_image_without_exif_has_no_exif_section(tmp_path: Path) -> None:
    found = read_image_metadata(_write(tmp_path, "n.png", media.rgba_png_half_transparent()), 10**8)
    assert found == {
        "image": {
            "width": 200,
            "height": 100,
            "mode": "RGBA",
            "format": "PNG",
            "frames": 1,
            "animated": False,
        }
    }


def test_heic_dimensions(tmp_path: Path) -> None:
    found = read_image_metadata(_write(tmp_path, "p.heic", media.heic((640, 480))), 10**8)
    assert (found["image"]["width"], found["image"]["height"]) == (640, 480)
    assert found["image"]["format"] == "HEIF"


def test_animated_gif_counts_its_frames(tmp_path: Path) -> None:
    found = read_image_metadata(_write(tmp_path, "a.gif", media.animated_gif()), 10**8)
    assert found["image"]["frames"] == 2 and found["image"]["animated"] is True


def test_exif_dates() -> None:
    assert exif_datetime("2024:05:01 10:20:30") == "2024-05-01T10:20:30"
    assert exif_datetime("2024:05:01 10:20:30", "-03:30") == "2024-05-01T10:20:30-03:30"
    assert exif_datetime("2024:05:01 10:20:30", "bogus") == "2024-05-01T10:20:30"
    assert exif_datetime("0000:00:00 00:00:00") is None
    assert exif_datetime("    ") is None


def test_truncated_jpeg_still_gives_its_dimensions(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "cut.jpg", truncated_jpeg())
    ctx = _ctx(path, settings)
    stage = MetadataStage()
    assert stage.applies(ctx)
    stage.run(ctx)
    assert ctx.metadata["image"]["width"] == 800 and ctx.metadata["image"]["height"] == 600


def test_a_pixel_bomb_is_unsafe_for_the_metadata_stage(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "bomb.png", png_declaring(100_000, 100_000))
    with pytest.raises(UnsafeContentError, match="pixels"):
        read_image_metadata(path, settings.image_max_pixels)
    ctx = _ctx(path, settings)
    assert ctx.content_type == "image/png"
    with pytest.raises(UnsafeContentError):
        MetadataStage().run(ctx)


# --- PDF ----------------------------------------------------------------------------------


def test_pdf_properties_read_back(tmp_path: Path) -> None:
    found = read_pdf_metadata(_write(tmp_path, "r.pdf", pdf_with_properties(pages=2)))
    assert found["encrypted"] is False
    pdf = found["pdf"]
    assert pdf["title"] == "Quarterly report"
    assert pdf["author"] == "Somchai Jaidee"
    assert pdf["subject"] == "Revenue and costs"
    assert pdf["keywords"] == "finance quarterly 2025"
    assert pdf["creator"] == "Drive2 tests"
    assert pdf["created_at"] == "2025-03-14T12:00:00+07:00"
    assert pdf["page_count"] == 2
    assert pdf["pdf_version"] in {"1.3", "1.4", "1.5", "1.6", "1.7", "2.0"}
    assert "pdfa" not in pdf
    assert "modified_at" not in pdf  # fpdf2 writes none: absent, not empty


def test_pdfa_conformance_comes_from_the_xmp_packet(tmp_path: Path) -> None:
    found = read_pdf_metadata(_write(tmp_path, "a.pdf", pdf_with_properties(xmp=pdfa_xmp(2, "b"))))
    assert found["pdf"]["pdfa"] == "2B"


def test_password_protected_pdf_is_encrypted_with_little_else(tmp_path: Path) -> None:
    found = read_pdf_metadata(_write(tmp_path, "locked.pdf", encrypted_pdf("secret")))
    assert found["encrypted"] is True
    assert "title" not in found["pdf"] and "page_count" not in found["pdf"]


def test_owner_password_only_pdf_opens_but_is_encrypted(tmp_path: Path) -> None:
    found = read_pdf_metadata(_write(tmp_path, "owner.pdf", encrypted_pdf(None)))
    assert found["encrypted"] is True
    assert found["pdf"]["title"] == "Locked" and found["pdf"]["page_count"] == 1


def test_truncated_pdf_is_a_permanent_error(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "cut.pdf", truncated_pdf())
    with pytest.raises(PermanentProcessingError, match="truncated"):
        read_pdf_metadata(path)
    with pytest.raises(PermanentProcessingError, match="truncated"):
        MetadataStage().run(_ctx(path, settings))


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("D:20250314120000+07'00'", "2025-03-14T12:00:00+07:00"),
        ("D:20250314120000+07'00", "2025-03-14T12:00:00+07:00"),
        ("D:20250314120000-05'30'", "2025-03-14T12:00:00-05:30"),
        ("D:20250314120000Z", "2025-03-14T12:00:00+00:00"),
        ("D:20250314120000Z00'00'", "2025-03-14T12:00:00+00:00"),
        ("20250314", "2025-03-14T00:00:00"),
        ("D:2025", "2025-01-01T00:00:00"),
        ("D:20251399000000", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_pdf_dates(raw: str, iso: str | None) -> None:
    assert pdf_date(raw) == iso


# --- video and audio ------------------------------------------------------------------------


@needs_ffmpeg
def test_video_facts_from_ffprobe(tmp_path: Path, settings: Settings) -> None:
    video = make_video(tmp_path / "clip.mp4")
    found = read_media_metadata(video, settings)["media"]
    assert found["duration_seconds"] == pytest.approx(3.0, abs=0.1)
    assert (found["width"], found["height"]) == (320, 240)
    assert found["frame_rate"] == pytest.approx(25.0)
    assert found["video_codec"] in {"h264", "mpeg4"}
    assert found["audio_codec"] == "aac"
    assert found["audio_channels"] == 1
    assert found["sample_rate"] == 44100
    assert found["created_at"] == "2025-01-02T03:04:05+00:00"
    assert "mp4" in found["format"] and found["bit_rate"] > 0


@needs_ffmpeg
def test_audio_has_no_picture_keys(tmp_path: Path, settings: Settings) -> None:
    ctx = _ctx(make_audio(tmp_path / "tone.wav"), settings)
    assert ctx.content_type.startswith("audio/")
    MetadataStage().run(ctx)
    found = ctx.metadata["media"]
    assert found["audio_channels"] == 2 and found["sample_rate"] == 48000
    assert found["duration_seconds"] == pytest.approx(1.0, abs=0.05)
    assert not {"width", "height", "frame_rate", "video_codec"} & found.keys()


def test_media_facts_survive_odd_probe_output() -> None:
    assert media_facts({}) == {}
    odd: dict[str, Any] = {
        "format": {"duration": "N/A", "bit_rate": "nan", "tags": {"creation_time": "never"}},
        "streams": [
            {"codec_type": "video", "codec_name": "mjpeg", "disposition": {"attached_pic": 1}},
            {
                "codec_type": "video",
                "codec_name": "hevc",
                "width": 1920,
                "height": 1080,
                "avg_frame_rate": "0/0",
                "r_frame_rate": "30000/1001",
                "duration": "12.5",
                "side_data_list": [{"rotation": -90}],
            },
            "not a stream",
        ],
    }
    assert media_facts(odd) == {
        "duration_seconds": 12.5,
        "width": 1080,  # shown rotated: portrait
        "height": 1920,
        "frame_rate": 29.97,
        "video_codec": "hevc",
        "rotation": 270,
    }


@needs_ffmpeg
def test_a_hanging_ffprobe_is_killed_at_the_timeout(tmp_path: Path, make_settings: Any) -> None:
    script = hanging_tool(tmp_path, "ffprobe")
    settings = make_settings(FFPROBE_CMD=str(script), TOOL_TIMEOUT_SECONDS=1)
    ctx = _ctx(make_video(tmp_path / "clip.mp4"), settings)
    started = time.monotonic()
    with pytest.raises(StageSkipped, match=r"cannot read the metadata: .* within 1 s"):
        MetadataStage().run(ctx)
    assert time.monotonic() - started < 5
    media.assert_tool_processes_gone(tmp_path / "ffprobe.pids")


# --- dispatch -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mime", "applies"),
    [
        ("image/jpeg", True),
        ("image/heic", True),
        ("image/svg+xml", False),
        ("application/pdf", True),
        ("video/mp4", True),
        ("audio/mpeg", True),
        ("text/plain", False),
        ("text/html", False),
        ("application/x-empty", False),
        ("application/octet-stream", False),
    ],
)
def test_which_types_get_metadata(
    tmp_path: Path, settings: Settings, mime: str, applies: bool
) -> None:
    ctx = _ctx(_write(tmp_path, "f", b"x"), settings, mime)
    assert MetadataStage().applies(ctx) is applies


def test_zero_length_file_gets_no_metadata_stage(tmp_path: Path, settings: Settings) -> None:
    ctx = _ctx(_write(tmp_path, "empty.jpg", b""), settings)
    assert ctx.content_type == "application/x-empty"
    assert not MetadataStage().applies(ctx)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_real_email_gets_its_properties(tmp_path: Path, settings: Settings) -> None:
    raw = (
        b"From: Kanya <kanya@example.com>\nTo: bob@example.com\nSubject: Invoice 42\n"
        b"Date: Fri, 14 Mar 2025 10:00:00 +0700\n\nPlease pay.\n"
    )
    ctx = _ctx(_write(tmp_path, "m.eml", raw), settings, "message/rfc822")
    assert MetadataStage().applies(ctx)
    MetadataStage().run(ctx)
    assert ctx.metadata["email"]["subject"] == "Invoice 42"
    assert ctx.metadata["email"]["date"].startswith("2025-03-14T10:00:00")


def test_a_real_docx_gets_its_core_properties(tmp_path: Path, settings: Settings) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "Board minutes"
    document.core_properties.author = "Kanya"
    document.add_paragraph("Agreed: a new office.")
    path = tmp_path / "minutes.docx"
    document.save(path)
    ctx = _ctx(path, settings)
    assert ctx.content_type == DOCX
    MetadataStage().run(ctx)
    assert ctx.metadata["document"]["title"] == "Board minutes"
    assert ctx.metadata["document"]["author"] == "Kanya"
