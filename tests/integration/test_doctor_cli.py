"""`drive2 doctor` as an operator runs it: a subprocess, its output and its exit code, against
the real system tools and a real (or deliberately absent) broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.proxy import free_port

DRIVE2_ENV_NAMES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "S3_ENDPOINT", "QDRANT_URL")


def _doctor(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in DRIVE2_ENV_NAMES}
    full = {**base, "DRIVE2_DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.run(
        [sys.executable, "-m", "drive2.cli", "doctor", *args],
        env=full,
        cwd=tmp_path,  # no stray .env
        capture_output=True,
        text=True,
        timeout=120,
    )


def _report(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    report = json.loads(done.stdout)
    assert isinstance(report, dict)
    return report


def test_doctor_on_a_healthy_machine_lists_parts_tools_and_languages(tmp_path: Path) -> None:
    done = _doctor(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("database", "object_store", "broker", "vector_index"):
        assert name in done.stdout
    for tool in ("tesseract", "ffmpeg", "ffprobe"):
        assert tool in done.stdout
    assert "pdftoppm" not in done.stdout  # PDFs render with pypdfium2; poppler is not used
    assert "all good" in done.stdout

    report = _report(_doctor(tmp_path, "--json"))
    assert report["ok"] is True
    assert set(report["parts"]) == {"database", "object_store", "broker", "vector_index"}
    tesseract = report["tools"]["tesseract"]
    assert tesseract["found"] and tesseract["version"].split(".")[0].isdigit()
    assert {"eng", "tha"} <= set(tesseract["languages"])
    assert tesseract["missing_languages"] == []
    assert set(report["tools"]) == {"tesseract", "ffmpeg", "ffprobe"}
    for tool in ("ffmpeg", "ffprobe"):
        assert report["tools"][tool]["found"], tool
        assert report["tools"][tool]["version"], tool


def test_a_missing_tool_fails_the_doctor(tmp_path: Path) -> None:
    done = _doctor(tmp_path, TESSERACT_CMD=str(tmp_path / "no-such-tesseract"))
    assert done.returncode == 1
    assert "FAIL  tesseract" in done.stdout and "not found" in done.stdout
    assert "something required is missing or down" in done.stdout


def test_a_missing_ocr_language_fails_the_doctor(tmp_path: Path) -> None:
    done = _doctor(tmp_path, "--json", OCR_LANGUAGES="eng+klingon")
    assert done.returncode == 1
    report = _report(done)
    assert report["tools"]["tesseract"]["missing_languages"] == ["klingon"]
    assert report["tools"]["tesseract"]["ok"] is False


def test_ffmpeg_missing_is_reported_by_name(tmp_path: Path) -> None:
    done = _doctor(tmp_path, "--json", FFMPEG_CMD="definitely-not-ffmpeg")
    assert done.returncode == 1
    ffmpeg = _report(done)["tools"]["ffmpeg"]
    assert ffmpeg["found"] is False and "definitely-not-ffmpeg" in ffmpeg["error"]


@pytest.mark.slow
def test_an_unreachable_broker_fails_the_doctor(tmp_path: Path) -> None:
    nobody = free_port()  # nothing listens there
    done = _doctor(tmp_path, "--json", REDIS_URL=f"redis://127.0.0.1:{nobody}/0")
    assert done.returncode == 1
    parts = _report(done)["parts"]
    assert parts["broker"]["ok"] is False
    assert parts["broker"]["error"]
    assert parts["database"]["ok"] is True
