"""Keyword search over filename, tags, summary and text: SQLite FTS5 or PostgreSQL full text.

Words are made in Python, the same way for both databases and for queries: NFKC, lower case,
Latin accents dropped, Thai runs segmented into words by pythainlp (newmm), English plurals
folded ("invoices" -> "invoice"). The normalised words, joined by spaces, go into the
``file_search`` table (one row per completed file, written in the same transaction as the
file's result, see SqlRepository.complete); the database only indexes them:

- SQLite: an external-content FTS5 table ``file_search_fts`` kept in step by triggers, ranked
  by bm25 with the filename weighted highest, then tags, summary and text;
- PostgreSQL: a weighted ``tsvector`` (filename A, tags B, summary C, text D; 'simple'
  configuration) kept by a trigger, with a GIN index, ranked by the same BM25 as FTS5's
  (same k1, b, column weights and idf), computed in SQL from each matching row's tsvector
  (its words' counts per column), its word count, and the per-word document counts that
  triggers keep (migration 0013). ts_rank, which this replaced, has no idf: it ranked
  clearly worse on the same data (bench/retrieval.py).

A query is the OR of its words minus stop words, so a natural-language question still finds
documents that share its important words. Every query is restricted to one user inside SQL.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from pathlib import PurePath
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    and_,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    update,
)
from sqlalchemy.orm import Session

from drive2.adapters.db.tables import (
    FileRow,
    FileSearchRow,
    FileSearchTermRow,
    FileSearchTotalsRow,
    FileTagRow,
)
from drive2.domain.money import Money, search_words
from drive2.ports.keyword_index import FileSummary, KeywordHit, SearchFilters

#: Text beyond this many characters is not keyword-indexed (PostgreSQL caps a tsvector at
#: 1 MB; 200,000 characters of words stays well below it). Semantic search covers the rest
#: up to MAX_CHUNKS_PER_FILE.
MAX_INDEXED_CHARS = 200_000
MAX_QUERY_TERMS = 32
#: bm25 column weights: filename, tags, summary, body (PostgreSQL: tsvector weights A-D).
FTS_WEIGHTS = (4.0, 3.0, 2.0, 1.0)
#: FTS5's bm25 constants, which the PostgreSQL ranking uses too.
BM25_K1 = 1.2
BM25_B = 0.75

_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]+")
_THAI_LETTER = re.compile(r"[\u0e01-\u0e2e\u0e50-\u0e59]")
_WORD = re.compile(r"[^\W_]+")
ENGLISH_STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be been before being below
    between both but by can could did do does doing down during each few for from further had
    has have having he her here hers him his how i if in into is it its just me more most my
    no nor not now of off on once only or other our out over own same she should so some such
    than that the their them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    find show me my get want looking look document documents file files""".split()
)

# --- words ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _thai_stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords())


def _segment_thai(run: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    return [w for w in word_tokenize(run, engine="newmm", keep_whitespace=False) if w.strip()]


def _fold_plural(word: str) -> str:
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _latin_words(segment: str) -> list[str]:
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFKD", segment) if unicodedata.category(ch) != "Mn"
    )
    return [_fold_plural(w) for w in _WORD.findall(unicodedata.normalize("NFC", stripped))]


def words(value: str, max_chars: int | None = None) -> list[str]:
    """The index words of a text, in order."""
    value = unicodedata.normalize("NFKC", value[:max_chars] if max_chars else value).lower()
    out: list[str] = []
    last = 0
    for match in _THAI_RUN.finditer(value):
        out.extend(_latin_words(value[last : match.start()]))
        out.extend(w for w in _segment_thai(match.group()) if _THAI_LETTER.search(w))
        last = match.end()
    out.extend(_latin_words(value[last:]))
    return out


def index_text(value: str | None, max_chars: int | None = None) -> str:
    return " ".join(words(value or "", max_chars))


def query_terms(query: str) -> list[str]:
    """The words a query searches for: stop words dropped unless nothing else is left."""
    all_words = list(dict.fromkeys(words(query)))
    stop = ENGLISH_STOPWORDS | _thai_stopwords()
    kept = [w for w in all_words if w not in stop and (len(w) > 1 or w.isdigit())]
    return (kept or all_words)[:MAX_QUERY_TERMS]


# --- writes (called inside the repository's transactions) ---------------------------------------


def document_values(
    text_content: str | None,
    summary: str | None,
    suggested_filename: str | None,
    money: Money | None = None,
) -> dict[str, str]:
    """The costly part (segmenting the text), done before the write transaction opens.

    A money record's words (its amount as people type it, "1250", "1,250.00", the kind
    and currency in English and Thai) are indexed with the summary."""
    described = [summary, suggested_filename, search_words(money) if money else None]
    return {
        "body": index_text(text_content, MAX_INDEXED_CHARS),
        "summary": index_text(" ".join(p for p in described if p)),
    }


def replace(
    s: Session, file_id: str, user_id: str, filename: str, tags: list[str], doc: dict[str, str]
) -> None:
    s.execute(delete(FileSearchRow).where(FileSearchRow.file_id == file_id))
    s.execute(
        insert(FileSearchRow).values(
            file_id=file_id,
            user_id=user_id,
            filename=index_text(filename),
            tags=index_text(" ".join(tags)),
            summary=doc["summary"],
            body=doc["body"],
        )
    )


def update_names(s: Session, file_id: str, filename: str | None, tags: list[str] | None) -> None:
    values: dict[str, Any] = {}
    if filename is not None:
        values["filename"] = index_text(filename)
    if tags is not None:
        values["tags"] = index_text(" ".join(tags))
    if values:
        s.execute(update(FileSearchRow).where(FileSearchRow.file_id == file_id).values(**values))


def update_ai_words(
    s: Session,
    file_id: str,
    summary: str | None,
    suggested: str | None,
    tags: list[str],
    money: Money | None = None,
) -> None:
    """A new AI result on a completed file (the re-run job): its summary and tags."""
    doc = document_values(None, summary, suggested, money)
    s.execute(
        update(FileSearchRow)
        .where(FileSearchRow.file_id == file_id)
        .values(summary=doc["summary"], tags=index_text(" ".join(tags)))
    )


def remove(s: Session, file_id: str) -> None:
    s.execute(delete(FileSearchRow).where(FileSearchRow.file_id == file_id))


# --- reads ------------------------------------------------------------------------------------


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def type_pattern(kind: str) -> str:
    """A LIKE pattern: image -> image/%, application/pdf -> application/pdf%, pdf -> %/pdf%."""
    kind = kind.strip().lower()
    if "/" in kind or kind in {"text", "image", "audio", "video", "application", "message"}:
        return _escape_like(kind if "/" in kind else kind + "/") + "%"
    return "%/" + _escape_like(kind) + "%"


def filter_clauses(user_id: str, filters: SearchFilters) -> list[ColumnElement[bool]]:
    """The files a search (or an answer) may use: the user's own, out of the trash, and what
    the filters allow. Keyword search, the allowed set of vector search and ask all use it."""
    clauses: list[ColumnElement[bool]] = [
        FileRow.user_id == user_id,
        FileRow.trashed_at.is_(None),
    ]
    if filters.content_type:
        clauses.append(FileRow.content_type.like(type_pattern(filters.content_type), escape="\\"))
    if filters.tag:
        clauses.append(
            exists().where(and_(FileTagRow.file_id == FileRow.id, FileTagRow.tag == filters.tag))
        )
    if filters.uploaded_from is not None:
        clauses.append(FileRow.uploaded_at >= filters.uploaded_from)
    if filters.uploaded_to is not None:
        clauses.append(FileRow.uploaded_at < filters.uploaded_to)
    if filters.dated_from is not None:
        clauses.append(FileRow.document_date >= filters.dated_from)
    if filters.dated_to is not None:
        clauses.append(FileRow.document_date <= filters.dated_to)
    return clauses


class SqlKeywordIndex:
    """The keyword side of SearchService over the Drive2 database (either dialect)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    def query_terms(self, query: str) -> list[str]:
        return query_terms(query)

    def _statement(self, s: Session, user_id: str, terms: list[str]) -> Select[Any]:
        if self.dialect == "postgresql":
            return self._postgres_bm25(s, user_id, terms)
        fts = table("file_search_fts", column("rowid"))
        bm25 = func.bm25(literal_column("file_search_fts"), *FTS_WEIGHTS)
        match = " OR ".join(f'"{term}"' for term in terms)  # words only: no quotes inside
        return (
            select(FileSearchRow.file_id, (-bm25).label("score"))
            .select_from(fts)
            .join(FileSearchRow, FileSearchRow.id == fts.c.rowid)
            .join(FileRow, FileRow.id == FileSearchRow.file_id)
            .where(text("file_search_fts MATCH :match").bindparams(match=match))
            .where(FileSearchRow.user_id == user_id)
            .order_by(bm25, FileSearchRow.file_id)
        )

    def _postgres_bm25(self, s: Session, user_id: str, terms: list[str]) -> Select[Any]:
        """FTS5's bm25, term for term: idf = ln((N - n + 0.5) / (n + 0.5)) (at least 1e-6),
        f = the term's count in each column times the column's weight, summed, and
        idf * f * (k1 + 1) / (f + k1 * (1 - b + b * words / average words)) over the terms."""
        totals = s.get(FileSearchTotalsRow, 1)
        rows = max(int(totals.docs), 1) if totals else 1
        average = (int(totals.words) / rows if totals else 0.0) or 1.0
        counts = {
            str(term): int(docs)
            for term, docs in s.execute(
                select(FileSearchTermRow.term, FileSearchTermRow.docs).where(
                    FileSearchTermRow.term.in_(terms)
                )
            )
        }
        idfs = [
            max(math.log((rows - n + 0.5) / (n + 0.5)), 1e-6)
            for n in (counts.get(t, 0) for t in terms)
        ]
        a, b, c, d = FTS_WEIGHTS
        score = text(
            f"""(SELECT sum(q.idf * t.f * {BM25_K1 + 1} / (t.f + {BM25_K1} * (1 - {BM25_B}
                    + {BM25_B} * file_search.words / CAST(:average AS float8))))
                FROM (SELECT u.lexeme, sum(CASE w WHEN 'A' THEN {a} WHEN 'B' THEN {b}
                                WHEN 'C' THEN {c} ELSE {d} END) AS f
                      FROM unnest(file_search.tsv) AS u(lexeme, positions, weights),
                           unnest(u.weights) AS w
                      WHERE u.lexeme = ANY(CAST(:terms AS text[]))
                      GROUP BY u.lexeme) AS t
                JOIN unnest(CAST(:terms AS text[]), CAST(:idfs AS float8[])) AS q(term, idf)
                  ON q.term = t.lexeme) AS score"""
        ).bindparams(average=average, terms=terms, idfs=idfs)
        tsquery: ColumnElement[Any] = func.plainto_tsquery(
            literal_column("'simple'::regconfig"), terms[0]
        )
        for term in terms[1:]:
            tsquery = tsquery.op("||")(
                func.plainto_tsquery(literal_column("'simple'::regconfig"), term)
            )
        statement = (
            select(FileSearchRow.file_id, score)
            .join(FileRow, FileRow.id == FileSearchRow.file_id)
            .where(FileSearchRow.user_id == user_id, FileSearchRow.tsv.op("@@")(tsquery))
            .order_by(text("score DESC"), FileSearchRow.file_id)
        )
        return cast(Select[Any], statement)

    def search(
        self, user_id: str, query: str, limit: int, filters: SearchFilters
    ) -> list[KeywordHit]:
        terms = query_terms(query)
        if not terms:
            return []
        with Session(self.engine) as s:
            statement = (
                self._statement(s, user_id, terms)
                .where(*filter_clauses(user_id, filters))
                .limit(limit)
            )
            return [KeywordHit(str(r[0]), float(r[1] or 0.0)) for r in s.execute(statement)]

    def exact_matches(self, user_id: str, query: str, file_ids: list[str]) -> dict[str, str]:
        wanted = " ".join(words(query))
        if not wanted or not file_ids:
            return {}
        phrase = f"% {_escape_like(wanted)} %" if " " in wanted else None
        spaced = literal(" ") + FileSearchRow.body + literal(" ")
        named = literal(" ") + FileSearchRow.summary + literal(" ")
        statement = (
            select(
                FileRow.id,
                FileRow.filename,
                or_(spaced.like(phrase, escape="\\"), named.like(phrase, escape="\\"))
                if phrase
                else literal(False),
            )
            .join(FileSearchRow, FileSearchRow.file_id == FileRow.id)
            .where(FileRow.user_id == user_id, FileRow.id.in_(file_ids))
        )
        out: dict[str, str] = {}
        with Session(self.engine) as s:
            rows = s.execute(statement).all()
            tags = s.execute(
                select(FileTagRow.file_id, FileTagRow.tag).where(
                    FileTagRow.file_id.in_([str(r[0]) for r in rows])
                )
            ).all()
        tagged = {str(fid) for fid, tag in tags if index_text(tag) == wanted}
        for fid, filename, in_text in rows:
            name = index_text(PurePath(str(filename)).stem) or index_text(str(filename))
            if wanted in (name, index_text(str(filename))):
                out[str(fid)] = "name"
            elif str(fid) in tagged:
                out[str(fid)] = "tag"
            elif in_text or (phrase and f" {wanted} " in f" {index_text(str(filename))} "):
                out[str(fid)] = "phrase"
        return out

    def file_ids(self, user_id: str, filters: SearchFilters) -> list[str]:
        with Session(self.engine) as s:
            return list(s.scalars(select(FileRow.id).where(*filter_clauses(user_id, filters))))

    def newest(self, user_id: str, filters: SearchFilters, limit: int) -> list[str]:
        statement = (
            select(FileRow.id)
            .where(*filter_clauses(user_id, filters))
            .order_by(FileRow.document_date.desc(), FileRow.uploaded_at.desc(), FileRow.id)
            .limit(limit)
        )
        with Session(self.engine) as s:
            return list(s.scalars(statement))

    def has_trash(self, user_id: str) -> bool:
        with Session(self.engine) as s:
            found = s.scalar(
                select(FileRow.id)
                .where(FileRow.user_id == user_id, FileRow.trashed_at.is_not(None))
                .limit(1)
            )
            return found is not None

    def files(
        self, user_id: str, file_ids: list[str], text_chars: int = MAX_INDEXED_CHARS
    ) -> dict[str, FileSummary]:
        if not file_ids:
            return {}
        # By primary key, the owner checked here: a (user_id, ...) condition in SQL lets
        # SQLite walk every file of a large user instead of looking up these few.
        statement = select(
            FileRow.id,
            FileRow.user_id,
            FileRow.filename,
            FileRow.content_type,
            FileRow.uploaded_at,
            func.substr(FileRow.text_content, 1, text_chars),
            FileRow.ai_json,
            FileRow.trashed_at,
        ).where(FileRow.id.in_(file_ids))
        out: dict[str, FileSummary] = {}
        with Session(self.engine) as s:
            for row in s.execute(statement):
                fid, owner, filename, content_type, uploaded_at, body, ai, trashed_at = row
                if owner != user_id or trashed_at is not None:
                    continue
                summary = (ai or {}).get("summary") if isinstance(ai, dict) else None
                out[str(fid)] = FileSummary(
                    file_id=str(fid),
                    filename=str(filename),
                    content_type=str(content_type),
                    uploaded_at=uploaded_at if isinstance(uploaded_at, datetime) else None,
                    text=str(body or ""),
                    summary=str(summary) if summary else None,
                )
        return out


#: Tables the SQLite migration makes that Alembic cannot model: the FTS5 table and its shadow
#: tables. Comparisons of the schema with the models skip them.
SQLITE_FTS_TABLE = "file_search_fts"


def is_unmodelled_table(name: str | None) -> bool:
    return bool(name) and str(name).startswith(SQLITE_FTS_TABLE)
