"""500 uploads from 50 concurrent clients: every file reaches `completed`, none is lost or
duplicated — in the embedded deployment and with PostgreSQL + Redis. The figures (upload
p50/p99, time to drain) are printed; bench/load.py records them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.load import run_load
from tests.support.serve import serving
from tests.support.services import fresh_postgres_database, fresh_redis_db

# Draining 500 files through the whole pipeline takes minutes on 2 cores.
pytestmark = [pytest.mark.slow, pytest.mark.heavy, pytest.mark.timeout(1500)]

FILES = 500
CLIENTS = 50


def _server_env(stack: ExitStack) -> dict[str, str]:
    db_url = stack.enter_context(fresh_postgres_database())
    redis_url = stack.enter_context(fresh_redis_db())
    return {
        "DATABASE_URL": db_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
    }


@pytest.fixture(params=["embedded", "postgresql+redis"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with ExitStack() as stack:
        # Every client registers from this one machine: past the per-address default.
        env = {"AI_PROVIDERS": "local", "STORAGE_FSYNC": "false", "REGISTRATION_MAX_PER_IP": "1000"}
        if request.param != "embedded":
            request.applymarker(pytest.mark.services)
            env.update(_server_env(stack))
        served = stack.enter_context(serving(tmp_path, env, concurrency=2))
        yield served.url


def test_500_uploads_from_50_clients_all_complete_once(deployment: str, tmp_path: Path) -> None:
    report = run_load(deployment, files=FILES, clients=CLIENTS)
    print(json.dumps(report.as_dict(), indent=1))
    assert report.bad_answers == []
    assert report.lost == [] and report.duplicated == []
    assert report.statuses == {"completed": FILES}, report.statuses
