"""files.document_date: the date a document states, for naming, filtering and sorting

The date the content states (then EXIF date taken, PDF or office creation, the upload day
last), set by the document_date stage. Existing rows are filled here from what is cheap: the
metadata's dates, else the upload day (in TIMEZONE, Asia/Bangkok unless set); reprocessing a
file reads the dates in its text. The index serves a user's date-range filters and sorts.

The metadata reading is frozen here on purpose: a migration must not change with the code.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from drive2.migrations.sqlite_rebuild import foreign_keys_off

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

#: (section, key) of the metadata dates, best first (as domain/document_date.py had them).
_SOURCES = (
    ("email", "date"),
    ("exif", "taken_at"),
    ("pdf", "created_at"),
    ("document", "created_at"),
)
_BATCH = 1000


def upgrade() -> None:
    with foreign_keys_off(), op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("document_date", sa.Date(), nullable=True))
        batch.create_index("ix_files_user_document_date", ["user_id", "document_date"])
    _backfill()


def downgrade() -> None:
    with foreign_keys_off(), op.batch_alter_table("files") as batch:
        batch.drop_index("ix_files_user_document_date")
        batch.drop_column("document_date")


def _backfill() -> None:
    zone = ZoneInfo(os.environ.get("TIMEZONE") or "Asia/Bangkok")
    files = sa.table(
        "files",
        sa.column("id", sa.String),
        sa.column("metadata_json", sa.JSON),
        sa.column("uploaded_at", sa.DateTime(timezone=True)),
        sa.column("document_date", sa.Date),
    )
    conn = op.get_bind()
    last = ""
    while True:
        rows = conn.execute(
            sa.select(files.c.id, files.c.metadata_json, files.c.uploaded_at)
            .where(files.c.id > last)
            .order_by(files.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        values = [{"row_id": row[0], "day": _day(row[1], row[2], zone)} for row in rows if row[2]]
        if values:
            conn.execute(
                files.update()
                .where(files.c.id == sa.bindparam("row_id"))
                .values(document_date=sa.bindparam("day")),
                values,
            )
        last = rows[-1][0]


def _day(metadata: Any, uploaded_at: Any, zone: ZoneInfo) -> date:
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = {}
    for section, key in _SOURCES:
        part = metadata.get(section) if isinstance(metadata, dict) else None
        value = part.get(key) if isinstance(part, dict) else None
        day = _parse(value, zone) if isinstance(value, str) else None
        if day is not None:
            return day
    moment = uploaded_at if isinstance(uploaded_at, datetime) else _parse_moment(uploaded_at)
    if moment is None:
        return date.today()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))  # stored times are UTC
    return moment.astimezone(zone).date()


def _parse(value: str, zone: ZoneInfo) -> date | None:
    moment = _parse_moment(value)
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.date() if 1900 <= moment.year <= 2200 else None


def _parse_moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
