"""A local HTTP server that speaks the LINE Messaging API's wire format, so the real
line-bot-sdk (and the httpx content reader) run against it.

Endpoints: POST /v2/bot/message/push and /v2/bot/message/reply (JSON, Bearer token checked,
X-Line-Retry-Key honoured the way LINE does: a key already accepted answers 409), GET
/v2/bot/message/{id}/content and /content/transcoding (the data API). Every request is
logged; the next push answers can be scripted (429 with Retry-After, 400, 500 ...).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "test-line-channel-token"
SECRET = "test-line-channel-secret"

_CONTENT = re.compile(r"^/v2/bot/message/([^/]+)/content(/transcoding)?$")


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float  # time.time() when received

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class FakeLine:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.contents: dict[str, tuple[bytes, str]] = {}
        self._push_script: deque[Answer] = deque()
        self._accepted_keys: set[str] = set()
        self._accepted_ids: list[int] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    body = raw.decode("utf-8", "replace")
                seen = Seen("POST", self.path, dict(self.headers.items()), body, time.time())
                status, payload, headers = owner._post(seen)
                self._send(status, payload, {"Content-Type": "application/json", **headers})

            def do_GET(self) -> None:
                seen = Seen("GET", self.path, dict(self.headers.items()), None, time.time())
                status, payload, headers = owner._get(seen)
                self._send(status, payload, headers)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    # --- test controls -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def env(self) -> dict[str, str]:
        return {
            "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_API_BASE_URL": self.url,
            "LINE_DATA_API_BASE_URL": self.url,
        }

    def script_push(self, *answers: Answer) -> None:
        """Answer the next pushes with these, in order (then 200 again)."""
        with self._lock:
            self._push_script.extend(answers)

    def add_content(self, message_id: str, data: bytes, content_type: str) -> None:
        self.contents[message_id] = (data, content_type)

    def pushes(self, to: str | None = None) -> list[Seen]:
        with self._lock:
            found = [r for r in self.requests if r.path == "/v2/bot/message/push"]
        return [r for r in found if to is None or r.body.get("to") == to]

    def accepted_pushes(self, to: str | None = None) -> list[Seen]:
        """Pushes LINE would have delivered (answered 200)."""
        with self._lock:
            accepted = set(self._accepted_ids)
        return [r for r in self.pushes(to) if id(r) in accepted]

    def replies(self) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == "/v2/bot/message/reply"]

    def reply_texts(self) -> list[str]:
        return [m.get("text", "") for r in self.replies() for m in r.body.get("messages", [])]

    def wait_for(self, predicate: Any, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.1)
        raise AssertionError(f"condition not met in {timeout}s; requests: {self.summary()}")

    def summary(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(r.method, r.path) for r in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the API ------------------------------------------------------------------------------
    def _authorised(self, seen: Seen) -> bool:
        return seen.header("Authorization") == f"Bearer {TOKEN}"

    def _post(self, seen: Seen) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            self.requests.append(seen)
        if not self._authorised(seen):
            return 401, _error("Authentication failed"), {}
        if seen.path not in ("/v2/bot/message/push", "/v2/bot/message/reply"):
            return 404, _error("Not found"), {}
        body = seen.body if isinstance(seen.body, dict) else {}
        messages = body.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            return 400, _error("The request body has 1 error(s)", "messages: size 1..5"), {}
        if seen.path == "/v2/bot/message/reply":
            if not body.get("replyToken"):
                return 400, _error("Invalid reply token"), {}
            sent = [{"id": str(uuid.uuid4().int)[:18], "quoteToken": "q"} for _ in messages]
            return 200, json.dumps({"sentMessages": sent}).encode(), {}
        if not isinstance(body.get("to"), str) or not body["to"]:
            return 400, _error("The property, 'to', in the request body is invalid"), {}
        key = seen.header("X-Line-Retry-Key")
        with self._lock:
            if key and key in self._accepted_keys:
                return (
                    409,
                    _error("The retry key is already accepted"),
                    {"x-line-accepted-request-id": str(uuid.uuid4())},
                )
            answer = self._push_script.popleft() if self._push_script else Answer()
            if answer.status == 200:
                if key:
                    self._accepted_keys.add(key)
                self._accepted_ids.append(id(seen))
        payload = (
            json.dumps(answer.body).encode()
            if answer.body is not None
            else (
                b'{"sentMessages": [{"id": "1", "quoteToken": "q"}]}'
                if answer.status == 200
                else _error(f"error {answer.status}")
            )
        )
        return answer.status, payload, dict(answer.headers)

    def _get(self, seen: Seen) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            self.requests.append(seen)
        if not self._authorised(seen):
            return 401, _error("Authentication failed"), {"Content-Type": "application/json"}
        match = _CONTENT.match(seen.path)
        if match is None or match.group(1) not in self.contents:
            return 404, _error("Not found"), {"Content-Type": "application/json"}
        if match.group(2):
            return 200, b'{"status": "succeeded"}', {"Content-Type": "application/json"}
        data, content_type = self.contents[match.group(1)]
        return 200, data, {"Content-Type": content_type}


def _error(message: str, *details: str) -> bytes:
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = [{"message": d, "property": ""} for d in details]
    return json.dumps(body).encode()
