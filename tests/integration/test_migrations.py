"""Migrations up and down on SQLite and PostgreSQL, and in step with the models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

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
    "file_search_terms",
    "file_search_totals",
    "notifications",
    "line_link_codes",
    "line_webhook_events",
    "quota_alert_state",
    "share_links",
    "audit_events",
    "embedding_collections",
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


def test_document_date_is_backfilled_from_metadata_then_the_upload_day(database_url: str) -> None:
    """Migration 0007 on a drive with files: dates from their metadata where there is one
    (e-mail, EXIF, PDF, office, read in Asia/Bangkok), else the upload day in Bangkok."""
    import json
    from datetime import date

    from sqlalchemy import text

    upgrade(database_url, "0005")
    engine = build_engine(database_url)
    rows = {
        "a" * 36: ({"exif": {"taken_at": "2024-12-31T20:00:00+00:00"}}, "2025-03-01 10:00:00"),
        "b" * 36: ({"pdf": {"created_at": "2023-05-06T07:08:09"}}, "2025-03-01 10:00:00"),
        "c" * 36: ({"email": {"date": "not a date"}}, "2025-03-01 18:30:00"),
        "d" * 36: ({}, "2025-03-01 16:59:59"),
    }
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, storage_quota_bytes,"
                    " created_at) VALUES ('u', 'u@example.com', 'x', 1, '2025-01-01 00:00:00')"
                )
            )
            for file_id, (metadata, uploaded) in rows.items():
                conn.execute(
                    text(
                        "INSERT INTO files (id, user_id, filename, content_type, size_bytes,"
                        " checksum_sha256, storage_key, status, progress, attempts, tags_edited,"
                        " dispatch_count, uploaded_at, updated_at, metadata_json) VALUES"
                        " (:id, 'u', 'f', 'text/plain', 1, :id, :id, 'completed', 100, 1,"
                        " false, 0, :uploaded, :uploaded, :metadata)"
                    ),
                    {"id": file_id, "uploaded": uploaded, "metadata": json.dumps(metadata)},
                )
        upgrade(database_url)
        with engine.connect() as conn:
            found = dict(conn.execute(text("SELECT id, document_date FROM files")).all())
    finally:
        engine.dispose()
    as_dates = {k: v if isinstance(v, date) else date.fromisoformat(v) for k, v in found.items()}
    assert as_dates == {
        "a" * 36: date(2025, 1, 1),  # 03:00 on New Year's Day in Bangkok
        "b" * 36: date(2023, 5, 6),
        "c" * 36: date(2025, 3, 2),  # no usable date: the upload day (01:30 in Bangkok)
        "d" * 36: date(2025, 3, 1),
    }


def test_an_upgraded_install_keeps_searching_its_minilm_vectors(database_url: str) -> None:
    """0006 records that an install with processed files embedded them with MiniLM: search
    reads that collection until the new default model's is filled; a new install has none."""
    upgrade(database_url, "0005")
    engine = build_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, storage_quota_bytes, "
                    "created_at) VALUES ('u1', 'a@example.com', 'x', 1000, :now)"
                ),
                {"now": datetime.now(UTC)},
            )
        upgrade(database_url, "0006")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM embedding_collections")).scalar() == 0
        downgrade(database_url, "0005")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO files (id, user_id, filename, content_type, size_bytes, "
                    "checksum_sha256, storage_key, status, progress, attempts, tags_edited, "
                    "dispatch_count, uploaded_at, updated_at, metadata_json) VALUES ('f1', "
                    "'u1', 'a.txt', 'text/plain', 1, 'c', 'k', 'completed', 100, 1, false, 0, "
                    ":now, :now, '{}')"
                ),
                {"now": datetime.now(UTC)},
            )
        upgrade(database_url, "0006")
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT model, dimension, state FROM embedding_collections")
            ).all()
        assert [tuple(r) for r in rows] == [("all-MiniLM-L6-v2", 384, "serving")]
    finally:
        engine.dispose()


def _count(url: str, sql: str) -> int:
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_line_login_migration_keeps_every_users_files(database_url: str) -> None:
    """0012 rebuilds `users` on SQLite (email and password become optional). With foreign
    keys on, dropping the old table would cascade-delete every file and link code: the rows
    written before the upgrade must all be there after it, and after a round trip down."""
    upgrade(database_url, "0005")
    engine = build_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, storage_quota_bytes,"
                    " line_user_id, created_at) VALUES ('u1', 'ann@example.com', 'h', 100,"
                    " 'U1', :now)"
                ),
                {"now": datetime.now(UTC)},
            )
            conn.execute(
                text(
                    "INSERT INTO files (id, user_id, filename, content_type, size_bytes,"
                    " checksum_sha256, storage_key, status, progress, attempts, tags_edited,"
                    " dispatch_count, uploaded_at, updated_at, metadata_json)"
                    " VALUES ('f1', 'u1', 'a.txt', 'text/plain', 3, 'abc', 'k', 'completed',"
                    " 100, 1, false, 1, :now, :now, '{}')"
                ),
                {"now": datetime.now(UTC)},
            )
            conn.execute(text("INSERT INTO file_tags (file_id, tag) VALUES ('f1', 'kept')"))
            conn.execute(
                text(
                    "INSERT INTO line_link_codes (code_hash, user_id, expires_at, created_at)"
                    " VALUES ('c1', 'u1', :now, :now)"
                ),
                {"now": datetime.now(UTC)},
            )
    finally:
        engine.dispose()
    upgrade(database_url)
    for table in ("users", "files", "file_tags", "line_link_codes"):
        assert _count(database_url, f"SELECT count(*) FROM {table}") == 1, table
    assert _count(database_url, "SELECT count(*) FROM users WHERE line_bot_blocked") == 0
    if database_url.startswith("sqlite"):
        # The pragma is back on for the connections that follow.
        assert _count(database_url, "PRAGMA foreign_keys") == 1
    # An account made with LINE (no email, no password) survives a downgrade and upgrade.
    engine = build_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, storage_quota_bytes, line_user_id, created_at,"
                    " line_bot_blocked) VALUES ('u2', 100, 'U2', :now, false)"
                ),
                {"now": datetime.now(UTC)},
            )
    finally:
        engine.dispose()
    downgrade(database_url, "0005")
    upgrade(database_url)
    assert _count(database_url, "SELECT count(*) FROM users") == 2
    assert _count(database_url, "SELECT count(*) FROM files") == 1
    # Every table rebuilt on the way down and up (users, files) kept the rows pointing at it.
    assert _count(database_url, "SELECT count(*) FROM file_tags") == 1
