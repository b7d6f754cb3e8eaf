"""file_search: keyword search over filename, tags, summary and text

SQLite: an external-content FTS5 table (file_search_fts) kept in step with file_search by
triggers. PostgreSQL: a weighted tsvector ('simple' configuration) set by a trigger, under a
GIN index. The words themselves are normalised in Python (Thai segmented by pythainlp) before
they are stored; see drive2/adapters/db/keyword_index.py. Files completed before this
revision are indexed again when they are next processed (reprocess).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Thai vowel and tone marks are combining characters, which FTS5's unicode61 tokenizer would
# otherwise treat as separators (splitting ที่ปรึกษา into pieces).
THAI_MARKS = (
    "\u0e31"
    + "".join(chr(c) for c in range(0x0E34, 0x0E3B))
    + "".join(chr(c) for c in range(0x0E47, 0x0E4F))
)
COLUMNS = "filename, tags, summary, body"

SQLITE_UP = [
    f"""CREATE VIRTUAL TABLE file_search_fts USING fts5(
        {COLUMNS}, content='file_search', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2 tokenchars '{THAI_MARKS}'")""",
    f"""CREATE TRIGGER file_search_ai AFTER INSERT ON file_search BEGIN
        INSERT INTO file_search_fts (rowid, {COLUMNS})
        VALUES (new.id, new.filename, new.tags, new.summary, new.body);
    END""",
    f"""CREATE TRIGGER file_search_ad AFTER DELETE ON file_search BEGIN
        INSERT INTO file_search_fts (file_search_fts, rowid, {COLUMNS})
        VALUES ('delete', old.id, old.filename, old.tags, old.summary, old.body);
    END""",
    f"""CREATE TRIGGER file_search_au AFTER UPDATE ON file_search BEGIN
        INSERT INTO file_search_fts (file_search_fts, rowid, {COLUMNS})
        VALUES ('delete', old.id, old.filename, old.tags, old.summary, old.body);
        INSERT INTO file_search_fts (rowid, {COLUMNS})
        VALUES (new.id, new.filename, new.tags, new.summary, new.body);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS file_search_au",
    "DROP TRIGGER IF EXISTS file_search_ad",
    "DROP TRIGGER IF EXISTS file_search_ai",
    "DROP TABLE IF EXISTS file_search_fts",
]
POSTGRES_UP = [
    """CREATE FUNCTION file_search_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.tsv :=
            setweight(to_tsvector('simple', coalesce(NEW.filename, '')), 'A') ||
            setweight(to_tsvector('simple', coalesce(NEW.tags, '')), 'A') ||
            setweight(to_tsvector('simple', coalesce(NEW.summary, '')), 'B') ||
            setweight(to_tsvector('simple', coalesce(NEW.body, '')), 'D');
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER file_search_tsv BEFORE INSERT OR UPDATE ON file_search
    FOR EACH ROW EXECUTE FUNCTION file_search_tsv()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS file_search_tsv ON file_search",
    "DROP FUNCTION IF EXISTS file_search_tsv()",
]


def upgrade() -> None:
    op.create_table(
        "file_search",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tsv", sa.Text().with_variant(TSVECTOR(), "postgresql"), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name="fk_file_search_file_id_files", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_file_search"),
        sa.UniqueConstraint("file_id", name="uq_file_search_file_id"),
    )
    op.create_index("ix_file_search_user_id", "file_search", ["user_id"])
    op.create_index("ix_file_search_tsv", "file_search", ["tsv"], postgresql_using="gin")
    statements = SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN
    for statement in statements:
        op.execute(statement)
    op.drop_index("ix_file_search_tsv", table_name="file_search")
    op.drop_index("ix_file_search_user_id", table_name="file_search")
    op.drop_table("file_search")
