"""Thumbnails: the makers for each kind of file, the stage, the service and its tasks, and
bad input through the real runner."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat, JpegImagePlugin

from drive2.adapters.blob.local import LocalBlobStore
from drive2.bootstrap import Container
from drive2.config import Settings
from drive2.domain.errors import InvalidInputError, NotFoundError, UnsafeContentError
from drive2.domain.models import FileStatus, NewFile
from drive2.domain.object_keys import original_key, thumbnail_key
from drive2.messaging.task_names import (
    BATCH_GENERATE_THUMBNAILS,
    GENERATE_PDF_THUMBNAIL,
    GENERATE_THUMBNAIL,
)
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.sniff import detect_file
from drive2.pipeline.stage import StageSkipped
from drive2.pipeline.stages.thumbnail import ThumbnailStage
from drive2.pipeline.thumbnails import make_thumbnail, thumbnail_source
from drive2.pipeline.thumbnails.video import video_thumbnail
from drive2.worker.app import create_worker_app
from tests.support import media
from tests.support.files import pdf_with_text
from tests.support.media import BLUE, RED, file_record

needs_ffmpeg = media.needs_ffmpeg  # skips where ffmpeg is missing; fails in CI


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _thumb(tmp_path: Path, name: str, data: bytes, settings: Settings) -> Image.Image:
    path = _write(tmp_path, name, data)
    workdir = tmp_path / f"work-{name}"
    workdir.mkdir()
    out = make_thumbnail(path, detect_file(path, name), workdir, settings)
    assert out is not None
    img = Image.open(out)
    assert img.format == "JPEG" and img.mode == "RGB"
    return img


def _near(pixel: Any, colour: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def _region_mean(img: Image.Image, box: tuple[int, int, int, int]) -> float:
    return float(ImageStat.Stat(img.crop(box).convert("L")).mean[0])


# --- images -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [((1200, 600), (300, 150)), ((600, 1200), (150, 300)), ((900, 900), (300, 300))],
)
def test_fits_300_square_keeping_the_aspect(
    tmp_path: Path, settings: Settings, size: tuple[int, int], expected: tuple[int, int]
) -> None:
    img = _thumb(tmp_path, "p.png", media.png(Image.new("RGB", size, "green")), settings)
    assert abs(img.width - expected[0]) <= 1 and abs(img.height - expected[1]) <= 1


def test_a_small_image_is_not_enlarged(tmp_path: Path, settings: Settings) -> None:
    img = _thumb(tmp_path, "s.png", media.png(Image.new("RGB", (120, 40), "green")), settings)
    assert img.size == (120, 40)


def test_exif_orientation_6_makes_a_portrait_thumbnail(tmp_path: Path, settings: Settings) -> None:
    # Stored landscape 400×200, red left and blue right; orientation 6 turns it a quarter
    # clockwise for display: portrait, red on top.
    img = _thumb(tmp_path, "o.jpg", media.camera_jpeg(orientation=6), settings)
    assert img.size == (150, 300)
    assert _near(img.getpixel((75, 20)), RED)
    assert _near(img.getpixel((75, 280)), BLUE)


def test_transparency_is_flattened_on_white(tmp_path: Path, settings: Settings) -> None:
    img = _thumb(tmp_path, "t.png", media.rgba_png_half_transparent(), settings)
    assert _near(img.getpixel((20, 50)), RED)
    assert _near(img.getpixel((180, 50)), (255, 255, 255), 8)  # not the black underneath


def test_palette_transparency_is_flattened_on_white(tmp_path: Path, settings: Settings) -> None:
    img = _thumb(tmp_path, "t.gif", media.palette_gif_with_transparency(), settings)
    assert _near(img.getpixel((10, 30)), RED)
    assert _near(img.getpixel((110, 30)), (255, 255, 255), 8)


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path, settings: Settings) -> None:
    img = _thumb(tmp_path, "c.jpg", media.cmyk_jpeg(), settings)
    assert img.size == (300, 200)
    assert _near(img.getpixel((150, 100)), (255, 0, 0), 30)


def test_16_bit_png_keeps_its_tones(tmp_path: Path, settings: Settings) -> None:
    data = media.png16_gradient()
    with Image.open(_write(tmp_path, "src16.png", data)) as source:
        assert source.mode == "I;16"
    img = _thumb(tmp_path, "g.png", data, settings)
    row = [img.getpixel((x, img.height // 2)) for x in (2, img.width // 2, img.width - 3)]
    dark, middle, bright = (p[0] for p in row)  # type: ignore[index]
    assert dark < 20 and 100 < middle < 156 and bright > 235  # a ramp, not clipped white


def test_heic_photo(tmp_path: Path, settings: Settings) -> None:
    img = _thumb(tmp_path, "p.heic", media.heic((640, 480)), settings)
    assert img.size == (300, 225)
    assert _near(img.getpixel((150, 112)), RED)


def test_animation_gives_its_first_frame(tmp_path: Path, settings: Settings) -> None:
    img = _thumb(tmp_path, "a.gif", media.animated_gif((RED, BLUE)), settings)
    assert _near(img.getpixel((40, 30)), RED)


def test_jpeg_is_decoded_in_draft_mode(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, ...]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self: Any, mode: Any, size: Any) -> Any:
        calls.append((mode, size))
        result = original(self, mode, size)
        calls.append(("decoded size", self.size))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    img = _thumb(tmp_path, "big.jpg", media.noisy_jpeg((2400, 1600)), settings)
    assert calls[0] == ("RGB", (600, 600))
    assert calls[1] == ("decoded size", (1200, 800))  # libjpeg decodes at half scale
    assert img.size == (300, 200)


# --- PDF and video ----------------------------------------------------------------------------


def test_pdf_first_page(tmp_path: Path, settings: Settings) -> None:
    img = _thumb(tmp_path, "p.pdf", media.pdf_black_top_half(), settings)
    assert img.height == 300 and abs(img.width - 212) <= 1  # A4 portrait
    assert _region_mean(img, (10, 10, img.width - 10, 140)) < 20  # the black rectangle
    assert _region_mean(img, (10, 160, img.width - 10, 290)) > 240  # white paper


@needs_ffmpeg
def test_video_thumbnail_is_a_real_frame_at_a_tenth(tmp_path: Path, settings: Settings) -> None:
    video = media.make_video(tmp_path / "clip.mp4")
    workdir = tmp_path / "work"
    workdir.mkdir()
    out = make_thumbnail(video, "video/mp4", workdir, settings)
    assert out is not None
    thumb = Image.open(out).convert("RGB")
    assert thumb.size == (300, 225)
    assert max(ImageStat.Stat(thumb).stddev) > 30  # a picture, not a uniform frame
    reference = media.frame_at(video, 0.3, tmp_path / "ref.png").resize(thumb.size)
    diff = ImageStat.Stat(ImageChops.difference(thumb, reference)).mean
    assert sum(diff) / 3 < 8, diff  # the same frame ffmpeg gives at 10 % of 3 s
    black = Image.new("RGB", thumb.size)
    assert sum(ImageStat.Stat(ImageChops.difference(thumb, black)).mean) / 3 > 40


@needs_ffmpeg
def test_a_seek_past_the_end_falls_back_to_the_first_frame(
    tmp_path: Path, settings: Settings
) -> None:
    video = media.make_video(tmp_path / "clip.mp4", seconds=1)
    out = video_thumbnail(video, tmp_path, settings, duration=1000.0)  # seeks to 100 s
    with Image.open(out) as img:
        assert img.size == (300, 225)
        assert max(ImageStat.Stat(img).stddev) > 30


@needs_ffmpeg
def test_a_hanging_ffmpeg_is_killed_at_the_timeout(tmp_path: Path, make_settings: Any) -> None:
    script = media.hanging_tool(tmp_path, "ffmpeg")
    settings = make_settings(FFMPEG_CMD=str(script), TOOL_TIMEOUT_SECONDS=1)
    video = media.make_video(tmp_path / "clip.mp4", seconds=1)
    ctx = _ctx(video, settings, LocalBlobStore(tmp_path / "objects", fsync=False))
    started = time.monotonic()
    with pytest.raises(StageSkipped, match=r"cannot make a thumbnail: .*within 1 s.*stopped"):
        ThumbnailStage(_blobs(tmp_path)).run(ctx)
    assert time.monotonic() - started < 5
    media.assert_tool_processes_gone(tmp_path / "ffmpeg.pids")


# --- the stage ----------------------------------------------------------------------------------


def _blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "objects", fsync=False)


def _ctx(
    path: Path, settings: Settings, blobs: Any = None, metadata: dict[str, Any] | None = None
) -> ProcessingContext:
    workdir = path.parent / f"work-{path.name}"
    workdir.mkdir(exist_ok=True)
    return ProcessingContext(
        file=file_record(path.name),
        attempt=1,
        path=path,
        workdir=workdir,
        settings=settings,
        content_type=detect_file(path, path.name),
        metadata=dict(metadata or {}),
    )


def test_the_stage_stores_one_thumbnail_however_often_it_runs(
    tmp_path: Path, settings: Settings
) -> None:
    blobs = _blobs(tmp_path)
    stage = ThumbnailStage(blobs)
    path = _write(tmp_path, "photo.jpg", media.camera_jpeg(size=(1200, 600)))
    for _ in range(2):
        ctx = _ctx(path, settings)
        assert stage.applies(ctx)
        stage.run(ctx)
    assert ctx.thumbnail_key == thumbnail_key(ctx.file.user_id, ctx.file.id)
    assert blobs.list_keys("thumbnails/") == [ctx.thumbnail_key]
    local = tmp_path / "got.jpg"
    blobs.get_to_file(ctx.thumbnail_key, local)
    with Image.open(local) as img:
        assert img.size == (300, 150)


def test_truncated_jpeg_is_skipped_with_a_clear_reason(tmp_path: Path, settings: Settings) -> None:
    blobs = _blobs(tmp_path)
    ctx = _ctx(_write(tmp_path, "cut.jpg", media.truncated_jpeg()), settings)
    # A thumbnail from an earlier run must go, as the row will say there is none.
    stale = tmp_path / "stale.jpg"
    stale.write_bytes(b"old")
    blobs.put_file(thumbnail_key(ctx.file.user_id, ctx.file.id), stale)
    with pytest.raises(StageSkipped, match=r"cannot make a thumbnail: .*(damaged|truncated)"):
        ThumbnailStage(blobs).run(ctx)
    assert ctx.thumbnail_key is None
    assert blobs.list_keys("thumbnails/") == []


def test_a_pixel_bomb_is_unsafe_not_skipped(tmp_path: Path, settings: Settings) -> None:
    ctx = _ctx(_write(tmp_path, "bomb.png", media.png_declaring(100_000, 100_000)), settings)
    stage = ThumbnailStage(_blobs(tmp_path))
    assert stage.applies(ctx)
    with pytest.raises(UnsafeContentError, match="pixels"):
        stage.run(ctx)


def test_html_named_png_never_reaches_the_stage(tmp_path: Path, settings: Settings) -> None:
    ctx = _ctx(_write(tmp_path, "cat.png", media.html_page()), settings)
    assert ctx.content_type == "text/html"
    assert not ThumbnailStage(_blobs(tmp_path)).applies(ctx)


@pytest.mark.parametrize("name", ["empty.jpg", "empty.png", "empty.pdf", "empty.mp4"])
def test_zero_length_files_get_no_thumbnail_stage(
    tmp_path: Path, settings: Settings, name: str
) -> None:
    ctx = _ctx(_write(tmp_path, name, b""), settings)
    assert ctx.content_type == "application/x-empty"
    assert not ThumbnailStage(_blobs(tmp_path)).applies(ctx)


@pytest.mark.parametrize(
    ("mime", "metadata", "applies"),
    [
        ("image/png", {}, True),
        ("image/heic", {}, True),
        ("image/svg+xml", {}, False),
        ("application/pdf", {"encrypted": False, "pdf": {"page_count": 1}}, True),
        ("application/pdf", {"encrypted": True, "pdf": {"pdf_version": "1.5"}}, False),
        ("application/pdf", {"encrypted": True, "pdf": {"page_count": 3}}, True),  # owner pw
        ("video/mp4", {}, True),
        ("audio/mpeg", {}, False),
        ("text/plain", {}, False),
    ],
)
def test_which_files_get_a_thumbnail(
    tmp_path: Path, settings: Settings, mime: str, metadata: dict[str, Any], applies: bool
) -> None:
    ctx = _ctx(_write(tmp_path, "f", b"x"), settings, metadata=metadata)
    ctx.content_type = mime
    assert ThumbnailStage(_blobs(tmp_path)).applies(ctx) is applies
    assert not ThumbnailStage(None).applies(ctx)  # no object store, no thumbnail


def test_types_without_a_thumbnail_make_none(tmp_path: Path, settings: Settings) -> None:
    assert thumbnail_source("text/plain") is None
    assert (
        make_thumbnail(_write(tmp_path, "t.txt", b"hi"), "text/plain", tmp_path, settings) is None
    )


# --- through the runner, the service and the tasks ----------------------------------------------


def _stored_file(container: Container, tmp_path: Path, name: str, data: bytes) -> str:
    user = container.auth.register(f"{uuid.uuid4().hex[:10]}@example.com", "password123")
    file_id = str(uuid.uuid4())
    key = original_key(user.id, file_id)
    source = _write(tmp_path, f"src-{file_id}", data)
    container.blobs.put_file(key, source)
    mime = detect_file(source, name)
    container.repo.add_file(NewFile(file_id, user.id, name, mime, len(data), file_id * 2, key))
    return file_id


def _outcomes(container: Container, file_id: str) -> dict[str, str]:
    return {s.name: s.outcome.value for s in container.repo.stage_records(file_id)}


def test_bad_images_through_the_runner(container: Container, tmp_path: Path) -> None:
    bomb = _stored_file(container, tmp_path, "big.png", media.png_declaring(100_000, 100_000))
    cut = _stored_file(container, tmp_path, "cut.jpg", media.truncated_jpeg())
    html = _stored_file(container, tmp_path, "page.png", media.html_page())
    empty = _stored_file(container, tmp_path, "empty.jpg", b"")
    good = _stored_file(container, tmp_path, "ok.jpg", media.camera_jpeg())
    for file_id in (bomb, cut, html, empty, good):
        container.runner.run(file_id)

    failed = container.repo.get_file(bomb)
    assert failed is not None and failed.status is FileStatus.FAILED
    assert "pixels" in (failed.error or "") and failed.attempts == 1

    done = container.repo.get_file(cut)
    assert done is not None and done.status is FileStatus.COMPLETED
    assert done.thumbnail_key is None
    assert "cannot make a thumbnail" in done.metadata["skipped_stages"]["thumbnail"]
    assert done.metadata["image"]["width"] == 800  # the metadata stage still read the header

    page = container.repo.get_file(html)
    assert page is not None and page.status is FileStatus.COMPLETED
    assert page.content_type == "text/html" and "thumbnail" not in _outcomes(container, html)

    nothing = container.repo.get_file(empty)
    assert nothing is not None and nothing.status is FileStatus.COMPLETED
    # An empty file is still dated (by its upload day); nothing else applies to it.
    assert _outcomes(container, empty) == {"detect_type": "done", "document_date": "done"}

    # ... and the next file is processed normally.
    ok = container.repo.get_file(good)
    assert ok is not None and ok.status is FileStatus.COMPLETED
    assert ok.thumbnail_key == thumbnail_key(ok.user_id, ok.id)
    assert ok.metadata["exif"]["camera_make"] == "Canon"
    assert _outcomes(container, good)["thumbnail"] == "done"


def test_password_protected_pdf_completes_encrypted_without_a_thumbnail(
    container: Container, tmp_path: Path
) -> None:
    file_id = _stored_file(container, tmp_path, "locked.pdf", media.encrypted_pdf("secret"))
    container.runner.run(file_id)
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.COMPLETED
    assert record.metadata["encrypted"] is True
    assert record.thumbnail_key is None
    assert "thumbnail" not in _outcomes(container, file_id)
    assert "encrypted" in record.metadata["skipped_stages"]["extract_text"]


def test_the_service_regenerates_and_counts(container: Container, tmp_path: Path) -> None:
    photo = _stored_file(container, tmp_path, "p.jpg", media.camera_jpeg(size=(1200, 600)))
    pdf = _stored_file(container, tmp_path, "d.pdf", pdf_with_text("Hello"))
    note = _stored_file(container, tmp_path, "n.txt", b"just words")
    cut = _stored_file(container, tmp_path, "cut.jpg", media.truncated_jpeg())
    service = container.thumbnails

    key = service.regenerate(photo)
    record = container.repo.get_file(photo)
    assert record is not None and key == record.thumbnail_key is not None
    assert service.regenerate(pdf, require_type="application/pdf") is not None
    with pytest.raises(InvalidInputError, match="not application/pdf"):
        service.regenerate(photo, require_type="application/pdf")
    with pytest.raises(NotFoundError):
        service.regenerate(str(uuid.uuid4()))
    assert service.regenerate(note) is None

    counts = service.regenerate_many([photo, note, cut, str(uuid.uuid4())])
    assert counts == {"generated": 1, "no_thumbnail": 1, "failed": 2}
    assert len(container.blobs.list_keys("thumbnails/")) == 2  # photo and pdf, once each


@pytest.fixture
def worker_app(container: Container) -> Any:
    """A worker app whose tasks run with the test's container (no settings read, nothing
    patched)."""
    return create_worker_app(container.settings, lambda: container)


def test_the_thumbnail_tasks(container: Container, worker_app: Any, tmp_path: Path) -> None:
    photo = _stored_file(container, tmp_path, "p.jpg", media.camera_jpeg())
    pdf = _stored_file(container, tmp_path, "d.pdf", media.pdf_black_top_half())
    note = _stored_file(container, tmp_path, "n.txt", b"words")

    assert worker_app.tasks[GENERATE_THUMBNAIL].apply(args=[photo]).get() == thumbnail_key(
        _user(container, photo), photo
    )
    assert worker_app.tasks[GENERATE_PDF_THUMBNAIL].apply(args=[pdf]).get() is not None
    wrong = worker_app.tasks[GENERATE_PDF_THUMBNAIL].apply(args=[photo])
    assert wrong.failed() and isinstance(wrong.result, InvalidInputError)
    counts = worker_app.tasks[BATCH_GENERATE_THUMBNAILS].apply(args=[[photo, pdf, note]]).get()
    assert counts == {"generated": 2, "no_thumbnail": 1, "failed": 0}
    assert len(container.blobs.list_keys("thumbnails/")) == 2


def _user(container: Container, file_id: str) -> str:
    record = container.repo.get_file(file_id)
    assert record is not None
    return record.user_id
