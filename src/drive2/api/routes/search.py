"""GET /search: a user's files by meaning, by words, or both."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.schemas import DateRangeOut, SearchItemOut, SearchOut
from drive2.domain.errors import InvalidInputError
from drive2.domain.moments import parse_client_moment
from drive2.ports.keyword_index import SearchFilters
from drive2.services.search import MAX_LIMIT, MAX_QUERY_CHARS, SearchMode

router = APIRouter(tags=["search"])


def parse_when(value: str | None, name: str, tz: str, end: bool) -> datetime | None:
    """An ISO date or date-time. A bare date is that day in the drive's time zone, and as
    `to` it includes the whole day; a date-time without an offset is in that zone too."""
    if value is None or not value.strip():
        return None
    parse_client_moment(value, name, tz, end)  # 422 past the calendar's edge, not a 500
    raw = value.strip()
    zone = ZoneInfo(tz)
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), zone)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(f"{name} must be an ISO date or date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_day(value: str | None, name: str, tz: str) -> date | None:
    """An ISO date (a date-time counts as its day in the drive's time zone)."""
    moment = parse_when(value, name, tz, end=False)
    if moment is None:
        return None
    if value is not None and len(value.strip()) == 10:
        return date.fromisoformat(value.strip())
    return moment.astimezone(ZoneInfo(tz)).date()


@router.get("/search", response_model=SearchOut)
async def search(
    user: UserDep,
    c: ContainerDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
    mode: SearchMode = SearchMode.HYBRID,
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT)] = None,
    type: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[str | None, Query(max_length=128)] = None,
    # from/to: the files' document_date (the date their content states), both days included.
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: Annotated[str | None, Query()] = None,
    # Additive: the upload time, as from/to were read before document dates.
    uploaded_from: Annotated[str | None, Query()] = None,
    uploaded_to: Annotated[str | None, Query()] = None,
) -> SearchOut:
    tz = c.settings.timezone
    filters = SearchFilters(
        content_type=type,
        tag=tag,
        uploaded_from=parse_when(uploaded_from, "uploaded_from", tz, end=False),
        uploaded_to=parse_when(uploaded_to, "uploaded_to", tz, end=True),
        dated_from=parse_day(from_, "from", tz),
        dated_to=parse_day(to, "to", tz),
    )
    results = await run_in_threadpool(c.search.search, user, q, mode, limit, filters)
    dates = results.dates
    return SearchOut(
        date_range=DateRangeOut(start=dates.start, end=dates.end, phrase=dates.phrase)
        if dates
        else None,
        items=[
            SearchItemOut(
                file_id=r.file_id,
                filename=r.filename,
                score=r.score,
                snippet=r.snippet,
                content_type=r.content_type,
                uploaded_at=r.uploaded_at,
                matched=list(r.matched),
                keyword_score=r.keyword_score,
                semantic_score=r.semantic_score,
            )
            for r in results
        ],
    )
