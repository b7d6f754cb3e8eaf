"""Access to the real PostgreSQL and Redis the suite runs against.

With DRIVE2_REQUIRE_SERVICES=1 (CI), a missing service fails the test; otherwise it skips,
so a laptop without PostgreSQL can still run the rest.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis

ADMIN_URL = os.environ.get(
    "DRIVE2_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("DRIVE2_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def services_required() -> bool:
    return os.environ.get("DRIVE2_REQUIRE_SERVICES", "") not in ("", "0", "false")


def unavailable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable: {exc}"
    if services_required():
        pytest.fail(message + " (DRIVE2_REQUIRE_SERVICES is set)", pytrace=False)
    pytest.skip(message)


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database for one test; dropped afterwards."""
    name = f"drive2_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(_psycopg_url(ADMIN_URL), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        unavailable("PostgreSQL", exc)
        raise
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = ADMIN_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(_psycopg_url(ADMIN_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def xdist_worker_number() -> int:
    """0 without pytest-xdist; N for its worker gwN."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0


def redis_db_of_this_process() -> int:
    """The Redis logical database this test process may flush, and no other process uses.

    DRIVE2_TEST_REDIS_DBS (a comma-separated list, one per xdist worker) wins; else
    DRIVE2_TEST_REDIS_DB (default 9) plus the xdist worker's number: with `-n 2` the suite
    uses DB 9 and DB 10. Two checkouts testing at once on one Redis pick bases that far apart.
    """
    worker = xdist_worker_number()
    listed = [int(n) for n in os.environ.get("DRIVE2_TEST_REDIS_DBS", "").split(",") if n.strip()]
    if listed:
        if worker >= len(listed):
            raise RuntimeError(
                f"DRIVE2_TEST_REDIS_DBS names {len(listed)} databases; xdist worker {worker} "
                "has none"
            )
        return listed[worker]
    return int(os.environ.get("DRIVE2_TEST_REDIS_DB", "9")) + worker


#: Which logical database the suite flushes (per xdist worker): see redis_db_of_this_process.
REDIS_TEST_DB = redis_db_of_this_process()


@contextmanager
def fresh_redis_db(index: int | None = None) -> Iterator[str]:
    """A flushed Redis logical database for one test."""
    url = f"{REDIS_URL.rstrip('/')}/{REDIS_TEST_DB if index is None else index}"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        client.flushdb()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
        raise
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@contextmanager
def server_deployment_env(tmp_path: Path, **extra: str) -> Iterator[dict[str, str]]:
    """The settings of a test running the server deployment's parts: a fresh PostgreSQL
    database, a flushed Redis database as broker and result backend, a data dir in tmp_path."""
    with fresh_postgres_database() as db_url, fresh_redis_db() as redis_url:
        yield {
            "DATABASE_URL": db_url,
            "CELERY_BROKER_URL": redis_url,
            "CELERY_RESULT_BACKEND": redis_url,
            "DRIVE2_DATA_DIR": str(tmp_path / "data"),
            "JWT_SECRET": "server-test-secret-" + "s" * 32,
            "TASK_RETRY_DELAY_SECONDS": "0.5",
            "STORAGE_FSYNC": "false",
            **extra,
        }
