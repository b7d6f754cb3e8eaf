"""GET /search/status: which embedding model search reads, and re-embedding progress (the web
app shows it while a model change is being filled in)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep

router = APIRouter(tags=["search"])


class SearchStatusOut(BaseModel):
    model: str  # the configured embedding model
    serving_model: str  # the one semantic search reads now
    state: str  # building | serving | pending (not recorded yet)
    files_done: int
    files_total: int
    percent: int


@router.get("/search/status", response_model=SearchStatusOut)
async def search_status(user: UserDep, c: ContainerDep) -> SearchStatusOut:
    status = await run_in_threadpool(c.reindex.status)
    return SearchStatusOut.model_validate(status.as_dict())
