"""LINE Login accounts: users without an email or password, a display name, one account per
LINE user id, and a flag for a LINE account that blocked the bot

An account made by signing in with LINE has no email and no password until its owner adds
them, so both columns may be empty. `line_user_id` becomes unique: LINE Login finds the
account by it. Blocking the bot no longer unlinks the LINE account (it is the account's way
in); `line_bot_blocked` stops the messages instead.

Revision ID: 0012
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from drive2.migrations.sqlite_rebuild import foreign_keys_off

revision = "0012"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with foreign_keys_off(), op.batch_alter_table("users") as batch:
        batch.alter_column("email", existing_type=sa.String(320), nullable=True)
        batch.alter_column("password_hash", existing_type=sa.String(255), nullable=True)
        batch.add_column(sa.Column("display_name", sa.String(100), nullable=True))
        batch.add_column(
            sa.Column("line_bot_blocked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_users_line_user_id", ["line_user_id"], unique=True)


def downgrade() -> None:
    # Accounts made with LINE keep their rows: a placeholder address and a hash no password
    # matches ("!" is not an argon2 hash), so nothing is lost going down and up again.
    op.execute("UPDATE users SET email = 'line-' || id || '@line.invalid' WHERE email IS NULL")
    op.execute("UPDATE users SET password_hash = '!' WHERE password_hash IS NULL")
    with foreign_keys_off(), op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_line_user_id")
        batch.drop_column("line_bot_blocked")
        batch.drop_column("display_name")
        batch.alter_column("password_hash", existing_type=sa.String(255), nullable=False)
        batch.alter_column("email", existing_type=sa.String(320), nullable=False)
