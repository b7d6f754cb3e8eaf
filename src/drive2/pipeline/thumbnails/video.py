"""Video thumbnails: one frame at about a tenth of the duration, picked by ffmpeg with input
seeking (fast: it jumps to the nearest keyframe instead of decoding from the start), scaled
by ffmpeg into THUMBNAIL_SIZE², local files only, under a timeout."""

from __future__ import annotations

from pathlib import Path

from drive2.config import Settings
from drive2.domain.errors import PermanentProcessingError
from drive2.pipeline.metadata.media import media_facts, probe
from drive2.pipeline.tools import run_tool


def video_thumbnail(
    path: Path, workdir: Path, settings: Settings, duration: float | None = None
) -> Path:
    """`duration` (seconds) saves a second ffprobe when the metadata stage has it already."""
    if duration is None:
        duration = media_facts(probe(path, settings)).get("duration_seconds")
    at = round(duration / 10, 3) if duration and duration > 0 else 0.0
    out = workdir / "thumbnail.jpg"
    if grab_frame(path, out, at, settings):
        return out
    # A wrong duration seeks past the end: ffmpeg then writes nothing. Take the first frame.
    if at > 0 and grab_frame(path, out, 0.0, settings):
        return out
    raise PermanentProcessingError("the video has no frame that can be shown")


def grab_frame(path: Path, out: Path, at: float, settings: Settings) -> bool:
    """One frame at `at` seconds as a JPEG in `out`; False when ffmpeg found no frame."""
    out.unlink(missing_ok=True)
    size = settings.thumbnail_size
    fit = f"scale=w='min(iw,{size})':h='min(ih,{size})':force_original_aspect_ratio=decrease"
    run_tool(
        [
            settings.ffmpeg_cmd,
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-protocol_whitelist",
            "file",
            "-ss",
            f"{at:.3f}",  # before -i: input seeking
            "-i",
            str(path.resolve()),  # a plain absolute path, never a URL
            "-map",
            "0:V:0?",  # the first real video stream (not cover art), if there is one
            "-frames:v",
            "1",
            "-an",
            "-sn",
            "-dn",
            "-vf",
            fit,
            "-q:v",
            str(_qscale(settings.thumbnail_quality)),
            "-y",
            str(out),
        ],
        timeout=settings.tool_timeout_seconds,
    )
    return out.is_file() and out.stat().st_size > 0


def _qscale(quality: int) -> int:
    """JPEG quality 1–100 as ffmpeg's qscale 31 (worst) … 2 (best)."""
    return max(2, min(31, round(31 - max(1, min(100, quality)) * 29 / 100)))
