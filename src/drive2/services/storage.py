"""The seed's storage helpers: sync ones for the worker, async ones for the API."""

from __future__ import annotations

from pathlib import Path

import anyio

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


async def download_file(store: BlobStore, key: str, destination: Path) -> Path:
    return await anyio.to_thread.run_sync(download_file_sync, store, key, destination)


async def upload_file(
    store: BlobStore, source: Path, key: str, content_type: str | None = None
) -> str:
    return await anyio.to_thread.run_sync(upload_file_sync, store, source, key, content_type)
