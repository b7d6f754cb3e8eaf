"""uvicorn's httptools protocol with a deadline for request headers.

uvicorn times out only idle keep-alive connections: a client that opens a connection and
sends half a request line, or headers one byte a minute, holds a socket and a slot for ever
(200 such connections stayed open in the security probe). Here every request must have sent
all its headers within HTTP_HEADER_TIMEOUT_SECONDS of its first byte (or of the connection
opening); otherwise the server answers 408 and closes. Body stalls are the body guard's.

`drive2 api` and `drive2 serve` run uvicorn with `--http drive2.api.http_server:TimedHttpProtocol`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_TIMEOUT_BODY = b'{"detail":"the request headers took too long"}'
_TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TIMEOUT_BODY), _TIMEOUT_BODY)
)

_TOO_LARGE_BODY = b'{"detail":"the request headers are too large"}'
_TOO_LARGE_ANSWER = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TOO_LARGE_BODY), _TOO_LARGE_BODY)
)
#: Request line and headers together; a browser's are a few KB.
MAX_HEADER_BYTES = 64 * 1024


def _configured_timeout() -> float:
    from drive2.config import get_settings

    return get_settings().http_header_timeout_seconds


class TimedHttpProtocol(HttpToolsProtocol):
    #: None: HTTP_HEADER_TIMEOUT_SECONDS from the settings (tests set a number).
    header_timeout: float | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = self.header_timeout or _configured_timeout()
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self._header_timeout, self._headers_late)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        self._refuse(_TIMEOUT_ANSWER)

    def _refuse(self, answer: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(answer)
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_timer is None:
            self._header_bytes = 0
            return
        # Still inside a request's headers: they may not grow without bound either.
        self._header_bytes += len(data)
        if self._header_bytes > MAX_HEADER_BYTES:
            self._disarm_header_timer()
            self._refuse(_TOO_LARGE_ANSWER)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        # From here uvicorn's keep-alive timeout watches the idle connection.
        self._disarm_header_timer()
        super().on_response_complete()


def with_header_timeout(seconds: float) -> type[TimedHttpProtocol]:
    """The protocol with a fixed deadline (for an in-process uvicorn.Config)."""
    return type("TimedHttpProtocol", (TimedHttpProtocol,), {"header_timeout": seconds})
