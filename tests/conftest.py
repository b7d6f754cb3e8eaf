"""Shared fixtures: embedded settings in a temporary data dir, a migrated container and an
API client over the real ASGI app."""

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

# Settings read .env and the environment; a developer's own DATABASE_URL must not leak in.
for _name in (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "REDIS_URL",
    "S3_ENDPOINT",
    "QDRANT_URL",
    "DRIVE2_DATA_DIR",
    "JWT_SECRET",
    "GEMINI_API_KEY",
    "GEMINI_BASE_URL",
    "OLLAMA_URL",
    "AI_PROVIDERS",
    "EMBEDDING_MODEL_PATH",
):
    os.environ.pop(_name, None)

# The converted multilingual-e5-small is cached once for the whole run (the API and worker
# processes the tests start inherit this), not once per temporary data dir; the cache is
# keyed by the model file's checksum and safe to share between concurrent runs.
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


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    c = build_container(settings)
    yield c
    c.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client
