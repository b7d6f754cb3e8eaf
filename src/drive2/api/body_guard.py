"""Request bodies capped and timed while they stream, before any route reads them.

A body declared larger than its route's cap is refused at once (413, nothing read); one that
grows past the cap while it streams is refused as soon as it does, so an unauthenticated
client can never make the API hold more than the cap in memory. A body that stops arriving
for HTTP_BODY_TIMEOUT_SECONDS is abandoned (408): an upload that stalls does not keep its
temporary file open for ever. Both answers close the connection.

Uploads are the one streamed body: /files/upload is bounded by the upload service (size limit
and quota, counted while it streams) and is only timed here. A new route that streams a large
body belongs in STREAMED_PATHS.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import anyio
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drive2.config import Settings

API_PREFIX = "/api/v1"
STREAMED_PATHS = frozenset({f"{API_PREFIX}/files/upload"})
#: Sign-in and registration forms: an email, a password, perhaps an invite code.
AUTH_PREFIX = f"{API_PREFIX}/auth/"
CLOSE = {"Connection": "close"}


class BodyTooLargeError(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes", CLOSE)


class BodyStalledError(HTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body stopped arriving for {seconds:g} s", CLOSE)


def body_limit(settings: Settings, path: str) -> int | None:
    """The most bytes the route at `path` reads; None for the streamed upload."""
    if path in STREAMED_PATHS:
        return None
    if path.startswith(AUTH_PREFIX):
        return settings.auth_max_body_bytes
    return settings.max_request_body_bytes


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def _rejection(exc: BaseException) -> HTTPException | None:
    """Our own refusal, also when a task group on the way wrapped it in an ExceptionGroup."""
    if isinstance(exc, BodyTooLargeError | BodyStalledError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _rejection(inner)
            if found is not None:
                return found
    return None


class RequestBodyGuard:
    def __init__(
        self, app: ASGIApp, limit_for: Callable[[str], int | None], idle_timeout: float
    ) -> None:
        self.app = app
        self.limit_for = limit_for
        self.idle_timeout = idle_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _declared_length(scope)
        if limit is not None and declared is not None and declared > limit:
            await _answer(BodyTooLargeError(limit), send)
            return
        await _GuardedRequest(receive, send, limit, self.idle_timeout).run(self.app, scope)


async def _answer(refusal: HTTPException, send: Send) -> None:
    body = json.dumps({"detail": refusal.detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": refusal.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _GuardedRequest:
    """One request's receive and send. The refusal is raised into the app, which stops
    reading; whatever the layers in between make of the exception (FastAPI turns some into a
    400), the client gets the refusal itself."""

    def __init__(self, receive: Receive, send: Send, limit: int | None, idle: float) -> None:
        self._receive = receive
        self._send = send
        self.limit = limit
        self.idle = idle
        self.received = 0
        self.finished = False
        self.started = False
        self.refusal: HTTPException | None = None

    async def run(self, app: ASGIApp, scope: Scope) -> None:
        try:
            await app(scope, self.receive, self.send)
        except BaseException as exc:
            if self.refusal is None or _rejection(exc) is None:
                raise
        if self.refusal is not None and not self.started:
            self.started = True
            await _answer(self.refusal, self._send)

    async def send(self, message: Message) -> None:
        if self.refusal is not None:
            if not self.started:
                self.started = True
                await _answer(self.refusal, self._send)
            return  # the app's own answer to the refused body is dropped
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)

    async def receive(self) -> Message:
        if self.refusal is not None:
            raise self.refusal
        if self.finished:
            return await self._receive()  # only http.disconnect is left to wait for
        with anyio.move_on_after(self.idle) as waited:
            message = await self._receive()
        if waited.cancelled_caught:
            self.refusal = BodyStalledError(self.idle)
            raise self.refusal
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.limit is not None and self.received > self.limit:
                self.refusal = BodyTooLargeError(self.limit)
                raise self.refusal
            self.finished = not message.get("more_body", False)
        else:
            self.finished = True
        return message
