"""Many files at once: one action over a selection, or a zip of their originals."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.downloads import content_disposition
from drive2.api.share_schemas import ArchiveIn, BulkIn, BulkOut, BulkResultOut

router = APIRouter(prefix="/files", tags=["files"])


@router.post("/bulk", response_model=BulkOut)
async def bulk(body: BulkIn, user: UserDep, c: ContainerDep) -> BulkOut:
    results = await run_in_threadpool(c.bulk.run, user, body.action, body.file_ids, body.tags)
    return BulkOut(results=[BulkResultOut.of(r) for r in results])


@router.post(
    "/archive",
    response_class=Response,
    responses={200: {"description": "A zip of the originals", "content": {"application/zip": {}}}},
)
async def archive(body: ArchiveIn, user: UserDep, c: ContainerDep) -> StreamingResponse:
    plan = await run_in_threadpool(c.archives.plan, user, body.file_ids)
    return StreamingResponse(
        iterate_in_threadpool(c.archives.stream(plan)),
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(plan.download_name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
