"""GET /ask: the answer to a question from the caller's own files, with its sources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.schemas import AskOut, CitationOut
from drive2.services.ask import MAX_CITATIONS, MAX_QUESTION_CHARS

router = APIRouter(tags=["ask"])


@router.get("/ask", response_model=AskOut)
async def ask(
    user: UserDep,
    c: ContainerDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS)],
    limit: Annotated[int | None, Query(ge=1, le=MAX_CITATIONS)] = None,
) -> AskOut:
    answer = await run_in_threadpool(c.ask.ask, user, q, limit, "api")
    return AskOut(
        answer=answer.text,
        found=answer.found,
        mode=answer.mode.value,
        citations=[
            CitationOut(file_id=x.file_id, filename=x.filename, quote=x.quote, score=x.score)
            for x in answer.citations
        ],
    )
