"""files.deliveries and files.worker: crash accounting for the delivery cap

`deliveries` counts the runs that started on a file since its last clean end (completed,
failed or released for a retry); a file that kills its worker keeps adding to it, and the
claim fails the file once it reaches MAX_WORKER_CRASHES. `worker` names the process that
holds the file ("host:pid:start-time"), so a new delivery can tell a dead owner from a live one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("deliveries", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("worker", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.drop_column("worker")
        batch.drop_column("deliveries")
