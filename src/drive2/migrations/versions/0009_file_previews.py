"""files.preview_key: the object key of the file's preview rendition (issue 14)

Images and PDF first pages get a JPEG preview (up to PREVIEW_SIZE pixels) beside the
thumbnail, for the file page and LINE; the key is kept on the row so that deleting the file
removes the object too.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from drive2.migrations.sqlite_rebuild import foreign_keys_off

revision = "0009"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with foreign_keys_off(), op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("preview_key", sa.String(512), nullable=True))


def downgrade() -> None:
    with foreign_keys_off(), op.batch_alter_table("files") as batch:
        batch.drop_column("preview_key")
