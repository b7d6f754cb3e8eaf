"""ai_usage (shared rate limits, daily quotas, circuit breakers) and files.ai_provider

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_usage",
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("refilled_at", sa.Float(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("used_today", sa.Integer(), nullable=False),
        sa.Column("breaker_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("provider", name="pk_ai_usage"),
    )
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("ai_provider", sa.String(32), nullable=True))
        batch.create_index("ix_files_ai_provider", ["ai_provider"])


def downgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.drop_index("ix_files_ai_provider")
        batch.drop_column("ai_provider")
    op.drop_table("ai_usage")
