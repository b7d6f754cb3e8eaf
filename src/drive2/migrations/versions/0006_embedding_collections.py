"""Embedding collections: which vector collection search reads, re-embedding progress

Every install before this revision embedded with all-MiniLM-L6-v2: when it has processed
files, that collection is recorded as the one search reads, so a new default model is
filled in the background while search keeps answering from it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from drive2.adapters.db.tables import UTCDateTime

revision = "0006"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "embedding_collections",
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("files_total", sa.Integer(), nullable=False),
        sa.Column("files_done", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(36), nullable=True),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("model", name="pk_embedding_collections"),
    )
    processed = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM files WHERE status = 'completed'")
    )
    if processed:
        now = datetime.now(UTC)
        op.bulk_insert(
            table,
            [
                {
                    "model": "all-MiniLM-L6-v2",
                    "dimension": 384,
                    "state": "serving",
                    "files_total": 0,
                    "files_done": 0,
                    "started_at": now,
                    "completed_at": now,
                }
            ],
        )


def downgrade() -> None:
    op.drop_table("embedding_collections")
