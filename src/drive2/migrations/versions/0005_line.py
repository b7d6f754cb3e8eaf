"""LINE: notifications outbox, link codes, handled webhook events, quota alert state

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from drive2.adapters.db.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("file_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("batch_key", sa.String(36), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("idempotency_key", name="uq_notifications_idempotency_key"),
        _user_fk("notifications"),
    )
    op.create_index("ix_notifications_batch_key", "notifications", ["batch_key"])
    op.create_index(
        "ix_notifications_user_kind_status", "notifications", ["user_id", "kind", "status"]
    )
    op.create_index("ix_notifications_status_next", "notifications", ["status", "next_attempt_at"])
    op.create_table(
        "line_link_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code_hash", name="pk_line_link_codes"),
        _user_fk("line_link_codes"),
    )
    op.create_index("ix_line_link_codes_user_id", "line_link_codes", ["user_id"])
    op.create_table(
        "line_webhook_events",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_line_webhook_events"),
    )
    op.create_index("ix_line_webhook_events_received_at", "line_webhook_events", ["received_at"])
    op.create_table(
        "quota_alert_state",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("crossings", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_quota_alert_state"),
        _user_fk("quota_alert_state"),
    )


def downgrade() -> None:
    op.drop_table("quota_alert_state")
    op.drop_index("ix_line_webhook_events_received_at", table_name="line_webhook_events")
    op.drop_table("line_webhook_events")
    op.drop_index("ix_line_link_codes_user_id", table_name="line_link_codes")
    op.drop_table("line_link_codes")
    op.drop_index("ix_notifications_status_next", table_name="notifications")
    op.drop_index("ix_notifications_user_kind_status", table_name="notifications")
    op.drop_index("ix_notifications_batch_key", table_name="notifications")
    op.drop_table("notifications")
