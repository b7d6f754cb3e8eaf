"""A reader of server-sent events over real HTTP, in a thread, for the stream tests."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Event:
    event: str
    data: str
    id: str | None

    def json(self) -> Any:
        return json.loads(self.data)


class EventReader:
    """Reads one stream in a background thread; `next()` hands out its events in order."""

    def __init__(self, url: str, headers: dict[str, str], cookies: dict[str, str] | None = None):
        self.events: queue.Queue[Event] = queue.Queue()
        self.status: int | None = None
        self.content_type = ""
        self.comments: list[str] = []
        self._client = httpx.Client(cookies=cookies, timeout=httpx.Timeout(30, read=None))
        self._opened = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, headers), daemon=True)
        self._thread.start()
        assert self._opened.wait(30), "the stream did not answer"

    def _run(self, url: str, headers: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                self.status = response.status_code
                self.content_type = response.headers.get("content-type", "")
                self._opened.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith(":"):
                        self.comments.append(line[1:].strip())
                    elif line == "":
                        if "data" in fields:
                            self.events.put(
                                Event(
                                    fields.get("event", "message"), fields["data"], fields.get("id")
                                )
                            )
                        fields = {}
                    else:
                        name, _, value = line.partition(":")
                        fields[name] = value[1:] if value.startswith(" ") else value
        except httpx.HTTPError:
            pass
        finally:
            self._opened.set()

    def next(self, timeout: float = 30.0) -> Event:
        return self.events.get(timeout=timeout)

    def until(self, predicate: Any, timeout: float = 30.0) -> list[Event]:
        """Events up to and including the first that satisfies the predicate."""
        seen: list[Event] = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching event in {timeout}s; saw {seen}")
            try:
                event = self.next(left)
            except queue.Empty:
                continue
            seen.append(event)
            if predicate(event):
                return seen

    def drain(self, wait: float) -> list[Event]:
        """Whatever arrives within `wait` seconds."""
        out: list[Event] = []
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            try:
                out.append(self.next(left))
            except queue.Empty:
                break
        return out

    def close(self) -> None:
        self._stop.set()
        self._client.close()
        self._thread.join(10)
