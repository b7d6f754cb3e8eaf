"""The object store: where original files and thumbnails live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol


class BlobWriter(Protocol):
    """Receives an object piece by piece; nothing is visible under the key until commit()."""

    def write(self, data: bytes) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


class BlobStore(Protocol):
    name: str

    def open_writer(self, key: str) -> BlobWriter: ...

    def put_file(self, key: str, source: Path, content_type: str | None = None) -> None: ...

    def get_to_file(self, key: str, destination: Path) -> None: ...

    def iter_range(
        self, key: str, start: int = 0, end: int | None = None, chunk_size: int = 1 << 20
    ) -> Iterator[bytes]:
        """Bytes start..end inclusive (end None: to the last byte)."""
        ...

    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error (deletes are idempotent)."""
        ...

    def list_keys(self, prefix: str = "") -> list[str]: ...

    def check(self) -> None:
        """Raise if the store cannot be used right now (readiness)."""
        ...
