"""Copying objects to and from local files, for the pipeline and the thumbnail service. (The
seed's async variants are gone: the API streams objects through the blob store directly.)"""

from __future__ import annotations

from pathlib import Path

from drive2.ports.blob_store import BlobStore


def download_file_sync(store: BlobStore, key: str, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    store.get_to_file(key, destination)
    return destination


def upload_file_sync(
    store: BlobStore, source: Path, key: str, content_type: str | None = None
) -> str:
    store.put_file(key, source, content_type)
    return key
