"""A test that needs ffmpeg/ffprobe fails, not skips, when they are missing and the suite runs
with DRIVE2_REQUIRE_SERVICES (CI), as the tesseract tests do (issue 13, item 22)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from _pytest.outcomes import Failed

from tests.support import media


def _hide_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which

    def which(name: str, *args: Any, **kwargs: Any) -> str | None:
        return None if name in ("ffmpeg", "ffprobe") else real(name, *args, **kwargs)

    monkeypatch.setattr(media.shutil, "which", which)


def _a_video_test(tmp_path: object) -> str:
    return "ran"


def test_a_missing_ffmpeg_fails_the_test_when_services_are_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _hide_ffmpeg(monkeypatch)
    monkeypatch.setenv("DRIVE2_REQUIRE_SERVICES", "1")
    wrapped = media.needs_ffmpeg(_a_video_test)
    with pytest.raises(Failed, match="ffmpeg/ffprobe are not installed"):
        wrapped(tmp_path=None)


def test_a_missing_ffmpeg_skips_on_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide_ffmpeg(monkeypatch)
    monkeypatch.delenv("DRIVE2_REQUIRE_SERVICES", raising=False)
    marked = media.needs_ffmpeg(_a_video_test)
    [mark] = marked.pytestmark  # type: ignore[attr-defined]
    assert mark.name == "skip" and "ffmpeg" in mark.kwargs["reason"]


@media.needs_ffmpeg
def test_present_tools_leave_the_test_as_it_is() -> None:
    assert media.needs_ffmpeg(_a_video_test) is _a_video_test
