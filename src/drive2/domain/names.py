"""Names people give files and tags, made safe to store and to show back."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

MAX_FILENAME_CHARS = 255
MAX_TAG_CHARS = 64
MAX_TAGS = 32

# Bidirectional overrides and isolates can make "exe.pdf" read as "fdp.exe"; zero-width
# characters hide differences between two names.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Device names Windows opens instead of a file, whatever the extension ("aux.txt" is AUX).
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")]
)


def safe_filename(raw: str | None) -> str:
    name = unicodedata.normalize("NFC", raw or "")
    name = _CONTROL.sub("", _INVISIBLE.sub("", name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(name.split()).strip(" .")
    if not name:
        return "unnamed"
    if name.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        name = "_" + name
    if len(name) > MAX_FILENAME_CHARS:
        suffix = PurePosixPath(name).suffix
        if len(suffix) > 16:
            suffix = ""
        name = name[: MAX_FILENAME_CHARS - len(suffix)].rstrip(" .") + suffix
    return name


def normalise_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for raw in tags:
        tag = " ".join(
            _CONTROL.sub("", _INVISIBLE.sub("", unicodedata.normalize("NFC", raw))).lower().split()
        )[:MAX_TAG_CHARS]
        if tag and tag not in out:
            out.append(tag)
    return out[:MAX_TAGS]
