"""LINE: the bot's webhook, account-link codes, and the signed file links used in messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.downloads import download_media_type, head_response, safe_headers
from drive2.domain.errors import NotFoundError
from drive2.services.line_signature import signature_is_valid

router = APIRouter(prefix="/line", tags=["line"])


class LinkCodeOut(BaseModel):
    code: str
    expires_at: datetime


@router.post("/link-code", response_model=LinkCodeOut)
async def link_code(user: UserDep, c: ContainerDep) -> LinkCodeOut:
    """A one-time code (valid LINE_LINK_CODE_TTL_SECONDS) to send to the bot as a message."""
    code = await run_in_threadpool(c.line_bot.create_link_code, user)
    return LinkCodeOut(code=code.code, expires_at=code.expires_at)


@router.post("/webhook")
async def webhook(
    request: Request,
    background: BackgroundTasks,
    c: ContainerDep,
    x_line_signature: Annotated[str | None, Header()] = None,
) -> Response:
    """Events from LINE. Without a signature nothing is read; the body (at most
    MAX_REQUEST_BODY_BYTES, else 413 while it streams) is checked against the signature
    before anything parses it; the events are handled after the answer, so LINE never waits
    on a download."""
    secret = c.settings.line_channel_secret
    if not secret:
        return JSONResponse({"detail": "LINE is not configured on this server"}, 503)
    if not x_line_signature:
        return _bad_signature()
    body = await request.body()
    if not signature_is_valid(secret, body, x_line_signature):
        return _bad_signature()
    events = c.line_bot.parse_webhook(body)
    background.add_task(c.line_bot.handle_events, events)
    return JSONResponse({})


def _bad_signature() -> JSONResponse:
    # Connection: close, because an unsigned body may still be on its way and is never read.
    return JSONResponse(
        {"detail": "invalid or missing X-Line-Signature"}, 401, headers={"Connection": "close"}
    )


def _checked_id(file_id: str) -> str:
    try:
        return str(uuid.UUID(file_id))
    except ValueError:
        raise NotFoundError("file not found") from None


@router.get("/files/{file_id}/thumbnail", responses={200: {"content": {"image/jpeg": {}}}})
async def signed_thumbnail(
    file_id: str, c: ContainerDep, exp: Annotated[int, Query()], sig: Annotated[str, Query()]
) -> Response:
    """The thumbnail for LINE's image fetcher, by a signed, expiring link (no token)."""
    user, f = await run_in_threadpool(
        c.line_bot.file_for_link, "thumbnail", _checked_id(file_id), exp, sig
    )
    chunks = await run_in_threadpool(c.files.open_thumbnail, user, f.id)
    return StreamingResponse(
        iterate_in_threadpool(chunks),
        media_type="image/jpeg",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"},
    )


@router.get("/files/{file_id}/preview", responses={200: {"content": {"image/jpeg": {}}}})
async def signed_preview(
    file_id: str, c: ContainerDep, exp: Annotated[int, Query()], sig: Annotated[str, Query()]
) -> Response:
    """The preview (JPEG within PREVIEW_SIZE²), by a signed, expiring link: what a LINE
    message opens to show the picture itself."""
    user, f = await run_in_threadpool(
        c.line_bot.file_for_link, "preview", _checked_id(file_id), exp, sig
    )
    chunks = await run_in_threadpool(c.files.open_preview, user, f.id)
    return StreamingResponse(
        iterate_in_threadpool(chunks),
        media_type="image/jpeg",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"},
    )


@router.head("/files/{file_id}/download", include_in_schema=False)
@router.get("/files/{file_id}/download")
async def signed_download(
    file_id: str,
    request: Request,
    c: ContainerDep,
    exp: Annotated[int, Query()],
    sig: Annotated[str, Query()],
) -> Response:
    """The original, by the signed link behind a message's "Open file" button: served like
    /files/{id}/download (attachment, nosniff, a type no browser runs), whole files only."""
    _, f = await run_in_threadpool(
        c.line_bot.file_for_link, "download", _checked_id(file_id), exp, sig
    )
    headers = {**safe_headers(f.filename), "Content-Length": str(f.size_bytes)}
    headers.pop("Accept-Ranges", None)
    media_type = download_media_type(f.content_type)
    if request.method == "HEAD":
        return head_response(200, media_type, headers)
    chunks = await run_in_threadpool(c.files.open_original, f, None)
    return StreamingResponse(iterate_in_threadpool(chunks), media_type=media_type, headers=headers)
