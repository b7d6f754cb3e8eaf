"""Entry names of a zip made from a user's files: safe to unpack and never the same twice."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def entry_name(filename: str) -> str:
    """One path segment: no separators, no drive letters, not '.' or '..'."""
    name = _UNSAFE.sub("_", filename).strip(" .")
    return name or "unnamed"


def unique_names(filenames: list[str]) -> list[str]:
    """The same name twice becomes "name (2).ext". Case is ignored when comparing, because
    Windows and macOS would unpack "A.pdf" over "a.pdf"."""
    taken: set[str] = set()
    out: list[str] = []
    for filename in filenames:
        name = entry_name(filename)
        candidate = name
        path = PurePosixPath(name)
        stem, suffix = (path.stem, path.suffix) if path.stem else (name, "")
        n = 2
        while candidate.casefold() in taken:
            candidate = f"{stem} ({n}){suffix}"
            n += 1
        taken.add(candidate.casefold())
        out.append(candidate)
    return out
