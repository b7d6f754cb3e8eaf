"""The tesseract CLI: which version and languages it has, and the text of one image file.

Every call goes through run_tool, so it has a timeout, runs with one OpenMP thread and is
killed with its whole process group when the timeout passes.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from drive2.pipeline.tools import ToolMissingError, require_tool, run_tool

#: How long the `--version` / `--list-langs` probes may take; a healthy tesseract answers in ms.
PROBE_TIMEOUT_SECONDS = 10.0
#: Page segmentation: fully automatic layout analysis, no orientation detection.
DEFAULT_PSM = 3

INSTALL_HINT = (
    "install it with `make system-deps` (Debian/Ubuntu: apt-get install tesseract-ocr "
    "tesseract-ocr-eng tesseract-ocr-tha) or point TESSERACT_CMD at it"
)

_VERSION = re.compile(r"tesseract\s+v?(\d[\w.\-]*)", re.IGNORECASE)
# Tesseract writes Thai SARA AM as NIKHAHIT + SARA AA; NFC does not join them back, so
# "จำกัด" would never match a search typed on a keyboard.
_THAI_SARA_AM = ("\u0e4d\u0e32", "\u0e33")


class OcrLanguageMissingError(ToolMissingError):
    """A language in OCR_LANGUAGES has no traineddata installed."""


@dataclass(frozen=True)
class TesseractInfo:
    path: str
    version: str
    languages: frozenset[str]

    @property
    def engine(self) -> str:
        return f"tesseract {self.version}"


#: Probes are cached per binary for a while, so a language installed later is seen without
#: restarting the worker.
PROBE_CACHE_SECONDS = 300.0
_cache: dict[tuple[str, int], tuple[float, TesseractInfo]] = {}
_cache_lock = threading.Lock()


def _cache_key(path: str) -> tuple[str, int]:
    try:
        return path, Path(path).stat().st_mtime_ns
    except OSError:
        return path, 0


def tesseract_info(cmd: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> TesseractInfo:
    """Version and installed languages of the tesseract at `cmd` (cached per binary).

    Raises ToolMissingError when it is not installed, ToolTimeoutError / ToolFailedError when
    it does not answer.
    """
    path = require_tool(cmd)
    key = _cache_key(path)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < PROBE_CACHE_SECONDS:
        return cached[1]
    version_out = run_tool([cmd, "--version"], timeout)
    banner = (version_out.stdout + b"\n" + version_out.stderr).decode("utf-8", "replace")
    match = _VERSION.search(banner)
    version = match.group(1) if match else "unknown"
    langs_out = run_tool([cmd, "--list-langs"], timeout)
    listing = (langs_out.stdout or langs_out.stderr).decode("utf-8", "replace")
    languages = frozenset(
        line.strip()
        for line in listing.splitlines()
        if line.strip() and not line.lower().startswith("list of available languages")
    )
    info = TesseractInfo(path=path, version=version, languages=languages)
    with _cache_lock:
        _cache[key] = (time.monotonic(), info)
    return info


def parse_languages(languages: str) -> list[str]:
    return [code.strip() for code in languages.split("+") if code.strip()]


def debian_package(code: str) -> str:
    return "tesseract-ocr-" + code.lower().replace("_", "-")


def check_languages(info: TesseractInfo, languages: str) -> None:
    """Raise OcrLanguageMissingError naming every configured language that is not installed."""
    wanted = parse_languages(languages)
    if not wanted:
        raise OcrLanguageMissingError("OCR_LANGUAGES is empty; set it to e.g. eng+tha")
    missing = [code for code in wanted if code not in info.languages]
    if missing:
        installed = ", ".join(sorted(info.languages)) or "none"
        packages = " ".join(debian_package(code) for code in missing)
        raise OcrLanguageMissingError(
            f"tesseract has no language data for {'+'.join(missing)} (installed: {installed}); "
            f"install {packages} (`make system-deps`) or change OCR_LANGUAGES"
        )


def write_page(image: Image.Image, path: Path) -> Path:
    """Write a page for tesseract as an uncompressed TIFF: ~10 ms for an A4 page at 200 dpi,
    against ~40 ms for the fastest PNG, and read by tesseract just as fast."""
    target = path.with_suffix(".tif")
    image.save(target, format="TIFF")
    return target


def clean_output(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").replace("\f", "\n")
    text = text.replace(*_THAI_SARA_AM)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()


def ocr_file(
    cmd: str,
    image: Path,
    languages: str,
    timeout: float,
    dpi: int | None = None,
    psm: int = DEFAULT_PSM,
) -> str:
    """The text tesseract reads in one image file (TIFF, PNG, …).

    preserve_interword_spaces keeps Thai words whole: without it tesseract puts a space
    between every Thai character.
    """
    argv = [
        cmd,
        str(image),
        "stdout",
        "-l",
        languages,
        "--psm",
        str(psm),
        "-c",
        "preserve_interword_spaces=1",
    ]
    if dpi is not None:
        argv += ["--dpi", str(dpi)]
    return clean_output(run_tool(argv, timeout).stdout)
