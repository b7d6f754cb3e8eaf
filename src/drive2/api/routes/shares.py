"""Share links, for their owner: make one, list them, revoke one."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.ids import file_id_or_404, share_id_or_404
from drive2.api.share_schemas import ShareCreatedOut, ShareIn, ShareListOut, ShareOut

router = APIRouter(tags=["shares"])


@router.post("/files/{file_id}/shares", status_code=201, response_model=ShareCreatedOut)
async def create_share(
    file_id: str, body: ShareIn, request: Request, user: UserDep, c: ContainerDep
) -> Response:
    created = await run_in_threadpool(
        c.shares.create, user, file_id_or_404(file_id), body.expires_in_days
    )
    out = ShareCreatedOut(
        id=created.share.id,
        url=created.url(c.shares.base_url(str(request.base_url))),
        expires_at=created.share.expires_at,
    )
    # The token is in this answer only: no cache may keep it.
    return Response(
        out.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/files/{file_id}/shares", response_model=ShareListOut)
async def list_shares(file_id: str, user: UserDep, c: ContainerDep) -> ShareListOut:
    shares = await run_in_threadpool(c.shares.list_shares, user, file_id_or_404(file_id))
    now = datetime.now(UTC)
    return ShareListOut(items=[ShareOut.of(s, now) for s in shares])


@router.delete("/shares/{share_id}", status_code=204)
async def revoke_share(share_id: str, user: UserDep, c: ContainerDep) -> Response:
    await run_in_threadpool(c.shares.revoke, user, share_id_or_404(share_id))
    return Response(status_code=204)
