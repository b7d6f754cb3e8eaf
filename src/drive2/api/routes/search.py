"""GET /search: a user's files by meaning, by words, or both."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.schemas import SearchItemOut, SearchOut
from drive2.domain.moments import parse_client_moment
from drive2.services.search import MAX_LIMIT, MAX_QUERY_CHARS, SearchFilters, SearchMode

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchOut)
async def search(
    user: UserDep,
    c: ContainerDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
    mode: SearchMode = SearchMode.HYBRID,
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT)] = None,
    type: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[str | None, Query(max_length=128)] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: Annotated[str | None, Query()] = None,
) -> SearchOut:
    tz = c.settings.timezone
    filters = SearchFilters(
        content_type=type,
        tag=tag,
        uploaded_from=parse_client_moment(from_, "from", tz, end=False),
        uploaded_to=parse_client_moment(to, "to", tz, end=True),
    )
    results = await run_in_threadpool(c.search.search, user, q, mode, limit, filters)
    return SearchOut(
        items=[
            SearchItemOut(
                file_id=r.file_id,
                filename=r.filename,
                score=r.score,
                snippet=r.snippet,
                content_type=r.content_type,
                uploaded_at=r.uploaded_at,
            )
            for r in results
        ]
    )
