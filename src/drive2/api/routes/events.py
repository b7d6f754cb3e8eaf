"""GET /files/events: the signed-in user's file changes as server-sent events.

Each change is `event: file` with the file as GET /files/{id} answers it; the event id is
the newest change time sent, so a browser that reconnects (EventSource does so on its own)
resumes from there through Last-Event-ID.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.metrics import OPEN_STREAMS
from drive2.api.schemas import FileOut
from drive2.domain.moments import resume_point
from drive2.services.file_events import OVERLAP, FileChangeWatcher

router = APIRouter(prefix="/files", tags=["files"])

HEARTBEAT_SECONDS = 15.0
RECONNECT_MS = 2000


def _start(last_event_id: str | None) -> tuple[datetime, bool]:
    """Resume after Last-Event-ID; a new stream also sends what changed in the last moments,
    so a page that loads its list and then opens the stream misses nothing in between."""
    now = datetime.now(UTC)
    moment = resume_point(last_event_id, now)
    if moment is not None:
        return moment, True
    return now - OVERLAP, False


@router.get("/events", response_class=StreamingResponse)
async def file_events(
    request: Request,
    user: UserDep,
    c: ContainerDep,
    last_event_id: Annotated[str | None, Header(alias="last-event-id", max_length=64)] = None,
) -> StreamingResponse:
    start, resumed = _start(last_event_id)
    watcher = FileChangeWatcher(c.repo, user.id, start, resumed)
    interval = c.settings.events_poll_seconds

    async def stream() -> AsyncIterator[str]:
        OPEN_STREAMS.inc()
        try:
            yield f"retry: {RECONNECT_MS}\n: connected\n\n"
            quiet_since = time.monotonic()
            while not await request.is_disconnected():
                changed = await run_in_threadpool(watcher.changes)
                for f in changed:
                    data = json.dumps(FileOut.of(f).model_dump(mode="json"), separators=(",", ":"))
                    yield f"id: {watcher.cursor.isoformat()}\nevent: file\ndata: {data}\n\n"
                if changed:
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
                    # Keeps proxies from closing an idle stream, and finds a gone client.
                    yield ": heartbeat\n\n"
                    quiet_since = time.monotonic()
                await asyncio.sleep(interval)
        finally:
            OPEN_STREAMS.dec()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
