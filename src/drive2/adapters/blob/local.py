"""Objects as files in a folder of the data dir (the embedded default)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from drive2.domain.object_keys import validate_key

FILE_MODE = 0o600
DIR_MODE = 0o700


def _private_dirs(path: Path) -> None:
    """mkdir -p with every folder it makes 0700 (mkdir's mode is masked by the umask, so the
    mode is set again explicitly)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # another writer made it first
        folder.chmod(DIR_MODE)


class LocalBlobWriter:
    def __init__(self, final: Path, tmp: Path, fsync: bool) -> None:
        self._final = final
        self._tmp = tmp
        self._fsync = fsync
        # 0600 whatever the process umask: the originals are the users' private files.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        self._fh: BinaryIO | None = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        assert self._fh is not None, "writer already closed"
        self._fh.write(data)

    def commit(self) -> None:
        assert self._fh is not None, "writer already closed"
        self._fh.flush()
        if self._fsync:
            os.fdatasync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        _private_dirs(self._final.parent)
        os.replace(self._tmp, self._final)
        if self._fsync:
            # The rename itself must survive a power loss, or a committed row could point at
            # an object that is not there.
            dir_fd = os.open(self._final.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._tmp.unlink(missing_ok=True)


class LocalBlobStore:
    name = "local"

    def __init__(self, root: Path, fsync: bool = True) -> None:
        self.root = root
        self.fsync = fsync
        self._tmp = root / ".incoming"
        _private_dirs(self._tmp)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def open_writer(self, key: str) -> LocalBlobWriter:
        # The object's folder is made by commit: a refused upload leaves no empty folder.
        final = self._path(key)
        return LocalBlobWriter(final, self._tmp / f"{uuid.uuid4().hex}.part", self.fsync)

    def put_file(self, key: str, source: Path, content_type: str | None = None) -> None:
        writer = self.open_writer(key)
        try:
            with open(source, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    writer.write(chunk)
            writer.commit()
        except BaseException:
            writer.abort()
            raise

    def get_to_file(self, key: str, destination: Path) -> None:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        shutil.copyfile(path, destination)

    def iter_range(
        self, key: str, start: int = 0, end: int | None = None, chunk_size: int = 1 << 20
    ) -> Iterator[bytes]:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return self._iter(path, start, end, chunk_size)

    @staticmethod
    def _iter(path: Path, start: int, end: int | None, chunk_size: int) -> Iterator[bytes]:
        with open(path, "rb") as fh:
            fh.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                want = chunk_size if remaining is None else min(chunk_size, remaining)
                chunk = fh.read(want)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list_keys(self, prefix: str = "") -> list[str]:
        keys = []
        for path in self.root.rglob("*"):
            if path.is_file() and self._tmp not in path.parents:
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def incoming_count(self) -> int:
        return sum(1 for _ in self._tmp.iterdir())

    def check(self) -> None:
        probe = self._tmp / f"probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()
