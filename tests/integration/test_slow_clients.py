"""Clients that stall or never stop sending, over real sockets against the API as `drive2 api`
serves it (uvicorn with drive2's header-deadline protocol): half-sent headers are closed,
stalled uploads are abandoned and leave no file open, and an unauthenticated body far past
its cap is answered long before it has been read (issue 13, items 2 and 6)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.api.http_server import with_header_timeout
from drive2.bootstrap import Container, build_container
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login
from tests.support.live_server import live_server, raw_request

pytestmark = [pytest.mark.slow, pytest.mark.heavy]

MIB = 1024 * 1024


@pytest.fixture
def served(make_settings: SettingsFactory) -> Iterator[tuple[str, Container]]:
    settings = make_settings(
        HTTP_BODY_TIMEOUT_SECONDS=1.5,
        LINE_CHANNEL_ACCESS_TOKEN="token",
        LINE_CHANNEL_SECRET="channel-secret",
    )
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with live_server(create_app(container), http=with_header_timeout(1.5)) as url:
        yield url, container
    container.close()


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed (EOF, maybe after its 408 answer)."""
    try:
        while chunk := sock.recv(65536):
            if not chunk:
                break
        return True
    except TimeoutError:
        return False
    except OSError:
        return True


def test_two_hundred_half_sent_headers_are_all_closed(served: tuple[str, Container]) -> None:
    url, _ = served
    sockets = []
    for n in range(200):
        sock = _connect(url)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: drive2\r\nX-Slow: " + str(n).encode())
        sockets.append(sock)
    silent = _connect(url)  # one that sends nothing at all
    sockets.append(silent)
    deadline = time.monotonic() + 60
    for sock in sockets:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        assert _closed_by_server(sock), "a half-sent request was never closed"
        sock.close()
    # The server still answers everyone else.
    fine = raw_request(url, b"GET /healthz HTTP/1.1\r\nHost: drive2\r\nConnection: close\r\n\r\n")
    assert fine is not None and fine.status == 200


def test_a_late_header_gets_408_and_a_prompt_one_is_served(served: tuple[str, Container]) -> None:
    url, _ = served
    sock = _connect(url)
    sock.sendall(b"GET /healthz HTTP/1.1\r\n")
    time.sleep(0.2)
    sock.sendall(b"Host: drive2\r\n")  # trickling bytes does not reset the deadline
    sock.settimeout(30)
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_twenty_stalled_uploads_are_abandoned_and_hold_no_file(
    served: tuple[str, Container],
) -> None:
    url, container = served
    import httpx

    with httpx.Client(base_url=url, timeout=30) as client:
        auth = register_and_login(client)["Authorization"]
    incoming: Path = container.settings.objects_path / ".incoming"
    head = (
        "POST /api/v1/files/upload HTTP/1.1\r\nHost: drive2\r\n"
        f"Authorization: {auth}\r\nContent-Type: multipart/form-data; boundary=stall\r\n"
        "Content-Length: 10000000\r\n\r\n"
        '--stall\r\nContent-Disposition: form-data; name="file"; filename="stalled.bin"\r\n\r\n'
    ).encode()
    sockets = []
    for _ in range(20):
        sock = _connect(url)
        sock.sendall(head + b"x" * (2 * MIB))  # then nothing more, the connection kept open
        sockets.append(sock)
    answers = []
    for sock in sockets:
        sock.settimeout(60)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
        answers.append(answer)
        sock.close()
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), [a[:80] for a in answers]
    assert list(incoming.iterdir()) == []
    assert not [
        f.path for f in psutil.Process(os.getpid()).open_files() if f.path.startswith(str(incoming))
    ]
    with httpx.Client(base_url=url, timeout=30) as client:
        listed = client.get("/api/v1/files", headers={"Authorization": auth}).json()
    assert listed["total"] == 0


def _flood(total: int, sent: list[int]) -> Iterator[bytes]:
    chunk = b"\x00" * MIB
    for _ in range(total // MIB):
        sent[0] += len(chunk)
        yield b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    yield b"0\r\n\r\n"


@pytest.mark.parametrize(
    ("path", "extra_headers", "expected"),
    [
        ("/api/v1/line/webhook", "X-Line-Signature: bm90LWEtc2lnbmF0dXJl\r\n", 413),
        ("/api/v1/line/webhook", "", 401),
        ("/api/v1/auth/register", "Content-Type: application/json\r\n", 413),
        ("/api/v1/auth/session", "Content-Type: application/json\r\nX-Drive2-CSRF: 1\r\n", 413),
    ],
)
def test_a_256_mib_unauthenticated_body_is_answered_long_before_it_is_read(
    served: tuple[str, Container], path: str, extra_headers: str, expected: int
) -> None:
    url, _ = served
    sent = [0]
    head = (
        f"POST {path} HTTP/1.1\r\nHost: drive2\r\nTransfer-Encoding: chunked\r\n{extra_headers}\r\n"
    ).encode()
    answer = raw_request(url, head, _flood(256 * MIB, sent), timeout=60)
    assert answer is not None, "no answer"
    assert answer.status == expected, answer.body[:200]
    assert answer.headers.get("connection") == "close"
    # What left the client before the answer came: the cap plus socket buffers, not 256 MiB.
    assert sent[0] < 64 * MIB, sent[0]
