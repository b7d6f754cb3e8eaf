"""Rebuilding a table on SQLite without losing the rows that point at it.

SQLite cannot drop a column or change its NULL rule in place: Alembic's batch mode copies the
table into a new one and drops the old. With foreign keys on, that DROP cascade-deletes every
row that references the table (a file's tags, stages and share links; a user's files). The
pragma is a no-op inside a transaction, hence the autocommit blocks (they commit the
migrations before this one)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op


@contextmanager
def foreign_keys_off() -> Iterator[None]:
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")
