"""Hostile multipart bodies over real HTTP (uvicorn on loopback, embedded parts): each gets a
quick 413 or 400 with a {"detail": ...}, nothing is stored, and the next ordinary upload
works."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.config import Settings
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login
from tests.support.files import multipart
from tests.support.live_server import RawResponse, live_server, raw_request

BOUNDARY = "drive2boundary"


class LiveApi:
    def __init__(self, base_url: str, container: Container) -> None:
        self.base_url = base_url
        self.container = container
        self.client = httpx.Client(base_url=base_url, timeout=60)
        self.headers = register_and_login(self.client)

    def post_raw(
        self,
        body: bytes | list[bytes],
        content_type: str = f"multipart/form-data; boundary={BOUNDARY}",
        content_length: int | None = None,
        close_after_body: bool = False,
        chunked: bool = False,
    ) -> RawResponse | None:
        """chunked: no Content-Length at all, so only the bytes counted decide."""
        chunks = [body] if isinstance(body, bytes) else body
        length = sum(len(c) for c in chunks) if content_length is None else content_length
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
        if chunked:
            chunks = [b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c] + [b"0\r\n\r\n"]
        head = (
            "POST /api/v1/files/upload HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\n"
            f"Authorization: {self.headers['Authorization']}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"{framing}\r\n\r\n"
        ).encode()
        return raw_request(self.base_url, head, chunks, close_after_body=close_after_body)

    def nothing_stored(self) -> None:
        listing = self.client.get("/api/v1/files", headers=self.headers).json()
        assert listing["total"] == 0, listing
        assert self.container.blobs.list_keys() == []
        incoming = self.container.settings.objects_path / ".incoming"
        # The abort of a cancelled upload runs as the request unwinds; give it a moment.
        deadline = time.monotonic() + 10
        while incoming.exists() and any(incoming.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not incoming.exists() or not any(incoming.iterdir())

    def ordinary_upload_works(self) -> None:
        r = self.client.post(
            "/api/v1/files/upload",
            headers=self.headers,
            files={"file": ("after.txt", b"an ordinary file after the attack")},
        )
        assert r.status_code == 202, r.text
        assert self.client.get("/healthz").status_code == 200
        self.client.delete(
            f"/api/v1/files/{r.json()['file_id']}",
            headers=self.headers,
            params={"permanent": "true"},
        )


@pytest.fixture
def live(make_settings: SettingsFactory) -> Iterator[LiveApi]:
    settings: Settings = make_settings(MAX_UPLOAD_BYTES=8 * 1024 * 1024)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with live_server(create_app(container)) as base_url:
        api = LiveApi(base_url, container)
        yield api
        api.client.close()
    container.close()


def _part(name: str, value: bytes, filename: str | None = None, extra: str = "") -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return (
        f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{extra}\r\n".encode()
        + value
        + b"\r\n"
    )


def _closing() -> bytes:
    return f"--{BOUNDARY}--\r\n".encode()


def _assert_refused(r: RawResponse | None, status: int, words: str) -> RawResponse:
    assert r is not None, "the server closed the connection without an answer"
    assert r.status == status, (r.status, r.body[:300])
    detail = r.json()["detail"]
    assert isinstance(detail, str) and words in detail, detail
    return r


def test_ten_thousand_parts_are_refused_at_the_seventeenth(live: LiveApi) -> None:
    parts = [_part(f"field{i}", b"x") for i in range(10_000)]
    body = b"".join(parts) + _part("file", b"data", "a.txt") + _closing()
    assert len(body) > 700_000
    # Sent in small writes, as a slow client would: the answer comes long before the end.
    chunks = [body[i : i + 4096] for i in range(0, len(body), 4096)]
    r = _assert_refused(live.post_raw(chunks), 413, "too many multipart parts")
    assert r.seconds < 10, r.seconds
    assert r.headers.get("connection") == "close"
    live.nothing_stored()
    live.ordinary_upload_works()


def test_a_part_with_a_megabyte_of_headers_is_413(live: LiveApi) -> None:
    huge = "X-Padding: " + "p" * (1024 * 1024) + "\r\n"
    body = _part("file", b"data", "a.txt", extra=huge) + _closing()
    _assert_refused(live.post_raw(body), 413, "headers are too large")
    # Many small headers that add up are refused as well.
    many = "".join(f"X-H{i}: {'v' * 700}\r\n" for i in range(30))
    body = _part("file", b"data", "a.txt", extra=many) + _closing()
    _assert_refused(live.post_raw(body), 413, "headers are too large")
    live.nothing_stored()
    live.ordinary_upload_works()


def test_a_huge_text_field_is_413_before_it_is_read(live: LiveApi) -> None:
    field = _part("note", b"n" * (20 * 1024 * 1024))
    body = field + _part("file", b"data", "a.txt") + _closing()
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    r = _assert_refused(live.post_raw(chunks, chunked=True), 413, "field is too large")
    assert r.seconds < 10
    # A second file after the first counts as a field too: one file per request.
    body = (
        _part("file", b"first", "a.txt") + _part("file", b"s" * (200 * 1024), "b.txt") + _closing()
    )
    _assert_refused(live.post_raw(body), 413, "field is too large")
    live.nothing_stored()
    live.ordinary_upload_works()


@pytest.mark.parametrize(
    ("content_type", "words"),
    [
        ("multipart/form-data", "no boundary"),
        ("multipart/form-data; boundary=", "no boundary"),
        ("multipart/form-data; boundary=" + "b" * 200, "longer than 70"),
    ],
)
def test_a_missing_or_absurd_boundary_is_400(live: LiveApi, content_type: str, words: str) -> None:
    body = multipart("file", "a.txt", b"data")
    _assert_refused(live.post_raw(body, content_type=content_type), 400, words)
    live.nothing_stored()
    live.ordinary_upload_works()


def test_a_body_that_never_closes_its_boundary_is_400(live: LiveApi) -> None:
    opened = _part("file", b"data that goes on" * 1000, "a.txt")  # no closing boundary
    _assert_refused(live.post_raw(opened), 400, "closing boundary")
    # A body that does not start with its boundary at all.
    _assert_refused(live.post_raw(b"garbage " * 1000), 400, "malformed multipart body")
    live.nothing_stored()
    live.ordinary_upload_works()


def test_a_file_part_that_streams_past_the_limit_without_a_boundary_is_413(
    live: LiveApi,
) -> None:
    head = _part("file", b"", "endless.bin")[: -len(b"\r\n")]
    block = b"e" * 65536
    endless = [head] + [block] * 200  # 12.5 MiB, over the 8 MiB limit, never a boundary
    r = _assert_refused(live.post_raw(endless, chunked=True), 413, "upload limit")
    assert r.seconds < 20
    live.nothing_stored()
    live.ordinary_upload_works()


def test_content_length_shorter_than_the_body_is_cut_and_refused(live: LiveApi) -> None:
    body = multipart("file", "a.txt", b"z" * 100_000)
    # The server reads only what Content-Length says: the multipart is cut short. The bytes
    # past it are a malformed next request, so uvicorn may answer that first and close.
    r = live.post_raw(body, content_length=50_000)
    assert r is not None and r.status == 400, r
    # Sent in two steps, the application's own answer is heard.
    head_and_cut = body[:50_000]
    r = live.post_raw([head_and_cut], content_length=50_000)
    _assert_refused(r, 400, "closing boundary")
    live.nothing_stored()
    live.ordinary_upload_works()


def test_content_length_longer_than_the_body_then_the_client_leaves(
    live: LiveApi, caplog: pytest.LogCaptureFixture
) -> None:
    body = multipart("file", "a.txt", b"w" * 300_000)
    host, port = live.base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = (
        "POST /api/v1/files/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {live.headers['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body) * 10}\r\n\r\n"
    ).encode()
    sock.sendall(head + body[:200_000])
    time.sleep(1.0)  # the server is now waiting for bytes that never come
    sock.close()
    live.nothing_stored()
    live.ordinary_upload_works()
    # An ordinary event, answered like any refused body, not a server error with a traceback.
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
