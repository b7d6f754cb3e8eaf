"""Finding a user's files by meaning (semantic), by words (keyword), or both (hybrid).

Semantic: the query embedded by the same model as the chunks, the vector index asked for the
nearest chunks of this user's files only (restricted further to the files the filters allow),
chunk hits folded into files by their best chunk. Keyword: the keyword index (FTS5 /
PostgreSQL full text). Hybrid: reciprocal rank fusion (k = 60) of the two file rankings.
Every result is checked against the user's own files before it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from drive2.config import Settings
from drive2.domain.errors import InvalidInputError
from drive2.domain.models import User
from drive2.domain.query_dates import QueryDates, parse_query_dates
from drive2.ports.embedder import Embedder
from drive2.ports.vector_index import VectorIndex
from drive2.services.names import normalise_tags

RRF_K = 60
MAX_LIMIT = 100
MAX_QUERY_CHARS = 1000
SNIPPET_CHARS = 200
#: Chunks asked of the vector index per file wanted: several chunks of one file may lead.
CHUNKS_PER_FILE = 5


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    SEMANTIC = "semantic"
    KEYWORD = "keyword"


@dataclass(frozen=True)
class SearchFilters:
    content_type: str | None = None  # a prefix: "image", "application/pdf"; or a subtype "pdf"
    tag: str | None = None
    uploaded_from: datetime | None = None  # inclusive
    uploaded_to: datetime | None = None  # exclusive
    #: The file's document_date (the date its content states), both ends inclusive.
    dated_from: date | None = None
    dated_to: date | None = None

    @property
    def active(self) -> bool:
        return any(
            v is not None
            for v in (
                self.content_type,
                self.tag,
                self.uploaded_from,
                self.uploaded_to,
                self.dated_from,
                self.dated_to,
            )
        )

    def within(self, dates: QueryDates) -> SearchFilters:
        """Narrowed to the days a query named as well (the later start, the earlier end)."""
        start = max((d for d in (self.dated_from, dates.start) if d), default=None)
        end = min((d for d in (self.dated_to, dates.end) if d), default=None)
        return replace(self, dated_from=start, dated_to=end)


class SearchResults(list["SearchResult"]):
    """The results, best first, and the date range read from the query (None when it named
    none): a list, so callers that want only the results need nothing else."""

    dates: QueryDates | None = None


@dataclass(frozen=True)
class KeywordHit:
    file_id: str
    score: float


@dataclass(frozen=True)
class FileSummary:
    file_id: str
    filename: str
    content_type: str
    uploaded_at: datetime | None
    text: str  # the extracted text (its first part, for long ones)
    summary: str | None


@dataclass(frozen=True)
class SearchResult:
    file_id: str
    filename: str
    score: float
    snippet: str
    content_type: str
    uploaded_at: datetime | None


class KeywordIndex(Protocol):
    """The keyword side, over the database (adapters/db/keyword_index.py)."""

    def query_terms(self, query: str) -> list[str]: ...

    def search(
        self, user_id: str, query: str, limit: int, filters: SearchFilters
    ) -> list[KeywordHit]: ...

    def file_ids(self, user_id: str, filters: SearchFilters) -> list[str]:
        """Every file of the user that the filters allow."""
        ...

    def newest(self, user_id: str, filters: SearchFilters, limit: int) -> list[str]:
        """The user's files that the filters allow, latest document date first."""
        ...

    def files(self, user_id: str, file_ids: list[str]) -> dict[str, FileSummary]:
        """Those of the given files that are the user's."""
        ...


@dataclass(frozen=True)
class _Ranked:
    file_id: str
    score: float
    snippet: str | None = None  # semantic hits carry their best chunk


def _clean(text: str) -> str:
    return " ".join(text.split())


def _trim(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = _clean(text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,.;:") + "…"


def keyword_snippet(text: str, terms: list[str], limit: int = SNIPPET_CHARS) -> str | None:
    """About `limit` characters of plain text around the first place a query word occurs."""
    flat = _clean(text)
    lowered = flat.lower()
    positions = [p for p in (lowered.find(t) for t in terms if t) if p >= 0]
    if not positions:
        return None
    first = min(positions)
    start = max(0, first - limit // 3)
    if start:
        space = flat.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = min(len(flat), start + limit)
    if end < len(flat):
        space = flat.rfind(" ", first, end)
        end = space if space > first else end
    return ("…" if start else "") + flat[start:end].strip() + ("…" if end < len(flat) else "")


def rrf(rankings: list[list[str]], k: int = RRF_K) -> dict[str, float]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, file_id in enumerate(ranking, start=1):
            scores[file_id] = scores.get(file_id, 0.0) + 1.0 / (k + rank)
    return scores


class SearchService:
    def __init__(
        self,
        keyword: KeywordIndex,
        vectors: VectorIndex,
        embedder: Embedder,
        settings: Settings,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.keyword = keyword
        self.vectors = vectors
        self.embedder = embedder
        self.settings = settings
        zone = ZoneInfo(settings.timezone)
        self._today = today or (lambda: datetime.now(zone).date())

    def search(
        self,
        user: User,
        query: str,
        mode: str = SearchMode.HYBRID,
        limit: int | None = None,
        filters: SearchFilters | None = None,
    ) -> SearchResults:
        query = " ".join((query or "").split())
        if not query:
            raise InvalidInputError("q must not be empty")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidInputError(f"q is longer than {MAX_QUERY_CHARS} characters")
        try:
            wanted = SearchMode(mode)
        except ValueError:
            raise InvalidInputError(
                f"mode must be one of {', '.join(m.value for m in SearchMode)}"
            ) from None
        limit = max(1, min(limit or self.settings.search_default_limit, MAX_LIMIT))
        filters = self._normalised(filters or SearchFilters())
        # "receipts from April 2024": the dates filter, the rest is searched; a query that
        # is only a date lists the files of those days, latest first.
        dates = parse_query_dates(query, self._today())
        if dates is not None:
            query, filters = dates.rest, filters.within(dates)
        if dates is not None and not query:
            ranked = self._dated(user, limit, filters)
        elif wanted is SearchMode.KEYWORD:
            ranked = self._keyword(user, query, limit, filters)
        elif wanted is SearchMode.SEMANTIC:
            ranked = self._semantic(user, query, limit, filters)
        else:
            depth = max(limit * 3, 30)
            by_keyword = self._keyword(user, query, depth, filters)
            by_meaning = self._semantic(user, query, depth, filters)
            fused = rrf([[r.file_id for r in by_keyword], [r.file_id for r in by_meaning]])
            chunks = {r.file_id: r.snippet for r in by_meaning}
            ranked = [
                _Ranked(fid, score, chunks.get(fid))
                for fid, score in sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
            ][:limit]
        results = SearchResults(self._results(user, query, ranked, wanted))
        results.dates = dates
        return results

    def _dated(self, user: User, limit: int, filters: SearchFilters) -> list[_Ranked]:
        ids = self.keyword.newest(user.id, filters, limit)
        return [_Ranked(fid, 1.0 / (RRF_K + rank)) for rank, fid in enumerate(ids, start=1)]

    @staticmethod
    def _normalised(filters: SearchFilters) -> SearchFilters:
        tags = normalise_tags([filters.tag]) if filters.tag else []
        kind = (filters.content_type or "").strip().lower() or None
        if kind is not None and not re.fullmatch(r"[a-z0-9.+/-]+", kind):
            raise InvalidInputError("type must look like image, application/pdf or pdf")
        start, end = filters.uploaded_from, filters.uploaded_to
        if start and end and start >= end:
            raise InvalidInputError("uploaded_from must be before uploaded_to")
        if filters.dated_from and filters.dated_to and filters.dated_from > filters.dated_to:
            raise InvalidInputError("from must be before to (or the same day)")
        return replace(filters, content_type=kind, tag=tags[0] if tags else None)

    def _keyword(self, user: User, query: str, limit: int, filters: SearchFilters) -> list[_Ranked]:
        return [
            _Ranked(h.file_id, h.score) for h in self.keyword.search(user.id, query, limit, filters)
        ]

    def _semantic(
        self, user: User, query: str, limit: int, filters: SearchFilters
    ) -> list[_Ranked]:
        allowed = self.keyword.file_ids(user.id, filters) if filters.active else None
        if allowed is not None and not allowed:
            return []
        vector = self.embedder.embed_queries([query])[0]
        hits = self.vectors.search(
            self.embedder.model_name,
            self.embedder.dimension,
            user.id,
            vector,
            min(limit * CHUNKS_PER_FILE, 1000),
            file_ids=allowed,
        )
        best: dict[str, _Ranked] = {}
        for hit in hits:  # best first, so a file's first hit is its best chunk
            if hit.file_id not in best:
                best[hit.file_id] = _Ranked(hit.file_id, hit.score, hit.text)
        return list(best.values())[:limit]

    def _results(
        self, user: User, query: str, ranked: list[_Ranked], mode: SearchMode
    ) -> list[SearchResult]:
        files = self.keyword.files(user.id, [r.file_id for r in ranked])
        terms = self.keyword.query_terms(query)
        out = []
        for r in ranked:
            f = files.get(r.file_id)
            if f is None:  # deleted meanwhile, or (never) someone else's
                continue
            snippet = self._snippet(f, r, terms, mode)
            out.append(
                SearchResult(
                    file_id=f.file_id,
                    filename=f.filename,
                    score=round(r.score, 6),
                    snippet=snippet,
                    content_type=f.content_type,
                    uploaded_at=f.uploaded_at,
                )
            )
        return out

    @staticmethod
    def _snippet(f: FileSummary, r: _Ranked, terms: list[str], mode: SearchMode) -> str:
        """Semantic: the best chunk (around a query word when it has one). Keyword and hybrid:
        the text around the first query word, else the best chunk, else the summary."""
        chunk = (keyword_snippet(r.snippet, terms) or _trim(r.snippet)) if r.snippet else None
        if mode is SearchMode.SEMANTIC and chunk:
            return chunk
        return (
            keyword_snippet(f.text, terms)
            or chunk
            or keyword_snippet(f.summary or "", terms)
            or _trim(f.summary or f.text)
        )
