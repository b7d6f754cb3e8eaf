"""users.token_version (signing out revokes older tokens) and invites (REGISTRATION=invite)

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from drive2.adapters.db.tables import UTCDateTime
from drive2.migrations.sqlite_rebuild import foreign_keys_off

revision = "0008"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with foreign_keys_off(), op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "invites",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("note", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name="pk_invites"),
    )


def downgrade() -> None:
    op.drop_table("invites")
    with foreign_keys_off(), op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
