"""Shared fixtures: embedded settings in a temporary data dir, a migrated container and an
API client over the real ASGI app; and what makes the suite safe to run in parallel.

Parallel runs (pytest-xdist, `make test` runs `-n 2 --dist loadgroup`): every test gets its
own tmp_path, PostgreSQL database (tests/support/services.py) and free ports; each xdist
worker flushes only its own Redis database (`redis_url` below, or
services.redis_db_of_this_process). A test that must not share the machine with another
heavy one is marked `heavy` (see pyproject.toml): all of them run one after another on one
worker (xdist_group "heavy"), while the light tests go on beside them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.config import Settings
from tests.support.services import fresh_redis_db

# Settings read .env and the environment: nothing a developer or CI machine has set for a
# real Drive2 (DATABASE_URL, LINE_CHANNEL_SECRET, API_PORT, …) may leak into a test. Every
# setting's name is cleared, and every LINE_* variable (LINE's names, present and future).
# The suite's own variables (DRIVE2_TEST_*, DRIVE2_REQUIRE_SERVICES, DRIVE2_CHROMIUM,
# DRIVE2_SCREENSHOTS_DIR) are not settings and stay.
SETTING_NAMES = frozenset(
    (info.alias or name).upper() for name, info in Settings.model_fields.items()
)


def _is_drive2_setting(name: str) -> bool:
    upper = name.upper()
    return upper in SETTING_NAMES or upper.startswith("LINE_")


for _name in [n for n in os.environ if _is_drive2_setting(n)]:
    os.environ.pop(_name, None)

# The converted multilingual-e5-small is cached once for the whole run (the API and worker
# processes the tests start inherit this), not once per temporary data dir; the cache is
# keyed by the model file's checksum and safe to share between concurrent runs.
SUITE_SETTINGS = frozenset({"EMBEDDING_CACHE_DIR"})
os.environ.setdefault(
    "EMBEDDING_CACHE_DIR", str(Path(tempfile.gettempdir()) / "drive2-test-model-cache")
)

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(tmp_path: Path) -> SettingsFactory:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "DRIVE2_DATA_DIR": tmp_path / "data",
            "JWT_SECRET": "test-secret-" + "x" * 40,
            "STORAGE_FSYNC": False,
            "TASK_RETRY_DELAY_SECONDS": 0.5,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return factory


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `heavy` form one xdist group. xdist (3.8) puts a test in its group by
    appending "@group" to `item._nodeid`, which pytest 9 no longer reads (it keeps the id in
    `item._id`), so the suffix is applied here, once, whichever pytest this is."""
    if not config.getoption("loadgroup", default=False):
        return
    for item in items:
        if item.get_closest_marker("heavy") is None or "@" in item.nodeid:
            continue
        grouped = f"{item.nodeid}@heavy"
        if hasattr(item, "_id"):
            from _pytest.nodeid import coerce_node_id

            item._id = coerce_node_id(grouped)
        else:
            item._nodeid = grouped


def pytest_itemcollected(item: pytest.Item) -> None:
    if item.get_closest_marker("heavy") is not None:
        item.add_marker(pytest.mark.xdist_group("heavy"))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """This test's Redis: a logical database of the shared server that no other xdist worker
    (and, by DRIVE2_TEST_REDIS_DB, no other checkout) uses; flushed before and after."""
    with fresh_redis_db() as url:
        yield url


#: Embedders by their settings, shared by every container of this process: loading a model
#: costs seconds, and the loaded weights are read-only.
_EMBEDDERS: dict[tuple[object, ...], object] = {}


def share_embedder(c: Container) -> Container:
    """Give the container the process's embedder for its settings (built on first use)."""
    s = c.settings
    key = (
        s.embedding_model,
        s.embedding_runtime,
        s.embedding_precision,
        s.embedding_model_path,
        s.embedding_batch_size,
        s.torch_threads,
    )
    if key in _EMBEDDERS:
        c.__dict__["embedder"] = _EMBEDDERS[key]  # the cached_property, pre-filled
    else:
        _EMBEDDERS[key] = c.embedder  # lazy: it loads when a test first embeds
    return c


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    c = share_embedder(build_container(settings))
    yield c
    c.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client
