"""Engines tuned per dialect: SQLite in WAL mode with a busy timeout so the API and the
worker processes can write the same file; PostgreSQL with pre-ping so a restarted server
does not hand out dead connections.

Either way a database that does not answer (connection refused or lost, SQLite locked past
its timeout) raises the domain's ServiceUnavailableError from every adapter built on the
engine: no SQLAlchemy error crosses a port (callers retry, or answer 503).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from drive2.domain.errors import ServiceUnavailableError

log = logging.getLogger(__name__)
DATABASE_DOWN = "the database is not available; try again shortly"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (psycopg2 is not a dependency)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _database_down(ctx: ExceptionContext) -> None:
    """handle_error: what the database did not answer becomes ServiceUnavailableError. (A
    failed pre-ping is left alone: the pool replaces the connection itself.)"""
    if ctx.is_pre_ping:
        return
    if ctx.is_disconnect or isinstance(ctx.sqlalchemy_exception, OperationalError | InterfaceError):
        log.warning("database unavailable: %s", ctx.original_exception)
        raise ServiceUnavailableError(DATABASE_DOWN) from ctx.sqlalchemy_exception


def build_engine(url: str) -> Engine:
    engine = _build_engine(url)
    event.listen(engine, "handle_error", _database_down)
    return engine


def _build_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            # Errors quote the statement: never its values (password hashes, file text).
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_recycle=1800,
        hide_parameters=True,
    )
