"""`drive2 doctor`: the readiness of each part (as /readyz sees it) and the system tools the
workers run, with their versions — what an operator checks first when files do not process."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from drive2.config import Settings
from drive2.domain.errors import ProcessingError
from drive2.pipeline.tools import run_tool
from drive2.services.health import HealthService, PartHealth

_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class ToolReport:
    name: str
    command: str
    required: bool
    found: bool
    version: str | None = None
    languages: list[str] = field(default_factory=list)
    missing_languages: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.found and not self.missing_languages


@dataclass(frozen=True)
class DoctorReport:
    parts: list[PartHealth]
    tools: list[ToolReport]

    @property
    def ok(self) -> bool:
        parts_ok = all(p.ok for p in self.parts)
        return parts_ok and all(t.ok for t in self.tools if t.required)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "parts": {p.name: asdict(p) for p in self.parts},
            "tools": {t.name: {**asdict(t), "ok": t.ok} for t in self.tools},
        }


def _version(output: bytes) -> str | None:
    first = output.decode("utf-8", "replace").strip().splitlines()
    match = _VERSION.search(first[0]) if first else None
    return match.group(1) if match else None


def _probe(
    name: str, command: str, args: list[str], required: bool, timeout: float
) -> tuple[ToolReport, bytes]:
    try:
        result = run_tool([command, *args], timeout=timeout, ok_codes=(0, 1, 99))
    except ProcessingError as exc:
        return ToolReport(name, command, required, found=False, error=str(exc)), b""
    output = result.stdout or result.stderr
    return ToolReport(name, command, required, found=True, version=_version(output)), output


def _tesseract(settings: Settings, timeout: float) -> ToolReport:
    report, _ = _probe(
        "tesseract", settings.tesseract_cmd, ["--version"], settings.ocr_enabled, timeout
    )
    if not report.found:
        return report
    try:
        listed = run_tool([settings.tesseract_cmd, "--list-langs"], timeout=timeout)
    except ProcessingError as exc:
        return ToolReport(**{**asdict(report), "error": f"--list-langs failed: {exc}"})
    text = (listed.stdout or listed.stderr).decode("utf-8", "replace")
    # The first line is a header ("List of available languages in ... (3):").
    languages = sorted(line.strip() for line in text.splitlines()[1:] if line.strip())
    wanted = [lang for lang in settings.ocr_languages.split("+") if lang]
    missing = [lang for lang in wanted if lang not in languages]
    return ToolReport(
        "tesseract",
        settings.tesseract_cmd,
        settings.ocr_enabled,
        True,
        report.version,
        languages,
        missing,
    )


def check_tools(settings: Settings, timeout: float = 20.0) -> list[ToolReport]:
    return [
        _tesseract(settings, timeout),
        _probe("ffmpeg", settings.ffmpeg_cmd, ["-version"], True, timeout)[0],
        _probe("ffprobe", settings.ffprobe_cmd, ["-version"], True, timeout)[0],
    ]


def diagnose(settings: Settings, health: HealthService) -> DoctorReport:
    return DoctorReport(parts=health.check(), tools=check_tools(settings))


def render(report: DoctorReport) -> str:
    lines = ["parts (as /readyz):"]
    for p in report.parts:
        mark = "ok  " if p.ok else "FAIL"
        lines.append(f"  {mark}  {p.name:<13} {p.latency_ms:>9.1f} ms  {p.error or ''}".rstrip())
    lines.append("system tools:")
    for t in report.tools:
        mark = "ok  " if t.ok else ("FAIL" if t.required else "warn")
        if not t.found:
            detail = f"not found ({t.error})"
        else:
            detail = f"{t.version or 'version unknown'}"
            if t.languages:
                detail += f"; languages: {', '.join(t.languages)}"
            if t.missing_languages:
                detail += f"; MISSING languages: {', '.join(t.missing_languages)}"
        lines.append(f"  {mark}  {t.name:<13} {detail}")
    lines.append("all good" if report.ok else "something required is missing or down")
    return "\n".join(lines)
