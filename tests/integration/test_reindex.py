"""Re-embedding after a model change without downtime (issue 12, part 2), with the real
models: files embedded with all-MiniLM-L6-v2, then multilingual-e5-small configured. Search
keeps reading the old collection until the new one is complete, then switches, and the old
one is dropped. Run on SQLite + the embedded index and on PostgreSQL + Qdrant's local mode."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient

from drive2.adapters.db.migrate import upgrade
from drive2.adapters.vector.qdrant import QdrantVectorIndex
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.ports.embedding_collections import BUILDING, SERVING, FileToEmbed
from drive2.services.reindex import BUSY, COMPLETE, PAUSED
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.reindex import processed_files
from tests.support.services import fresh_postgres_database

pytestmark = [pytest.mark.timeout(900)]

E5, MINILM = "multilingual-e5-small", "all-MiniLM-L6-v2"
ENGLISH = "Invoice from Acme Consulting: payment of 12,500 THB is due within 30 days."
THAI = "สัญญาเช่าห้องชุด เงินประกันสองเดือน ผู้เช่าชำระค่าเช่าภายในวันที่ 5 ของทุกเดือน"
HIKE = "We hiked to the summit at dawn; the nights were cold and foggy."


@pytest.fixture(params=["sqlite+embedded", "postgresql+qdrant"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    if request.param == "sqlite+embedded":
        yield {}
        return
    with fresh_postgres_database() as url:
        # qdrant-client's local mode: the Qdrant adapter through the server's client API.
        client = QdrantClient(path=str(tmp_path / "qdrant"))
        yield {"DATABASE_URL": url, "qdrant": client}
        client.close()


class SharedQdrant(QdrantVectorIndex):
    """One local-mode client for the test's several containers (local mode locks its
    directory); it outlives each container's close()."""

    def close(self) -> None:
        pass


def container_for(
    make_settings: SettingsFactory, deployment: dict[str, Any], **settings: Any
) -> Container:
    values = {k: v for k, v in deployment.items() if k != "qdrant"}
    built = make_settings(AI_PROVIDERS="local", **values, **settings)
    built.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(built.resolved_database_url)
    container = build_container(built)
    if "qdrant" in deployment:
        container.__dict__["vectors"] = SharedQdrant(deployment["qdrant"])
    return container


def semantic(client: TestClient, headers: dict[str, str], q: str) -> list[str]:
    r = client.get("/api/v1/search", params={"q": q, "mode": "semantic"}, headers=headers)
    assert r.status_code == 200, r.text
    return [item["filename"] for item in r.json()["items"]]


def test_search_reads_the_old_collection_until_the_new_one_is_complete(
    make_settings: SettingsFactory, deployment: dict[str, Any]
) -> None:
    # An install on MiniLM with three processed files.
    old = container_for(make_settings, deployment, EMBEDDING_MODEL=MINILM)
    assert old.reindex.ensure().state == SERVING  # the first model of a new install
    with TestClient(create_app(old)) as client:
        headers = register_and_login(client)  # the token stays valid (same JWT secret)
        for name, text in (("invoice.txt", ENGLISH), ("lease.txt", THAI), ("hike.txt", HIKE)):
            file_id = upload(client, headers, name, text.encode()).json()["file_id"]
            assert str(old.runner.run(file_id)) == "completed"
    assert old.vectors.count(MINILM, 384) == 3
    minilm = old.embedder  # loaded once: the new container's search borrows it below

    # The upgrade: e5 configured. Nothing re-embedded yet: search answers from MiniLM.
    new = container_for(make_settings, deployment, EMBEDDING_MODEL=E5, REINDEX_BATCH_FILES=1)
    new.query_embedder._others[MINILM] = minilm  # type: ignore[attr-defined]
    with TestClient(create_app(new)) as client:
        status = client.get("/api/v1/search/status", headers=headers).json()
        assert status["state"] in ("pending", BUILDING) and status["serving_model"] == MINILM
        state = new.reindex.ensure()
        assert (state.state, state.files_total, state.files_done) == (BUILDING, 3, 0)
        assert new.query_embedder.model_name == MINILM
        assert semantic(client, headers, "summit at dawn")[0] == "hike.txt"

        # A job out of time stops before doing anything and says so; a job that finds the
        # lease held by another returns at once.
        assert new.reindex.run(budget_seconds=0.0, owner="first") == PAUSED
        assert new.reindex.collections.claim(E5, "first", _at(60), _at(0))
        assert new.reindex.run(owner="second") == BUSY
        assert new.reindex.collections.claim(E5, "first", _at(0), _at(0))  # lease ends now

        # Half-way through, search still reads MiniLM; then the switch.
        seen: list[tuple[int, int, str, str]] = []

        def halfway(done: int, total: int) -> None:
            model = new.reindex.serving_model()[0]
            seen.append((done, total, model, semantic(client, headers, "summit at dawn")[0]))

        assert new.reindex.run(owner="third", progress=halfway) == COMPLETE
        assert seen == [
            (1, 3, MINILM, "hike.txt"),
            (2, 3, MINILM, "hike.txt"),
            (3, 3, MINILM, "hike.txt"),
        ]

        # Complete: e5 serves, MiniLM's collection is gone, Thai is understood.
        assert new.reindex.serving_model() == (E5, 384)
        assert new.vectors.count(E5, 384) == 3
        assert new.vectors.count(MINILM, 384) == 0
        assert [c.model for c in new.reindex.collections.all()] == [E5]
        new.query_embedder._checked = -10.0  # type: ignore[attr-defined]
        assert new.query_embedder.model_name == E5
        assert semantic(client, headers, "เงินประกันห้องชุดกี่เดือน")[0] == "lease.txt"
        assert semantic(client, headers, "summit at dawn")[0] == "hike.txt"
        status = client.get("/api/v1/search/status", headers=headers).json()
        assert status == {
            "model": E5,
            "serving_model": E5,
            "state": SERVING,
            "files_done": 3,
            "files_total": 3,
            "percent": 100,
        }
        metrics = client.get("/metrics").text
        assert f'drive2_embedding_collection{{model="{E5}",state="serving"}} 1.0' in metrics
        assert f'drive2_reindex_files_done{{model="{E5}"}} 3.0' in metrics
        assert f'drive2_files_reembedded_total{{model="{E5}"}} 3.0' in metrics
        assert client.get("/api/v1/search/status").status_code == 401
        # Run again: nothing to do.
        assert new.reindex.run() == COMPLETE
    new.close()
    old.close()


def test_a_new_install_serves_the_configured_model_at_once(
    make_settings: SettingsFactory, deployment: dict[str, Any]
) -> None:
    fresh = container_for(make_settings, deployment)
    assert fresh.reindex.ensure().state == SERVING
    assert fresh.reindex.run() == COMPLETE
    assert fresh.reindex.serving_model() == (E5, 384)
    fresh.close()


def test_switching_back_while_building_drops_the_half_built_collection(
    make_settings: SettingsFactory, deployment: dict[str, Any]
) -> None:
    first = container_for(make_settings, deployment, EMBEDDING_MODEL=MINILM)
    processed_files(first, "a@example.com", [ENGLISH, HIKE])
    assert first.reindex.ensure().state == SERVING
    second = container_for(make_settings, deployment, EMBEDDING_MODEL=E5)
    assert second.reindex.ensure().state == BUILDING
    second.reindex._embed(FileToEmbed("half-built", "someone", ENGLISH))  # one file's points
    assert second.vectors.count(E5, 384) > 0
    # The operator changes their mind: MiniLM again. The e5 collection goes.
    again = container_for(make_settings, deployment, EMBEDDING_MODEL=MINILM)
    again.__dict__["vectors"] = second.vectors
    assert again.reindex.ensure().state == SERVING
    assert [c.model for c in again.reindex.collections.all()] == [MINILM]
    assert second.vectors.count(E5, 384) == 0
    for c in (first, second, again):
        c.close()


def _at(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def test_the_reindex_command_shows_progress_and_switches(
    make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from drive2.cli import main
    from drive2.config import reset_settings_cache

    setup = container_for(make_settings, {}, EMBEDDING_MODEL=MINILM)
    file_ids = processed_files(setup, "cli@example.com", [ENGLISH, THAI, HIKE])
    assert setup.reindex.ensure().state == SERVING  # MiniLM serves (it has no vectors here)
    monkeypatch.setenv("DRIVE2_DATA_DIR", str(setup.settings.data_dir))
    monkeypatch.setenv("JWT_SECRET", setup.settings.jwt_secret or "")
    reset_settings_cache()
    try:
        one = CliRunner().invoke(main, ["reindex", "--user", "cli@example.com"])
        assert one.exit_code == 0, one.output
        assert "3 files of cli@example.com re-embedded with multilingual-e5-small" in one.output
        assert setup.reindex.serving_model()[0] == MINILM  # one user's files switch nothing
        done = CliRunner().invoke(main, ["reindex"])
        assert done.exit_code == 0, done.output
        assert "re-embedding with multilingual-e5-small" in done.output
        assert "search reads multilingual-e5-small (3 files re-embedded)" in done.output
    finally:
        reset_settings_cache()
    assert setup.reindex.serving_model() == (E5, 384)
    assert all(setup.vectors.count(E5, 384, file_id=f) >= 1 for f in file_ids)
    setup.close()
