"""Alembic environment: the URL comes from the caller (drive2 migrate), never from an ini."""

from __future__ import annotations

from alembic import context

from drive2.adapters.db.engine import build_engine
from drive2.adapters.db.keyword_index import is_unmodelled_table
from drive2.adapters.db.tables import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "drive2.adapters.db.migrate sets sqlalchemy.url"
connectable = build_engine(url)

with connectable.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # FTS5 and its shadow tables exist only on SQLite and are not modelled.
        include_name=lambda name, kind, _parent: (
            not (kind == "table" and is_unmodelled_table(name))
        ),
    )
    with context.begin_transaction():
        context.run_migrations()
connectable.dispose()
