"""The BlobStore contract, run against every adapter: the local folder and S3 (moto's S3
server over real HTTP). Whatever sits above the port may rely on exactly this."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drive2.adapters.blob.local import LocalBlobStore
from drive2.adapters.blob.s3 import PART_SIZE, S3BlobStore
from drive2.ports.blob_store import BlobStore, BlobWriter
from tests.support.s3 import drop_bucket, running_moto_server, s3_store

MIB = 1 << 20


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with running_moto_server() as endpoint:
        yield endpoint


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "objects", fsync=True)
        return
    # Asked for lazily, so `-k local` never starts the S3 server.
    s3 = s3_store(request.getfixturevalue("moto_endpoint"))
    yield s3
    drop_bucket(s3)


def read_all(store: BlobStore, key: str) -> bytes:
    return b"".join(store.iter_range(key))


def leftovers(store: BlobStore) -> int:
    """Half-written state the adapter keeps outside the visible keys."""
    if isinstance(store, LocalBlobStore):
        return store.incoming_count()
    assert isinstance(store, S3BlobStore)
    return store.pending_multipart_uploads()


def write_in_chunks(store: BlobStore, key: str, data: bytes, chunk: int = MIB) -> BlobWriter:
    writer = store.open_writer(key)
    for offset in range(0, len(data), chunk):
        writer.write(data[offset : offset + chunk])
    return writer


def put(store: BlobStore, key: str, data: bytes) -> None:
    write_in_chunks(store, key, data).commit()


# --- writer ----------------------------------------------------------------------------------


def test_object_is_visible_only_after_commit(store: BlobStore) -> None:
    writer = store.open_writer("originals/u1/f1")
    writer.write(b"hello ")
    writer.write(b"world")

    assert not store.exists("originals/u1/f1")
    assert store.list_keys() == []

    writer.commit()

    assert store.exists("originals/u1/f1")
    assert store.list_keys() == ["originals/u1/f1"]
    assert read_all(store, "originals/u1/f1") == b"hello world"
    assert leftovers(store) == 0


@pytest.mark.parametrize("size", [1000, PART_SIZE + 3 * MIB], ids=["small", "multipart"])
def test_abort_leaves_nothing(store: BlobStore, size: int) -> None:
    writer = write_in_chunks(store, "originals/u1/f1", os.urandom(size))
    if size > PART_SIZE and isinstance(store, S3BlobStore):
        # The upload really is half-done on the server, so the check below can fail.
        assert store.pending_multipart_uploads() == 1

    writer.abort()

    assert not store.exists("originals/u1/f1")
    assert store.list_keys() == []
    assert leftovers(store) == 0


def test_abort_keeps_the_previous_object(store: BlobStore) -> None:
    put(store, "originals/u1/f1", b"version one")

    writer = store.open_writer("originals/u1/f1")
    writer.write(b"version two, never committed")
    writer.abort()

    assert read_all(store, "originals/u1/f1") == b"version one"
    assert leftovers(store) == 0


def test_commit_replaces_an_existing_object(store: BlobStore) -> None:
    put(store, "originals/u1/f1", b"version one, the longer one")
    put(store, "originals/u1/f1", b"version two")

    assert read_all(store, "originals/u1/f1") == b"version two"
    assert store.size("originals/u1/f1") == len(b"version two")
    assert store.list_keys() == ["originals/u1/f1"]


def test_large_object_goes_through_multipart_and_round_trips(
    store: BlobStore, tmp_path: Path
) -> None:
    data = os.urandom(PART_SIZE + 1_234_567)
    digest = hashlib.sha256(data).hexdigest()

    writer = write_in_chunks(store, "originals/u1/big", data)
    assert not store.exists("originals/u1/big")
    if isinstance(store, S3BlobStore):
        assert store.pending_multipart_uploads() == 1
    writer.commit()

    assert leftovers(store) == 0
    assert store.size("originals/u1/big") == len(data)
    assert hashlib.sha256(read_all(store, "originals/u1/big")).hexdigest() == digest
    store.get_to_file("originals/u1/big", tmp_path / "copy")
    assert hashlib.sha256((tmp_path / "copy").read_bytes()).hexdigest() == digest
    if isinstance(store, S3BlobStore):
        # A multipart object's ETag is "<md5 of part md5s>-<number of parts>".
        head = store.client.head_object(Bucket=store.bucket, Key="originals/u1/big")
        assert head["ETag"].strip('"').endswith("-2")


def test_empty_object_round_trips(store: BlobStore, tmp_path: Path) -> None:
    store.open_writer("originals/u1/empty").commit()

    assert store.exists("originals/u1/empty")
    assert store.size("originals/u1/empty") == 0
    assert read_all(store, "originals/u1/empty") == b""
    destination = tmp_path / "copy"
    destination.write_bytes(b"stale content")
    store.get_to_file("originals/u1/empty", destination)
    assert destination.read_bytes() == b""


# --- reading ----------------------------------------------------------------------------------

DATA = bytes(range(256)) * 40 + b"the end"  # 10,247 bytes, every byte value present


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, None),
        (1000, None),
        (2, 5),
        (0, 0),
        (len(DATA) - 1, None),
        (len(DATA) - 1, len(DATA) - 1),
        (4000, 9000),
    ],
    ids=["full", "start-only", "start-end", "first-byte", "last-byte-open", "last-byte", "middle"],
)
def test_iter_range(store: BlobStore, start: int, end: int | None) -> None:
    put(store, "originals/u1/r", DATA)

    got = b"".join(store.iter_range("originals/u1/r", start, end))

    assert got == DATA[start : None if end is None else end + 1]


def test_iter_range_respects_chunk_size(store: BlobStore) -> None:
    put(store, "originals/u1/r", DATA)

    chunks = list(store.iter_range("originals/u1/r", 10, 109, chunk_size=7))

    assert b"".join(chunks) == DATA[10:110]
    assert len(chunks) >= 100 // 7
    assert all(0 < len(c) <= 7 for c in chunks)


def test_iter_range_of_a_missing_key_raises_file_not_found(store: BlobStore) -> None:
    with pytest.raises(FileNotFoundError):
        b"".join(store.iter_range("originals/u1/missing"))


def test_size_and_exists(store: BlobStore) -> None:
    put(store, "originals/u1/s", b"x" * 12345)

    assert store.size("originals/u1/s") == 12345
    assert store.exists("originals/u1/s")
    assert not store.exists("originals/u1/other")
    assert not store.exists("originals/u1")  # a prefix is not an object


def test_get_to_file_of_a_missing_key_raises_file_not_found(
    store: BlobStore, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        store.get_to_file("originals/u1/missing", tmp_path / "copy")
    assert not (tmp_path / "copy").exists()


def test_put_file_and_get_to_file_round_trip(store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(3 * MIB + 17)
    source = tmp_path / "source.bin"
    source.write_bytes(data)

    store.put_file("thumbnails/u1/f1.jpg", source, content_type="image/jpeg")
    destination = tmp_path / "destination.bin"
    store.get_to_file("thumbnails/u1/f1.jpg", destination)

    assert destination.read_bytes() == data
    assert store.size("thumbnails/u1/f1.jpg") == len(data)
    assert source.read_bytes() == data  # the source is copied, not moved
    assert leftovers(store) == 0


# --- delete and list ----------------------------------------------------------------------------


def test_delete_removes_and_is_idempotent(store: BlobStore) -> None:
    put(store, "originals/u1/a", b"a")
    put(store, "originals/u1/b", b"b")

    store.delete("originals/u1/a")

    assert not store.exists("originals/u1/a")
    assert store.list_keys() == ["originals/u1/b"]
    with pytest.raises(FileNotFoundError):
        b"".join(store.iter_range("originals/u1/a"))

    store.delete("originals/u1/a")  # already gone: not an error
    store.delete("originals/never/existed")
    assert store.list_keys() == ["originals/u1/b"]


def test_list_keys_with_prefix(store: BlobStore) -> None:
    keys = [
        "originals/u1/a",
        "originals/u1/b",
        "originals/u10/c",
        "originals/u2/d",
        "thumbnails/u1/a.jpg",
    ]
    for key in reversed(keys):
        put(store, key, key.encode())

    assert store.list_keys() == sorted(keys)
    assert store.list_keys("originals/u1/") == ["originals/u1/a", "originals/u1/b"]
    assert store.list_keys("originals/u1") == [
        "originals/u1/a",
        "originals/u1/b",
        "originals/u10/c",
    ]
    assert store.list_keys("thumbnails/") == ["thumbnails/u1/a.jpg"]
    assert store.list_keys("nothing/") == []


# --- health -------------------------------------------------------------------------------------


def test_check_passes_on_a_healthy_store_and_fails_on_a_broken_one(store: BlobStore) -> None:
    put(store, "originals/u1/a", b"a")
    store.check()
    assert leftovers(store) == 0  # the probe cleans up after itself
    assert store.list_keys() == ["originals/u1/a"]

    if isinstance(store, LocalBlobStore):
        shutil.rmtree(store.root)
    else:
        assert isinstance(store, S3BlobStore)
        drop_bucket(store)
    with pytest.raises(Exception):  # noqa: B017 - each adapter raises its own kind
        store.check()


# --- keys -----------------------------------------------------------------------------------------

UNSAFE_KEYS = ["../x", "/abs", "a//b", "a/../b", "originals/..", "", "a\\b", "a b"]


@pytest.mark.parametrize("key", UNSAFE_KEYS)
def test_unsafe_keys_are_refused(store: BlobStore, key: str, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"data")
    calls: dict[str, Callable[[], object]] = {
        "open_writer": lambda: store.open_writer(key),
        "put_file": lambda: store.put_file(key, source),
        "get_to_file": lambda: store.get_to_file(key, tmp_path / "out"),
        "iter_range": lambda: store.iter_range(key),
        "size": lambda: store.size(key),
        "exists": lambda: store.exists(key),
        "delete": lambda: store.delete(key),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match="unsafe object key"):
            call()
            pytest.fail(f"{name} accepted {key!r}")

    assert store.list_keys() == []
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "out").exists()
