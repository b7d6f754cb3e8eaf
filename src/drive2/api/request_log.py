"""One log line and one metric per request, with a request id in the answer's headers.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware, whose task group wraps errors
raised while a body is read, so FastAPI answered 400 where the body guard meant 413). It sits
outside the body guard, so it logs the status the client really got.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drive2.api.metrics import HTTP_REQUESTS

log = logging.getLogger("drive2.api")
API_PREFIX = "/api/v1"
#: What a client's X-Request-ID may look like; anything else is replaced, because the id is
#: written into plain-text log lines as it is.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def safe_request_id(sent: str | None) -> str:
    return sent if sent and _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = safe_request_id(_header(scope, b"x-request-id"))
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = rid
                _record(scope, rid, int(message["status"]), started)
            await send(message)

        await self.app(scope, receive, send_with_id)


def _record(scope: Scope, rid: str, status: int, started: float) -> None:
    method = scope["method"]
    path = getattr(scope.get("route"), "path", "unmatched")
    if path != "unmatched" and scope["path"].startswith(API_PREFIX):
        path = API_PREFIX + path
    HTTP_REQUESTS.labels(method, path, str(status)).inc()
    duration_ms = (time.perf_counter() - started) * 1000
    log.info(
        "request id=%s method=%s path=%s status=%s duration_ms=%.1f",
        rid,
        method,
        path,
        status,
        duration_ms,
        extra={  # the same as fields, for JSON logs (LOG_JSON=true)
            "request_id": rid,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(duration_ms, 1),
        },
    )
