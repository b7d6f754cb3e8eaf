"""The trash: restore one file, empty it all. (DELETE /files/{id} and GET /files?trashed=true
live with the other file routes.)"""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.ids import file_id_or_404
from drive2.api.schemas import FileOut

router = APIRouter(tags=["trash"])


@router.post("/files/{file_id}/restore", response_model=FileOut)
async def restore(file_id: str, user: UserDep, c: ContainerDep) -> FileOut:
    return FileOut.of(await run_in_threadpool(c.trash.restore, user, file_id_or_404(file_id)))


@router.post("/trash/empty", status_code=204)
async def empty_trash(user: UserDep, c: ContainerDep) -> Response:
    await run_in_threadpool(c.trash.empty, user)
    return Response(status_code=204)
