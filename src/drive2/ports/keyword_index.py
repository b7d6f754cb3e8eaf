"""The keyword side of search: a full-text index over the files' names, tags and text
(adapters/db/keyword_index.py), and the filters every side of a search shares."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from drive2.domain.query_dates import QueryDates


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


class KeywordIndex(Protocol):
    """The keyword side, over the database (adapters/db/keyword_index.py)."""

    def query_terms(self, query: str) -> list[str]: ...

    def search(
        self, user_id: str, query: str, limit: int, filters: SearchFilters
    ) -> list[KeywordHit]: ...

    def file_ids(self, user_id: str, filters: SearchFilters) -> list[str]:
        """Every file of the user that the filters allow (never one in the trash)."""
        ...

    def has_trash(self, user_id: str) -> bool:
        """Whether any file of the user is in the trash."""
        ...

    def newest(self, user_id: str, filters: SearchFilters, limit: int) -> list[str]:
        """The user's files that the filters allow, latest document date first."""
        ...

    def exact_matches(self, user_id: str, query: str, file_ids: list[str]) -> dict[str, str]:
        """Of the given files, those whose name (without its extension) or one of whose tags
        is the query word for word ("name", "tag"), or that hold the query's words (two or
        more) in a row ("phrase")."""
        ...

    def files(self, user_id: str, file_ids: list[str]) -> dict[str, FileSummary]:
        """Those of the given files that are the user's and not in the trash."""
        ...
