"""What keeps the suite safe under pytest-xdist (issue 13, item 21): each worker has its own
Redis database, and tests marked `heavy` share one xdist group."""

from __future__ import annotations

import pytest

from tests.support.services import redis_db_of_this_process, xdist_worker_number


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, 9),
        ({"DRIVE2_TEST_REDIS_DB": "4"}, 4),
        ({"DRIVE2_TEST_REDIS_DB": "4", "PYTEST_XDIST_WORKER": "gw0"}, 4),
        ({"DRIVE2_TEST_REDIS_DB": "4", "PYTEST_XDIST_WORKER": "gw1"}, 5),
        ({"DRIVE2_TEST_REDIS_DBS": "4,14", "PYTEST_XDIST_WORKER": "gw1"}, 14),
        ({"DRIVE2_TEST_REDIS_DBS": "4, 14", "DRIVE2_TEST_REDIS_DB": "2"}, 4),
    ],
)
def test_each_xdist_worker_has_its_own_redis_database(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: int
) -> None:
    for name in ("DRIVE2_TEST_REDIS_DB", "DRIVE2_TEST_REDIS_DBS", "PYTEST_XDIST_WORKER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert redis_db_of_this_process() == expected


def test_too_few_listed_databases_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRIVE2_TEST_REDIS_DBS", "4")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert xdist_worker_number() == 1
    with pytest.raises(RuntimeError, match="worker 1"):
        redis_db_of_this_process()


def test_my_redis_is_mine_and_empty(redis_url: str) -> None:
    import redis

    assert redis_url.endswith(f"/{redis_db_of_this_process()}")
    client = redis.Redis.from_url(redis_url)
    assert client.dbsize() == 0
    client.set("drive2-test", "x")
    client.close()


@pytest.mark.heavy
def test_a_heavy_test_joins_the_heavy_group(request: pytest.FixtureRequest) -> None:
    group = request.node.get_closest_marker("xdist_group")
    assert group is not None and group.args == ("heavy",)
    if xdist_worker_process(request) and request.config.getvalue("loadgroup"):
        # The scheduler groups by this suffix; pytest 9 ignores where xdist 3.8 writes it, so
        # tests/conftest.py writes it (without it, heavy tests ran on both workers at once).
        assert request.node.nodeid.endswith("@heavy"), request.node.nodeid


def xdist_worker_process(request: pytest.FixtureRequest) -> bool:
    return hasattr(request.config, "workerinput")


def test_a_light_test_stays_ungrouped(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("xdist_group") is None
