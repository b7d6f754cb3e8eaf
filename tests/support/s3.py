"""S3 over real HTTP for tests: moto's S3 server on loopback, one fresh bucket per test."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from moto.server import ThreadedMotoServer

from drive2.adapters.blob.s3 import S3BlobStore

ACCESS_KEY = "testing"
SECRET_KEY = "testing"


@contextlib.contextmanager
def running_moto_server() -> Iterator[str]:
    """Start moto's S3 server on a free loopback port; yield its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def unique_bucket() -> str:
    return f"drive2-test-{uuid.uuid4().hex[:20]}"


def s3_store(endpoint: str, bucket: str | None = None, create: bool = True) -> S3BlobStore:
    return S3BlobStore(
        endpoint=endpoint,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        bucket=bucket or unique_bucket(),
        create_bucket=create,
    )


def drop_bucket(store: S3BlobStore) -> None:
    """Free what a test left in moto's memory: uploads, objects, then the bucket itself."""
    client = store.client
    with contextlib.suppress(client.exceptions.NoSuchBucket):
        for upload in client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []):
            client.abort_multipart_upload(
                Bucket=store.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
        for key in store.list_keys():
            client.delete_object(Bucket=store.bucket, Key=key)
        client.delete_bucket(Bucket=store.bucket)
