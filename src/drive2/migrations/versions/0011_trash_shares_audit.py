"""Trash, share links and the audit log

files.trashed_at marks a file in the trash (restorable until the retention job purges it);
share_links holds links that open one file without an account (the token's hash only);
audit_events records who did what to which file.

Revision ID: 0011
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from drive2.adapters.db.tables import UTCDateTime
from drive2.migrations.sqlite_rebuild import foreign_keys_off

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with foreign_keys_off(), op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("trashed_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_files_trashed_at", ["trashed_at"])
    op.create_table(
        "share_links",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("file_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("token_prefix", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("download_count", sa.Integer(), nullable=False),
        sa.Column("last_downloaded_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_share_links"),
        sa.UniqueConstraint("token_hash", name="uq_share_links_token_hash"),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name="fk_share_links_file_id_files", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_share_links_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_share_links_file_id", "share_links", ["file_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("file_id", sa.String(36), nullable=True),
        sa.Column("filename", sa.String(512), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_audit_events_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_audit_events_user_at", "audit_events", ["user_id", "at"])
    op.create_index("ix_audit_events_file_id", "audit_events", ["file_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_file_id", table_name="audit_events")
    op.drop_index("ix_audit_events_user_at", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_share_links_file_id", table_name="share_links")
    op.drop_table("share_links")
    with foreign_keys_off(), op.batch_alter_table("files") as batch:
        batch.drop_index("ix_files_trashed_at")
        batch.drop_column("trashed_at")
