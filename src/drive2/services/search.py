"""Finding a user's files by meaning (semantic), by words (keyword), or both (hybrid).

Semantic: the query embedded by the same model as the chunks, the vector index asked for the
nearest chunks of this user's files only (restricted further to the files the filters allow),
chunk hits folded into files by their best chunk; hits below the model's calibrated floor
are not shown (search_calibration). Keyword: BM25 over the keyword index (FTS5 / PostgreSQL).
Hybrid: calibrated score fusion of the two (search_fusion). In keyword and hybrid mode a file
whose name or a tag is exactly the query, or that holds the query's words as a phrase, goes
first. Every result says which modes matched it, and is checked against the user's own files
before it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from drive2.config import Settings
from drive2.domain.errors import InvalidInputError
from drive2.domain.models import User
from drive2.domain.names import normalise_tags
from drive2.domain.query_dates import QueryDates, parse_query_dates
from drive2.domain.query_intent import is_question
from drive2.ports.embedder import Embedder
from drive2.ports.keyword_index import FileSummary, KeywordIndex, SearchFilters
from drive2.ports.vector_index import VectorIndex
from drive2.services.search_calibration import ModelCalibration, calibration_for, query_script
from drive2.services.search_fusion import (
    DATE,
    KEYWORD,
    SEMANTIC,
    Fused,
    Hit,
    across_scripts,
    fuse,
    in_other_script,
    trusted_semantic,
)

MAX_LIMIT = 100
MAX_QUERY_CHARS = 1000
SNIPPET_CHARS = 200
#: Chunks asked of the vector index per file wanted: several chunks of one file may lead.
CHUNKS_PER_FILE = 5
#: Files each side ranks before hybrid fusion, at least.
FUSION_DEPTH = 50
#: Exact matches go first, names before tags before phrases.
EXACT_TIER = {"name": 3, "tag": 2, "phrase": 1}


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    SEMANTIC = "semantic"
    KEYWORD = "keyword"


class SearchResults(list["SearchResult"]):
    """The results, best first, and the date range read from the query (None when it named
    none): a list, so callers that want only the results need nothing else."""

    dates: QueryDates | None = None


@dataclass(frozen=True)
class SearchResult:
    file_id: str
    filename: str
    score: float
    snippet: str
    content_type: str
    uploaded_at: datetime | None
    #: Why it was found: "name", "tag" or "phrase" (an exact match), "keyword", "semantic".
    matched: tuple[str, ...] = ()
    keyword_score: float | None = None  # BM25
    semantic_score: float | None = None  # cosine of the best chunk


@dataclass(frozen=True)
class Rankings:
    """Each side's own ranking of a query, before fusion (best first)."""

    keyword: list[Hit]
    semantic: list[Hit]
    semantic_chunks: dict[str, str]


@dataclass(frozen=True)
class _Ranked:
    file_id: str
    score: float
    snippet: str | None = None  # semantic hits carry their best chunk
    matched: tuple[str, ...] = ()
    keyword: float | None = None
    semantic: float | None = None


def _clean(text: str) -> str:
    return " ".join(text.split())


def _trim(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = _clean(text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,.;:") + "…"


def _is_own_text(chunk: str, flat_text: str) -> bool:
    """Whether a chunk was cut from the text (`flat_text`, already `_clean`ed: chunks keep
    the text's words, maybe not its spacing), rather than written about the file; a file
    without text has only the latter."""
    if not flat_text:
        return True
    return _clean(chunk)[:48] in flat_text


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
        # is only a date lists the files of those days, latest first. A question ("who won
        # in 2000?") asks about what files say: its dates are words like the others.
        dates = None if is_question(query) else parse_query_dates(query, self._today())
        if dates is not None:
            query, filters = dates.rest, filters.within(dates)
        if dates is not None and not query:
            ranked = self._dated(user, limit, filters)
        elif wanted is SearchMode.KEYWORD:
            ranked = [
                _Ranked(h.file_id, h.score, None, (KEYWORD,), keyword=h.score)
                for h in self._keyword(user, query, limit, filters)
            ]
            ranked = self._exact_first(user, query, ranked)[:limit]
        elif wanted is SearchMode.SEMANTIC:
            found = self.rankings(user, query, limit, filters, keyword=False)
            trusted = trusted_semantic(
                self._across_scripts(query, found), self._calibration, query_script(query)
            )
            ranked = [
                _Ranked(
                    h.file_id,
                    h.score,
                    found.semantic_chunks.get(h.file_id),
                    (SEMANTIC,),
                    semantic=h.score,
                )
                for h in trusted
            ]
        else:
            # A model that cannot read the query's script has nothing to add: not asked.
            readable = query_script(query) in self._calibration.scripts
            found = self.rankings(
                user, query, max(limit * 3, FUSION_DEPTH), filters, semantic=readable
            )
            fused = self.fuse(query, found)
            ranked = self._exact_first(
                user, query, [_from_fused(f, found.semantic_chunks) for f in fused]
            )[:limit]
        results = SearchResults(self._results(user, query, ranked, wanted))
        results.dates = dates
        return results

    def _dated(self, user: User, limit: int, filters: SearchFilters) -> list[_Ranked]:
        ids = self.keyword.newest(user.id, filters, limit)
        return [_Ranked(fid, 1.0 / rank, matched=(DATE,)) for rank, fid in enumerate(ids, start=1)]

    @property
    def _calibration(self) -> ModelCalibration:
        return calibration_for(self.embedder.model_name)

    def rankings(
        self,
        user: User,
        query: str,
        depth: int,
        filters: SearchFilters | None = None,
        keyword: bool = True,
        semantic: bool = True,
    ) -> Rankings:
        """Both sides' raw rankings (hybrid's input; the retrieval bench reads them too)."""
        filters = filters or SearchFilters()
        by_keyword = self._keyword(user, query, depth, filters) if keyword else []
        by_meaning = self._semantic(user, query, depth, filters) if semantic else []
        return Rankings(
            keyword=[Hit(r.file_id, r.score) for r in by_keyword],
            semantic=[Hit(r.file_id, r.score) for r in by_meaning],
            semantic_chunks={r.file_id: r.snippet for r in by_meaning if r.snippet},
        )

    def fuse(self, query: str, found: Rankings) -> list[Fused]:
        semantic = self._across_scripts(query, found)
        script = query_script(query)
        crossed = in_other_script(found.semantic, found.semantic_chunks, script)
        return fuse(found.keyword, semantic, self._calibration, script, crossed=crossed)

    def _across_scripts(self, query: str, found: Rankings) -> list[Hit]:
        return across_scripts(
            found.semantic, found.semantic_chunks, self._calibration, query_script(query)
        )

    def _exact_first(self, user: User, query: str, ranked: list[_Ranked]) -> list[_Ranked]:
        """Exact name, tag and phrase matches ahead of the rest, in that order; their scores
        lifted so that the scores still fall as the list goes down."""
        exact = self.keyword.exact_matches(user.id, query, [r.file_id for r in ranked])
        if not exact:
            return ranked
        step = max(r.score for r in ranked) + 1.0  # above any plain score
        lifted = [
            _Ranked(
                r.file_id,
                r.score + step * EXACT_TIER[exact[r.file_id]],
                r.snippet,
                (exact[r.file_id], *r.matched),
                r.keyword,
                r.semantic,
            )
            if r.file_id in exact
            else r
            for r in ranked
        ]
        return sorted(lifted, key=lambda r: -r.score)

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
        # A trashed file keeps its vectors (restoring it needs no reprocessing), so while the
        # user has trash the vector search is restricted to the allowed files like a filter.
        restricted = filters.active or self.keyword.has_trash(user.id)
        allowed = self.keyword.file_ids(user.id, filters) if restricted else None
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
                    matched=r.matched,
                    keyword_score=None if r.keyword is None else round(r.keyword, 6),
                    semantic_score=None if r.semantic is None else round(r.semantic, 6),
                )
            )
        return out

    @staticmethod
    def _snippet(f: FileSummary, r: _Ranked, terms: list[str], mode: SearchMode) -> str:
        """Semantic: the best chunk (around a query word when it has one). Keyword and hybrid:
        the text around the first query word, else the best chunk, else the summary. A chunk
        that is not the file's own text (its money record, a picture's description) gives way
        to the text itself: the snippet shows what the file says, in its own language."""
        flat = _clean(f.text)  # once: the text may be long, and both checks read it
        best = r.snippet if r.snippet and _is_own_text(r.snippet, flat) else None
        chunk = (keyword_snippet(best, terms) or _trim(best)) if best else None
        if mode is SearchMode.SEMANTIC and chunk:
            return chunk
        return (
            keyword_snippet(flat, terms)
            or chunk
            or keyword_snippet(f.summary or "", terms)
            or _trim(f.summary or f.text)
        )


def _from_fused(f: Fused, chunks: dict[str, str]) -> _Ranked:
    return _Ranked(f.file_id, f.score, chunks.get(f.file_id), f.matched, f.keyword, f.semantic)
