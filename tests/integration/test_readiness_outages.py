"""/readyz turns 503 when a real Redis or PostgreSQL goes away and 200 when it is back.

Redis: a redis-server of the test's own on a free port, stopped and started again (the shared
server is never touched). PostgreSQL: a TCP proxy in front of the shared server, cut and
restored."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import build_container
from drive2.config import Settings
from tests.support.proxy import TcpProxy
from tests.support.redis_server import RedisServer, own_redis
from tests.support.services import fresh_postgres_database, fresh_redis_db

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.heavy]


def _ready(client: TestClient) -> tuple[int, dict[str, Any]]:
    r = client.get("/readyz")
    return r.status_code, r.json()


def _wait_ready(client: TestClient, want: int, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    status, body = _ready(client)
    while status != want:
        assert time.monotonic() < deadline, f"/readyz stayed {status}: {body}"
        time.sleep(0.5)
        status, body = _ready(client)
    return body


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with own_redis(tmp_path / "redis") as server:
        yield server


def test_readyz_is_503_while_redis_is_stopped_and_200_after_restart(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    with fresh_postgres_database() as db_url:
        upgrade(db_url)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            DATABASE_URL=db_url,
            REDIS_URL=redis_server.url,
            DRIVE2_DATA_DIR=tmp_path / "data",
            JWT_SECRET="ready-secret-" + "r" * 32,
        )
        container = build_container(settings)
        try:
            with TestClient(create_app(container)) as client:
                body = _wait_ready(client, 200)
                assert body["status"] == "ready"
                assert body["parts"]["broker"]["ok"] is True

                redis_server.stop()
                body = _wait_ready(client, 503)
                assert body["status"] == "unavailable"
                assert body["parts"]["broker"]["ok"] is False
                assert body["parts"]["broker"]["error"]
                assert body["parts"]["database"]["ok"] is True
                assert body["parts"]["broker"]["latency_ms"] >= 0
                # /metrics still answers, and says which source it could not read.
                metrics = client.get("/metrics")
                assert metrics.status_code == 200
                assert 'drive2_metrics_source_up{source="broker"} 0.0' in metrics.text
                assert 'drive2_metrics_source_up{source="database"} 1.0' in metrics.text

                redis_server.start()
                body = _wait_ready(client, 200)
                assert all(part["ok"] for part in body["parts"].values())
        finally:
            container.close()


def test_readyz_is_503_while_postgresql_is_unreachable_and_200_when_back(
    tmp_path: Path,
) -> None:
    with fresh_postgres_database() as db_url, fresh_redis_db() as redis_url:
        upgrade(db_url)
        host_port = db_url.split("@", 1)[1].split("/", 1)[0]
        host, port = host_port.rsplit(":", 1)
        proxy = TcpProxy(host, int(port))
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            DATABASE_URL=db_url.replace(host_port, f"127.0.0.1:{proxy.port}"),
            REDIS_URL=redis_url,
            DRIVE2_DATA_DIR=tmp_path / "data",
            JWT_SECRET="ready-secret-" + "p" * 32,
        )
        container = build_container(settings)
        try:
            with TestClient(create_app(container)) as client:
                assert _wait_ready(client, 200)["parts"]["database"]["ok"] is True

                proxy.cut()
                body = _wait_ready(client, 503)
                assert body["parts"]["database"]["ok"] is False
                assert "OperationalError" in body["parts"]["database"]["error"]
                assert body["parts"]["broker"]["ok"] is True
                metrics = client.get("/metrics")
                assert metrics.status_code == 200
                assert 'drive2_metrics_source_up{source="database"} 0.0' in metrics.text

                proxy.restore()
                body = _wait_ready(client, 200)
                assert body["parts"]["database"]["ok"] is True
        finally:
            container.close()
            proxy.close()
