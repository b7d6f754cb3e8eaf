"""Migrations up and down on SQLite and PostgreSQL, and in step with the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from drive2.adapters.db.engine import build_engine
from drive2.adapters.db.keyword_index import is_unmodelled_table
from drive2.adapters.db.migrate import downgrade, upgrade
from drive2.adapters.db.tables import Base
from tests.support.services import fresh_postgres_database

TABLES = {
    "users",
    "files",
    "file_tags",
    "file_stages",
    "ai_usage",
    "file_search",
    "notifications",
    "line_link_codes",
    "line_webhook_events",
    "quota_alert_state",
    "invites",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.sqlite3'}"
    else:
        request.applymarker(pytest.mark.services)
        with fresh_postgres_database() as url:
            yield url


def _tables(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    # SQLite's FTS5 index (file_search_fts and its shadow tables) exists only there, and
    # goes with the rest on downgrade.
    fts = {n for n in names if is_unmodelled_table(n)}
    assert not fts or (url.startswith("sqlite") and "file_search" in names), fts
    return names - fts


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    upgrade(database_url)
    assert _tables(database_url) == TABLES
    downgrade(database_url, "base")
    assert _tables(database_url) == set()
    upgrade(database_url)
    assert _tables(database_url) == TABLES


def test_migrations_match_the_models(database_url: str) -> None:
    upgrade(database_url)
    engine = build_engine(database_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    # FTS5 virtual tables cannot be modelled; keyword_index owns them.
                    "include_name": lambda name, kind, _parent: (
                        not (kind == "table" and is_unmodelled_table(name))
                    ),
                },
            )
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
