"""The API in-process over a migrated database, for tests whose workers run as processes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.config import Settings


def client_and_container(env: dict[str, str], **extra: str) -> tuple[TestClient, Container]:
    """The settings a worker gets from `env` (plus `extra`), used by the API side too."""
    settings = Settings(_env_file=None, **{**env, **extra})  # type: ignore[call-arg]
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    return TestClient(create_app(container)), container
