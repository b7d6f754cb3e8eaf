"""Local HTTP servers that speak Gemini's and Ollama's wire formats, so the real client code
(the google-genai SDK, httpx) runs against them.

Each server answers from a script (a queue of replies, then a default reply) and logs every
request it receives: path, headers and the decoded JSON body.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer: the model's text, or an HTTP error, optionally after a delay."""

    text: str | None = None
    status: int = 200
    body: Any = None  # a whole JSON body, sent as is
    raw: bytes | None = None  # bytes sent as is (a broken body)
    delay: float = 0.0

    @staticmethod
    def answer(
        suggested_filename: str = "Quarterly report.pdf",
        summary: str = "A quarterly report about sales.",
        tags: list[str] | None = None,
        language: str = "en",
    ) -> Reply:
        payload = {
            "suggested_filename": suggested_filename,
            "summary": summary,
            "tags": tags if tags is not None else ["report", "sales"],
            "language": language,
        }
        return Reply(text=json.dumps(payload, ensure_ascii=False))


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class _Script:
    queue: deque[Reply] = field(default_factory=deque)
    default: Reply = field(default_factory=Reply.answer)


class FakeLlmServer:
    """A threaded HTTP server on 127.0.0.1; subclasses turn a Reply into their wire format."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._script = _Script()
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                try:
                    body: Any = json.loads(data) if data else None
                except json.JSONDecodeError:
                    body = data.decode("utf-8", "replace")
                request = Request("POST", self.path, dict(self.headers.items()), body)
                status, payload = owner._handle(request)
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)  # a client that timed out has gone

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order."""
        with self._lock:
            self._script.queue.extend(replies)

    def set_default(self, reply: Reply) -> None:
        """Answer with this once the scripted replies are used up."""
        with self._lock:
            self._script.default = reply

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLlmServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            return self._script.queue.popleft() if self._script.queue else self._script.default

    def _handle(self, request: Request) -> tuple[int, bytes]:
        reply = self._next(request)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.raw is not None:
            return reply.status, reply.raw
        if reply.body is not None:
            return reply.status, json.dumps(reply.body).encode()
        return self.render(request, reply)

    def render(self, request: Request, reply: Reply) -> tuple[int, bytes]:
        raise NotImplementedError


_GENERATE = re.compile(r"^/v1beta/models/([^/:]+):generateContent$")
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

_MESSAGES = {
    429: "Resource has been exhausted (e.g. check quota).",
    500: "An internal error has occurred.",
    503: "The model is overloaded. Please try again later.",
}


class FakeGemini(FakeLlmServer):
    """POST /v1beta/models/{model}:generateContent, the Gemini API's REST shape."""

    api_key = "test-gemini-key"

    def generate_requests(self) -> list[Request]:
        return [r for r in self.requests if _GENERATE.match(r.path.split("?")[0])]

    def render(self, request: Request, reply: Reply) -> tuple[int, bytes]:
        match = _GENERATE.match(request.path.split("?")[0])
        if match is None:
            return 404, _google_error(404, f"no route {request.path}")
        if request.headers.get("x-goog-api-key") != self.api_key:
            return 400, _google_error(400, "API key not valid. Please pass a valid API key.")
        if reply.status != 200:
            return reply.status, _google_error(reply.status, _MESSAGES.get(reply.status, "Error"))
        model = match.group(1)
        body = {
            "candidates": [
                {
                    "content": {"parts": [{"text": reply.text or ""}], "role": "model"},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 120,
                "candidatesTokenCount": 40,
                "totalTokenCount": 160,
            },
            "modelVersion": model,
            "responseId": "fake-response-1",
        }
        return 200, json.dumps(body).encode()


def _google_error(code: int, message: str) -> bytes:
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "status": _STATUS_NAMES.get(code, "UNKNOWN"),
    }
    if code == 429:
        error["details"] = [
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}
        ]
    return json.dumps({"error": error}).encode()


class FakeOllama(FakeLlmServer):
    """POST /api/generate with "stream": false, Ollama's non-streaming reply."""

    models = ("llama3.2",)

    def generate_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/api/generate"]

    def render(self, request: Request, reply: Reply) -> tuple[int, bytes]:
        if request.path != "/api/generate":
            return 404, b"404 page not found"
        body = request.body if isinstance(request.body, dict) else {}
        model = str(body.get("model", ""))
        if model not in self.models:
            return 404, json.dumps({"error": f"model '{model}' not found"}).encode()
        if reply.status != 200:
            return reply.status, json.dumps({"error": "server busy"}).encode()
        answer = {
            "model": model,
            "created_at": "2025-03-14T08:00:00.000000Z",
            "response": reply.text or "",
            "done": True,
            "done_reason": "stop",
            "context": [1, 2, 3],
            "total_duration": 1_200_000_000,
            "load_duration": 10_000_000,
            "prompt_eval_count": 120,
            "prompt_eval_duration": 300_000_000,
            "eval_count": 40,
            "eval_duration": 800_000_000,
        }
        return 200, json.dumps(answer).encode()
