from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.downloads import (
    download_media_type,
    head_response,
    inline_headers,
    safe_headers,
)
from drive2.api.metrics import UPLOAD_BYTES, UPLOADS
from drive2.api.multipart_reader import MultipartLimits, read_multipart
from drive2.api.schemas import (
    FileListOut,
    FileOut,
    FilePatchIn,
    ReprocessOut,
    StageOut,
    StatusOut,
    UploadOut,
)
from drive2.domain.errors import InvalidInputError, NotFoundError
from drive2.services.files import InvalidRangeError

router = APIRouter(prefix="/files", tags=["files"])


def _file_id(file_id: str) -> str:
    """Ids are UUIDs; anything else cannot be a file of this user."""
    try:
        return str(uuid.UUID(file_id))
    except ValueError:
        raise NotFoundError("file not found") from None


# The body is read as a stream (multipart_reader), not through a FastAPI parameter; the
# schema still says what to send.
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "/upload",
    status_code=202,
    response_model=UploadOut,
    responses={200: {"model": UploadOut, "description": "The same content again"}},
    openapi_extra=_UPLOAD_BODY,
)
async def upload(
    request: Request,
    user: UserDep,
    c: ContainerDep,
    content_length: Annotated[str | None, Header()] = None,
) -> Response:
    declared = int(content_length) if content_length and content_length.isdigit() else None
    remaining = await c.uploads.precheck(user, declared)
    events = read_multipart(
        request.headers.get("content-type"), request.stream(), MultipartLimits.of(c.settings)
    )
    outcome = await c.uploads.receive(user, events, remaining)
    UPLOADS.labels("duplicate" if outcome.duplicate else "accepted").inc()
    if not outcome.duplicate:
        UPLOAD_BYTES.inc(outcome.file.size_bytes)
    f = outcome.file
    body = UploadOut(
        file_id=f.id,
        status=f.status.value,
        filename=f.filename,
        size_bytes=f.size_bytes,
        content_type=f.content_type,
        checksum_sha256=f.checksum_sha256,
        duplicate=outcome.duplicate,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if outcome.duplicate else 202)


@router.get("", response_model=FileListOut)
async def list_files(
    user: UserDep,
    c: ContainerDep,
    status: str | None = None,
    tag: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    # Bounded so that any accepted value fits every database's integer.
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    # Additive to DESIGN.md section 4, for the web app: the order and a content-type filter.
    sort: Annotated[str | None, Query(max_length=32)] = None,
    type: Annotated[str | None, Query(max_length=1000)] = None,
    trashed: bool = False,
) -> FileListOut:
    items, total = await run_in_threadpool(
        c.files.list_files, user, status, tag, limit, offset, sort, type, trashed
    )
    return FileListOut(items=[FileOut.of(f) for f in items], total=total)


@router.get("/{file_id}", response_model=FileOut)
async def get_file(file_id: str, user: UserDep, c: ContainerDep) -> FileOut:
    return FileOut.of(await run_in_threadpool(c.files.get, user, _file_id(file_id)))


@router.get("/{file_id}/status", response_model=StatusOut)
async def file_status(file_id: str, user: UserDep, c: ContainerDep) -> StatusOut:
    f, stages = await run_in_threadpool(c.files.stages, user, _file_id(file_id))
    out = FileOut.of(f)
    return StatusOut(
        file_id=f.id,
        status=out.status,
        progress=f.progress,
        stage=f.stage,
        attempts=f.attempts,
        error=f.error,
        processed_at=f.processed_at,
        ai=out.ai,
        stages=[StageOut.of(s) for s in stages],
    )


@router.post("/{file_id}/reprocess", status_code=202, response_model=ReprocessOut)
async def reprocess(file_id: str, user: UserDep, c: ContainerDep) -> ReprocessOut:
    f = await run_in_threadpool(c.files.reprocess, user, _file_id(file_id))
    return ReprocessOut(file_id=f.id, status=f.status.value)


_BYTES = {"*/*": {"schema": {"type": "string", "format": "binary"}}}


# HEAD answers like GET without a body (and without opening the object); it is left out of
# the schema, where it would repeat the GET operation.
@router.head("/{file_id}/download", include_in_schema=False)
@router.get(
    "/{file_id}/download",
    response_class=Response,
    responses={
        200: {"description": "The original bytes", "content": _BYTES},
        206: {"description": "The requested range of the bytes", "content": _BYTES},
        416: {"description": "The range is outside the file"},
    },
)
async def download(
    file_id: str,
    request: Request,
    user: UserDep,
    c: ContainerDep,
    range_header: Annotated[str | None, Header(alias="range")] = None,
    # Additive (issue 16): "inline" shows a PDF in the browser's viewer; any other type is
    # still served as an attachment.
    disposition: Annotated[Literal["attachment", "inline"], Query()] = "attachment",
) -> Response:
    f = await run_in_threadpool(c.files.get, user, _file_id(file_id))
    headers = safe_headers(f.filename)
    if disposition == "inline":
        headers = inline_headers(f.filename, download_media_type(f.content_type)) or headers
    try:
        byte_range = c.files.parse_range(range_header, f.size_bytes)
    except InvalidRangeError as exc:
        return Response(
            status_code=416, headers={**headers, "Content-Range": f"bytes */{exc.size}"}
        )
    if byte_range is None:
        headers["Content-Length"] = str(f.size_bytes)
        status = 200
    else:
        headers["Content-Length"] = str(byte_range.end - byte_range.start + 1)
        headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{f.size_bytes}"
        status = 206
    media_type = download_media_type(f.content_type)
    if request.method == "HEAD":
        return head_response(status, media_type, headers)
    chunks = await run_in_threadpool(c.files.open_original, f, byte_range)
    return StreamingResponse(
        iterate_in_threadpool(chunks), status_code=status, media_type=media_type, headers=headers
    )


@router.get("/{file_id}/thumbnail", responses={200: {"content": {"image/jpeg": {}}}})
async def thumbnail(file_id: str, user: UserDep, c: ContainerDep) -> Response:
    chunks = await run_in_threadpool(c.files.open_thumbnail, user, _file_id(file_id))
    return StreamingResponse(
        iterate_in_threadpool(chunks),
        media_type="image/jpeg",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"},
    )


@router.get("/{file_id}/preview", responses={200: {"content": {"image/jpeg": {}}}})
async def preview(file_id: str, user: UserDep, c: ContainerDep) -> Response:
    """The larger rendition of an image or a PDF's first page (JPEG within PREVIEW_SIZE²)."""
    chunks = await run_in_threadpool(c.files.open_preview, user, _file_id(file_id))
    return StreamingResponse(
        iterate_in_threadpool(chunks),
        media_type="image/jpeg",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"},
    )


@router.get("/{file_id}/text", response_class=PlainTextResponse)
async def text(file_id: str, user: UserDep, c: ContainerDep) -> PlainTextResponse:
    content = await run_in_threadpool(c.files.text, user, _file_id(file_id))
    return PlainTextResponse(
        content,
        media_type="text/plain; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.patch("/{file_id}", response_model=FileOut)
async def patch_file(file_id: str, body: FilePatchIn, user: UserDep, c: ContainerDep) -> FileOut:
    if body.filename is None and body.tags is None:
        raise InvalidInputError("send filename, tags or both")
    f = await run_in_threadpool(c.files.update, user, _file_id(file_id), body.filename, body.tags)
    return FileOut.of(f)


@router.delete("/{file_id}", status_code=204)
async def delete_file(
    file_id: str, user: UserDep, c: ContainerDep, permanent: bool = False
) -> Response:
    """To the trash (restorable); with permanent=true, gone with its objects and vectors."""
    remove = c.trash.delete_for_good if permanent else c.trash.trash
    await run_in_threadpool(remove, user, _file_id(file_id))
    return Response(status_code=204)
