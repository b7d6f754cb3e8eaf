"""The real API over real HTTP for a test: uvicorn in a thread on a free loopback port, and a
raw-socket client for the requests an ordinary HTTP client refuses to send (lying
Content-Length, bodies that never finish, thousands of parts)."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from tests.support.proxy import free_port


@contextmanager
def live_server(app: Any, http: Any = "auto") -> Iterator[str]:
    """Serve `app` until the block ends; yield its base URL. `http`: uvicorn's protocol (a
    class, e.g. drive2.api.http_server.with_header_timeout(1), as `drive2 api` runs it)."""
    port = free_port()
    # log_config=None: uvicorn's loggers propagate to the root logger the test configures.
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan="on",
        access_log=True,
        # An event stream never ends by itself: do not wait long for it at shutdown.
        timeout_graceful_shutdown=2,
        http=http,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AssertionError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        import json

        return json.loads(self.body)


def raw_request(
    base_url: str,
    head: bytes,
    body: Iterable[bytes] = (),
    timeout: float = 60.0,
    close_after_body: bool = False,
) -> RawResponse | None:
    """Send `head` (request line and headers, ending in a blank line) and then `body` from a
    thread while this thread reads the answer, as a browser does: a server that answers
    early (413) is heard even while the body is still going out. None when the server closed
    the connection without an answer."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    started = time.monotonic()

    def send() -> None:
        try:
            sock.sendall(head)
            for chunk in body:
                sock.sendall(chunk)
            if close_after_body:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server answered and closed; the reader has the answer

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(sock)
        try:
            response.begin()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return None
        try:
            data = response.read()
        except (ConnectionResetError, http.client.IncompleteRead) as exc:
            data = getattr(exc, "partial", b"")
        return RawResponse(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=data,
            seconds=time.monotonic() - started,
        )
    finally:
        sock.close()
        sender.join(timeout)
