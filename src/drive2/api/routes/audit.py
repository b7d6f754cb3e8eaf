"""The signed-in user's audit log: what was done to their files, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.ids import file_id_or_404
from drive2.api.share_schemas import AuditEntryOut, AuditListOut
from drive2.services.audit import MAX_PAGE

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditListOut)
async def audit_log(
    user: UserDep,
    c: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    file_id: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditListOut:
    wanted = file_id_or_404(file_id) if file_id else None
    entries, total = await run_in_threadpool(c.audit.entries, user, limit, offset, wanted)
    return AuditListOut(items=[AuditEntryOut.of(e) for e in entries], total=total)
