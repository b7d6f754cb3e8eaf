"""Video and audio facts from ffprobe, run with a timeout and reading local files only."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from drive2.config import Settings
from drive2.domain.errors import PermanentProcessingError
from drive2.pipeline.metadata import compact
from drive2.pipeline.tools import run_tool


def probe(path: Path, settings: Settings) -> dict[str, Any]:
    """ffprobe's JSON for the file (format and streams). Raises the tool errors of run_tool,
    or PermanentProcessingError when ffprobe answers with something that is not JSON."""
    result = run_tool(
        [
            settings.ffprobe_cmd,
            "-v",
            "error",
            "-protocol_whitelist",
            "file",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path.resolve()),  # a plain absolute path, never a URL
        ],
        timeout=settings.tool_timeout_seconds,
    )
    try:
        data = json.loads(result.stdout or b"{}")
    except ValueError as exc:
        raise PermanentProcessingError(f"ffprobe gave an unreadable answer: {exc}") from exc
    return data if isinstance(data, dict) else {}


def read_media_metadata(path: Path, settings: Settings) -> dict[str, Any]:
    """{"media": {...}}; keys the file does not have are left out."""
    return {"media": media_facts(probe(path, settings))}


def media_facts(data: dict[str, Any]) -> dict[str, Any]:
    fmt = data.get("format")
    if not isinstance(fmt, dict):
        fmt = {}
    streams = [s for s in data.get("streams") or [] if isinstance(s, dict)]
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video"
            and not (s.get("disposition") or {}).get("attached_pic")
        ),
        None,
    )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    duration = _float(fmt.get("duration"))
    if duration is None:
        durations = [d for d in (_float(s.get("duration")) for s in streams) if d is not None]
        duration = max(durations) if durations else None
    facts: dict[str, Any] = {
        "duration_seconds": round(duration, 3) if duration is not None else None,
        "format": fmt.get("format_name"),
        "bit_rate": _int(fmt.get("bit_rate")),
        "created_at": _created_at(fmt, streams),
    }
    if video is not None:
        width, height = _int(video.get("width")), _int(video.get("height"))
        rotation = _rotation(video)
        if rotation in (90, 270):
            width, height = height, width  # the size as shown, not as stored
        rate = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate"))
        facts |= {
            "width": width,
            "height": height,
            "frame_rate": round(rate, 3) if rate else None,
            "video_codec": video.get("codec_name"),
            "rotation": rotation or None,
        }
    if audio is not None:
        facts |= {
            "audio_codec": audio.get("codec_name"),
            "audio_channels": _int(audio.get("channels")),
            "sample_rate": _int(audio.get("sample_rate")),
        }
    return compact(facts)


def _created_at(fmt: dict[str, Any], streams: list[dict[str, Any]]) -> str | None:
    for tags in [fmt.get("tags"), *(s.get("tags") for s in streams)]:
        if isinstance(tags, dict):
            value = tags.get("creation_time")
            if isinstance(value, str) and value.strip():
                try:
                    return datetime.fromisoformat(value.strip()).isoformat()
                except ValueError:
                    continue
    return None


def _rotation(video: dict[str, Any]) -> int:
    for side in video.get("side_data_list") or []:
        if isinstance(side, dict) and "rotation" in side:
            value = _float(side.get("rotation"))
            if value is not None:
                return int(value) % 360
    value = _float((video.get("tags") or {}).get("rotate"))
    return int(value) % 360 if value is not None else 0


def _rate(value: Any) -> float | None:
    if not isinstance(value, str) or "/" not in value:
        return _float(value)
    num, _, den = value.partition("/")
    numerator, denominator = _float(num), _float(den)
    if not numerator or not denominator:
        return None
    return numerator / denominator


def _float(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def _int(value: Any) -> int | None:
    number = _float(value)
    return int(number) if number is not None and number >= 0 else None
