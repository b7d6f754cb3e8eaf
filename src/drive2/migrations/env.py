"""Alembic environment: the URL comes from the caller (drive2 migrate), never from an ini."""

from __future__ import annotations

from alembic import context

from drive2.adapters.db.engine import build_engine
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
    )
    with context.begin_transaction():
        context.run_migrations()
connectable.dispose()
