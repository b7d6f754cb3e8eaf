"""The HTTP API with S3 as the object store (moto's S3 server over real HTTP)."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from drive2.adapters.blob.s3 import PART_SIZE, S3BlobStore
from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.files import multipart
from tests.support.s3 import ACCESS_KEY, SECRET_KEY, drop_bucket, running_moto_server, unique_bucket

MIB = 1 << 20


@dataclass
class S3Api:
    client: TestClient
    app: FastAPI
    container: Container
    store: S3BlobStore

    def login(self) -> tuple[dict[str, str], str]:
        headers = register_and_login(self.client)
        me = self.client.get("/api/v1/users/me", headers=headers)
        assert me.status_code == 200, me.text
        return headers, me.json()["id"]

    def object_bytes(self, key: str) -> bytes:
        return self.store.client.get_object(Bucket=self.store.bucket, Key=key)["Body"].read()

    def record_s3_calls(self) -> list[str]:
        """Names of the S3 operations the server makes from now on."""
        calls: list[str] = []

        def hook(event_name: str, **_: Any) -> None:
            calls.append(event_name.rsplit(".", 1)[-1])

        self.store.client.meta.events.register("after-call.s3", hook)
        return calls

    def assert_bucket_empty(self) -> None:
        assert self.store.list_keys() == []
        assert self.store.pending_multipart_uploads() == 0


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with running_moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def make_s3_api(
    make_settings: SettingsFactory, moto_endpoint: str
) -> Iterator[Callable[..., S3Api]]:
    """Builds the API as tests/conftest.py does, with the S3_* settings pointing at moto and
    a bucket of its own; dropped afterwards."""
    with contextlib.ExitStack() as stack:

        def factory(**overrides: Any) -> S3Api:
            bucket = unique_bucket()
            settings = make_settings(
                S3_ENDPOINT=moto_endpoint,
                S3_ACCESS_KEY=ACCESS_KEY,
                S3_SECRET_KEY=SECRET_KEY,
                S3_BUCKET=bucket,
                **overrides,
            )
            settings.data_path.mkdir(parents=True, exist_ok=True)
            upgrade(settings.resolved_database_url)
            container = build_container(settings)
            stack.callback(container.close)
            store = container.blobs
            assert isinstance(store, S3BlobStore)
            assert store.bucket == bucket
            stack.callback(drop_bucket, store)
            app = create_app(container)
            client = stack.enter_context(TestClient(app))
            return S3Api(client=client, app=app, container=container, store=store)

        yield factory


@pytest.fixture
def api(make_s3_api: Callable[..., S3Api]) -> S3Api:
    return make_s3_api()


def test_upload_stores_the_object_under_a_server_made_key(api: S3Api) -> None:
    headers, user_id = api.login()
    name = "Secret Plans 2024 (final).txt"
    data = b"the quarterly numbers\n" * 1000

    r = upload(api.client, headers, name, data)

    assert r.status_code == 202, r.text
    body = r.json()
    assert body["checksum_sha256"] == hashlib.sha256(data).hexdigest()
    file_id = body["file_id"]
    key = f"originals/{user_id}/{file_id}"
    assert api.store.list_keys() == [key]
    for part in ("Secret", "Plans", "final", ".txt"):
        assert part not in key
    assert api.object_bytes(key) == data
    assert api.store.pending_multipart_uploads() == 0


def test_download_returns_identical_bytes_of_a_multipart_object(api: S3Api) -> None:
    headers, user_id = api.login()
    data = os.urandom(PART_SIZE + 100_000)  # over one part: stored by a multipart upload
    calls = api.record_s3_calls()
    r = upload(api.client, headers, "big.bin", data)
    assert r.status_code == 202, r.text
    file_id = r.json()["file_id"]
    assert "CompleteMultipartUpload" in calls

    r = api.client.get(f"/api/v1/files/{file_id}/download", headers=headers)

    assert r.status_code == 200, r.text
    assert hashlib.sha256(r.content).hexdigest() == hashlib.sha256(data).hexdigest()
    assert r.headers["content-length"] == str(len(data))
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert api.store.size(f"originals/{user_id}/{file_id}") == len(data)


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=2-5", 2, 5), ("bytes=10-", 10, 15), ("bytes=-3", 13, 15), ("bytes=15-15", 15, 15)],
)
def test_range_request_answers_206(api: S3Api, header: str, start: int, end: int) -> None:
    headers, _ = api.login()
    data = b"0123456789abcdef"
    file_id = upload(api.client, headers, "digits.txt", data).json()["file_id"]

    r = api.client.get(f"/api/v1/files/{file_id}/download", headers={**headers, "Range": header})

    assert r.status_code == 206, r.text
    assert r.content == data[start : end + 1]
    assert r.headers["content-range"] == f"bytes {start}-{end}/{len(data)}"
    assert r.headers["content-length"] == str(end - start + 1)


def test_over_limit_upload_answers_413_and_leaves_nothing(
    make_s3_api: Callable[..., S3Api],
) -> None:
    api = make_s3_api(MAX_UPLOAD_BYTES=1024)
    headers, _ = api.login()

    r = upload(api.client, headers, "too-big.bin", os.urandom(MIB))

    assert r.status_code == 413, r.text
    assert "limit" in r.json()["detail"]
    api.assert_bucket_empty()
    assert api.client.get("/api/v1/files", headers=headers).json()["total"] == 0


def test_over_limit_midway_through_a_multipart_upload_aborts_it(
    make_s3_api: Callable[..., S3Api],
) -> None:
    """No Content-Length (chunked), so the limit trips only after a part is on the server."""
    api = make_s3_api(MAX_UPLOAD_BYTES=PART_SIZE + MIB)
    headers, _ = api.login()
    body = multipart("file", "too-big.bin", os.urandom(PART_SIZE + 2 * MIB))
    calls = api.record_s3_calls()

    async def chunks() -> AsyncIterator[bytes]:
        for offset in range(0, len(body), 256 * 1024):
            yield body[offset : offset + 256 * 1024]

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://drive2") as client:
            return await client.post(
                "/api/v1/files/upload",
                headers={
                    **headers,
                    "Content-Type": "multipart/form-data; boundary=drive2boundary",
                },
                content=chunks(),
            )

    r = anyio.run(send)

    assert r.status_code == 413, r.text
    assert "UploadPart" in calls  # the multipart upload had really begun
    assert "AbortMultipartUpload" in calls
    assert "CompleteMultipartUpload" not in calls
    api.assert_bucket_empty()


def test_truncated_upload_leaves_nothing(api: S3Api) -> None:
    headers, _ = api.login()
    body = multipart("file", "cut.bin", os.urandom(PART_SIZE + MIB))
    truncated = body[: -len(b"\r\n--drive2boundary--\r\n")]
    calls = api.record_s3_calls()

    r = api.client.post(
        "/api/v1/files/upload",
        headers={**headers, "Content-Type": "multipart/form-data; boundary=drive2boundary"},
        content=truncated,
    )

    assert r.status_code == 400, r.text  # a multipart body cut short is malformed
    assert "closing boundary" in r.json()["detail"]
    assert "UploadPart" in calls
    assert "AbortMultipartUpload" in calls
    api.assert_bucket_empty()


def test_duplicate_upload_keeps_one_object(api: S3Api) -> None:
    headers, user_id = api.login()
    data = b"the same content, twice"
    first = upload(api.client, headers, "one.txt", data)
    second = upload(api.client, headers, "two.txt", data)

    assert first.status_code == 202, first.text
    assert second.status_code == 200, second.text
    assert second.json()["duplicate"] is True
    assert second.json()["file_id"] == first.json()["file_id"]
    assert api.store.list_keys() == [f"originals/{user_id}/{first.json()['file_id']}"]


def test_delete_removes_the_object_from_the_bucket(api: S3Api) -> None:
    headers, user_id = api.login()
    keep = upload(api.client, headers, "keep.txt", b"keep me").json()["file_id"]
    gone = upload(api.client, headers, "gone.txt", b"delete me").json()["file_id"]
    assert len(api.store.list_keys()) == 2

    r = api.client.delete(f"/api/v1/files/{gone}", headers=headers, params={"permanent": "true"})

    assert r.status_code == 204, r.text
    assert api.store.list_keys() == [f"originals/{user_id}/{keep}"]
    assert not api.store.exists(f"originals/{user_id}/{gone}")
    r = api.client.get(f"/api/v1/files/{gone}/download", headers=headers)
    assert r.status_code == 404
    r = api.client.get(f"/api/v1/files/{keep}/download", headers=headers)
    assert r.content == b"keep me"
