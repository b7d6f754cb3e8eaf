"""What a share link opens, for anyone holding it (no account): GET /s/{token} (a page),
/s/{token}/download (the bytes; Range and HEAD too) and /s/{token}/thumbnail.

Unknown, revoked and expired links and shared files now in the trash all answer 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from drive2.api.deps import ContainerDep
from drive2.api.downloads import download_media_type, safe_headers
from drive2.domain.errors import NotFoundError, TooManyAttemptsError
from drive2.services.files import InvalidRangeError
from drive2.web.share_page import SHARE_PAGE_HEADERS, share_page, unavailable_page

router = APIRouter(prefix="/s", tags=["share links"])

_BYTES = {"*/*": {"schema": {"type": "string", "format": "binary"}}}


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/{token}", response_class=HTMLResponse)
async def shared_page(token: str, request: Request, c: ContainerDep) -> HTMLResponse:
    try:
        shared = await run_in_threadpool(c.shares.open, token, _address(request))
    except NotFoundError:
        return HTMLResponse(
            unavailable_page("It was revoked, has expired, or never existed."),
            status_code=404,
            headers=SHARE_PAGE_HEADERS,
        )
    except TooManyAttemptsError as exc:
        return HTMLResponse(
            unavailable_page("Too many requests; try again in a few minutes."),
            status_code=429,
            headers={**SHARE_PAGE_HEADERS, "Retry-After": str(exc.retry_after_seconds)},
        )
    f = shared.file
    html = share_page(
        token,
        f.filename,
        f.content_type,
        f.size_bytes,
        f.thumbnail_key is not None,
        shared.share.expires_at,
        c.settings.timezone,
    )
    return HTMLResponse(html, headers=SHARE_PAGE_HEADERS)


_DOWNLOAD_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The original bytes", "content": _BYTES},
    206: {"description": "The requested range of the bytes", "content": _BYTES},
    416: {"description": "The range is outside the file"},
}


async def shared_download(
    token: str,
    request: Request,
    c: ContainerDep,
    range_header: Annotated[str | None, Header(alias="range")] = None,
) -> Response:
    shared = await run_in_threadpool(c.shares.open, token, _address(request), True)
    f = shared.file
    headers = {**safe_headers(f.filename), "Referrer-Policy": "no-referrer"}
    try:
        byte_range = c.files.parse_range(range_header, f.size_bytes)
    except InvalidRangeError as exc:
        return Response(
            status_code=416, headers={**headers, "Content-Range": f"bytes */{exc.size}"}
        )
    status = 200
    headers["Content-Length"] = str(f.size_bytes)
    if byte_range is not None:
        status = 206
        headers["Content-Length"] = str(byte_range.end - byte_range.start + 1)
        headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{f.size_bytes}"
    media_type = download_media_type(f.content_type)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media_type)
    chunks = await run_in_threadpool(c.files.open_original, f, byte_range)
    if byte_range is None or byte_range.start == 0:
        # One download, not every range request a video player makes while seeking.
        await run_in_threadpool(c.shares.note_download, shared)
    return StreamingResponse(
        iterate_in_threadpool(chunks), status_code=status, media_type=media_type, headers=headers
    )


for _method in ("GET", "HEAD"):
    # One route per method, so each has its own OpenAPI operation id.
    router.add_api_route(
        "/{token}/download",
        shared_download,
        methods=[_method],
        name=f"shared_download_{_method.lower()}",
        response_class=Response,
        responses=_DOWNLOAD_RESPONSES,
    )


@router.get("/{token}/thumbnail", responses={200: {"content": {"image/jpeg": {}}}})
async def shared_thumbnail(token: str, request: Request, c: ContainerDep) -> Response:
    shared = await run_in_threadpool(c.shares.open, token, _address(request))
    chunks = await run_in_threadpool(c.files.open_thumbnail, shared.owner, shared.file.id)
    return StreamingResponse(
        iterate_in_threadpool(chunks),
        media_type="image/jpeg",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )
