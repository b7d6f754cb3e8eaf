"""BM25 on PostgreSQL: per-term document counts, row lengths, one weight per column

PostgreSQL's ts_rank is not BM25 (no inverse document frequency, no length normalisation
against the average): on the same data it ranked clearly below SQLite's FTS5 bm25 (see
bench/retrieval.py). This revision keeps what BM25 needs, the way FTS5 keeps it for SQLite:
each row's word count (``file_search.words``), how many rows hold each word
(``file_search_terms``) and the totals (``file_search_totals``), maintained by triggers, and
gives each column its own tsvector weight (filename A, tags B, summary C, body D) so that the
column weights match FTS5's. Existing rows are re-weighted and counted here. On SQLite the new
column and tables stay empty: FTS5 keeps its own statistics.

Revision ID: 0013
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0006"
branch_labels = None
depends_on = None

#: Any constant: the statistics' writers queue on it (see the trigger).
STATS_LOCK = 7_313_013


def _words(column: str) -> str:
    # The columns hold normalised words joined by single spaces (keyword_index.index_text).
    return f"coalesce(array_length(string_to_array(nullif(NEW.{column}, ''), ' '), 1), 0)"


POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION file_search_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.tsv :=
            setweight(to_tsvector('simple', coalesce(NEW.filename, '')), 'A') ||
            setweight(to_tsvector('simple', coalesce(NEW.tags, '')), 'B') ||
            setweight(to_tsvector('simple', coalesce(NEW.summary, '')), 'C') ||
            setweight(to_tsvector('simple', coalesce(NEW.body, '')), 'D');
        NEW.words := {_words("filename")} + {_words("tags")} + {_words("summary")}
            + {_words("body")};
        RETURN NEW;
    END $$""",
    # Re-weight and count the rows indexed before this revision.
    "UPDATE file_search SET filename = filename",
    """INSERT INTO file_search_terms (term, docs)
        SELECT lexeme, count(*) FROM file_search, unnest(tsvector_to_array(tsv)) AS lexeme
        GROUP BY lexeme""",
    """INSERT INTO file_search_totals (id, docs, words)
        SELECT 1, count(*), coalesce(sum(words), 0) FROM file_search""",
    f"""CREATE FUNCTION file_search_stats() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        new_terms text[] := '{{}}';
        old_terms text[] := '{{}}';
        docs_delta integer := 0;
        words_delta bigint := 0;
    BEGIN
        -- One writer of the statistics at a time, until it commits: two transactions that
        -- each count many words (a bulk retag) would otherwise deadlock on the term rows.
        PERFORM pg_advisory_xact_lock({STATS_LOCK});
        IF TG_OP <> 'DELETE' THEN
            new_terms := coalesce(tsvector_to_array(NEW.tsv), '{{}}');
            docs_delta := 1;
            words_delta := NEW.words;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            old_terms := coalesce(tsvector_to_array(OLD.tsv), '{{}}');
            docs_delta := docs_delta - 1;
            words_delta := words_delta - OLD.words;
        END IF;
        INSERT INTO file_search_terms AS t (term, docs)
            SELECT term, 1 FROM (
                SELECT unnest(new_terms) AS term EXCEPT SELECT unnest(old_terms)
            ) AS added ORDER BY term
        ON CONFLICT (term) DO UPDATE SET docs = t.docs + 1;
        UPDATE file_search_terms SET docs = docs - 1
            WHERE term IN (SELECT unnest(old_terms) EXCEPT SELECT unnest(new_terms));
        DELETE FROM file_search_terms
            WHERE docs <= 0 AND term IN (SELECT unnest(old_terms));
        UPDATE file_search_totals
            SET docs = docs + docs_delta, words = words + words_delta WHERE id = 1;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER file_search_stats AFTER INSERT OR UPDATE OR DELETE ON file_search
    FOR EACH ROW EXECUTE FUNCTION file_search_stats()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS file_search_stats ON file_search",
    "DROP FUNCTION IF EXISTS file_search_stats()",
    """CREATE OR REPLACE FUNCTION file_search_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.tsv :=
            setweight(to_tsvector('simple', coalesce(NEW.filename, '')), 'A') ||
            setweight(to_tsvector('simple', coalesce(NEW.tags, '')), 'A') ||
            setweight(to_tsvector('simple', coalesce(NEW.summary, '')), 'B') ||
            setweight(to_tsvector('simple', coalesce(NEW.body, '')), 'D');
        RETURN NEW;
    END $$""",
    "UPDATE file_search SET filename = filename",
]


def upgrade() -> None:
    op.add_column(
        "file_search",
        sa.Column("words", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_table(
        "file_search_terms",
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("docs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name="pk_file_search_terms"),
    )
    op.create_table(
        "file_search_totals",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("docs", sa.BigInteger(), nullable=False),
        sa.Column("words", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_file_search_totals"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
    op.drop_table("file_search_totals")
    op.drop_table("file_search_terms")
    # Plain ALTER: a batch rebuild of file_search would drop the FTS5 triggers on SQLite.
    op.execute("ALTER TABLE file_search DROP COLUMN words")
