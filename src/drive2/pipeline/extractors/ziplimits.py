"""Zip containers (DOCX, XLSX, PPTX, ODT, ODS, ODP) checked before anything is parsed.

A zip bomb is a small file that expands to gigabytes. Every member's declared size and
compression ratio is checked first, and every read is then counted against the same budget
while it decompresses, so a lying header cannot get past the limit either.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from drive2.config import Settings
from drive2.domain.errors import PermanentProcessingError, UnsafeContentError

MIB = 1024 * 1024
_CHUNK = 1 << 16

#: What a damaged archive raises while it is opened or read.
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # an encrypted member: "password required"
)


@dataclass(frozen=True)
class ZipLimits:
    max_uncompressed_bytes: int = 256 * MIB
    max_compression_ratio: int = 100
    max_members: int = 10_000
    #: Members smaller than this may compress as well as they like (XML parts often do).
    ratio_floor_bytes: int = MIB

    @classmethod
    def from_settings(cls, settings: Settings) -> ZipLimits:
        return cls(
            max_uncompressed_bytes=settings.office_max_uncompressed_bytes,
            max_compression_ratio=settings.office_max_compression_ratio,
        )


def _size(n: int) -> str:
    return f"{n:,} bytes"


def check_members(zf: zipfile.ZipFile, limits: ZipLimits, archive_bytes: int) -> None:
    """Refuse an archive whose members would expand past the limits, before any is read."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise UnsafeContentError(
            f"the document holds {len(infos):,} parts, over the limit of "
            f"{limits.max_members:,}; it may be built to exhaust the reader"
        )
    total = 0
    for info in infos:
        if info.file_size < 0 or info.compress_size < 0:
            raise PermanentProcessingError(f"the document is damaged: {info.filename!r}")
        if info.compress_size > archive_bytes:
            raise PermanentProcessingError(
                f"the document is damaged: part {info.filename!r} claims "
                f"{_size(info.compress_size)} in a file of {_size(archive_bytes)}"
            )
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise UnsafeContentError(
                f"the document expands to {_size(total)} or more, over the limit of "
                f"{_size(limits.max_uncompressed_bytes)} (a possible zip bomb)"
            )
        if info.file_size >= limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise UnsafeContentError(
                    f"the document's part {info.filename!r} expands {ratio:,.0f} times "
                    f"(to {_size(info.file_size)}), over the limit of "
                    f"{limits.max_compression_ratio} times (a possible zip bomb)"
                )


class Budget:
    """Bytes still allowed to come out of one archive, shared by all of its reads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.remaining = limit

    def take(self, n: int) -> None:
        self.remaining -= n
        if self.remaining < 0:
            raise UnsafeContentError(
                f"the document expands to more than {_size(self.limit)}, over the limit "
                "(its parts decompress to more than they declare)"
            )


class CappedReader:
    """A binary stream that counts what it yields against a Budget."""

    def __init__(self, raw: IO[bytes], budget: Budget) -> None:
        self._raw = raw
        self._budget = budget

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while chunk := self.read(_CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        try:
            data = self._raw.read(min(size, _CHUNK * 16))
        except ZIP_ERRORS as exc:
            raise PermanentProcessingError(f"the document is damaged: {exc}") from exc
        self._budget.take(len(data))
        return data


class SafeZip:
    """An archive that passed check_members; its reads are capped by the same limits."""

    def __init__(self, zf: zipfile.ZipFile, limits: ZipLimits) -> None:
        self.zf = zf
        self.limits = limits
        self.budget = Budget(limits.max_uncompressed_bytes)
        self.names = set(zf.namelist())

    @contextmanager
    def open(self, name: str) -> Iterator[CappedReader]:
        try:
            raw = self.zf.open(name)
        except ZIP_ERRORS as exc:
            raise PermanentProcessingError(f"the document is damaged: {exc}") from exc
        with raw:
            yield CappedReader(raw, self.budget)

    def read(self, name: str) -> bytes:
        with self.open(name) as fh:
            return fh.read()


@contextmanager
def open_safe_zip(path: Path, limits: ZipLimits) -> Iterator[SafeZip]:
    """Open a zip-based document after checking all of its members against the limits."""
    try:
        zf = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        raise PermanentProcessingError(f"the document is damaged: {exc}") from exc
    with zf:
        check_members(zf, limits, path.stat().st_size)
        yield SafeZip(zf, limits)
