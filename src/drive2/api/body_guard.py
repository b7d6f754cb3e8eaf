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

from collections.abc import Callable

import anyio
from fastapi import HTTPException
from fastapi.responses import JSONResponse
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
            refused = BodyTooLargeError(limit)
            answer = JSONResponse({"detail": refused.detail}, 413, headers=CLOSE)
            await answer(scope, receive, send)
            return
        await self.app(scope, self._guarded(receive, limit), send)

    def _guarded(self, receive: Receive, limit: int | None) -> Receive:
        received = 0
        finished = False

        async def guarded_receive() -> Message:
            nonlocal received, finished
            if finished:
                return await receive()  # only http.disconnect is left to wait for
            with anyio.move_on_after(self.idle_timeout) as waited:
                message = await receive()
            if waited.cancelled_caught:
                raise BodyStalledError(self.idle_timeout)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if limit is not None and received > limit:
                    raise BodyTooLargeError(limit)
                finished = not message.get("more_body", False)
            else:
                finished = True
            return message

        return guarded_receive
