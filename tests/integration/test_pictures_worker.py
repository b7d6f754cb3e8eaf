"""Pictures through a real Celery worker process on the server deployment's parts
(PostgreSQL, Redis): the worker's own processes load the classifier and the geocoder, and
the photos are then found through the API by Thai and English words (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import pictures
from tests.support.api import register_and_login, upload, wait_for_status
from tests.support.app import client_and_container
from tests.support.services import server_deployment_env
from tests.support.worker import running_worker

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with server_deployment_env(tmp_path) as env:
        yield env


def test_a_worker_names_places_and_labels_and_search_finds_them(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    client, container = client_and_container(server_env)
    uploads = {
        "cat.jpg": pictures.photo_jpeg("cat", pictures.PHUKET),
        "coffee.jpg": pictures.photo_jpeg("coffee", pictures.AREZZO),
        "broken-gps.jpg": pictures.photo_jpeg(
            "motorcycle", gps=pictures.gps_ifd(13.75, 100.49, refs=False)
        ),
    }
    with client, running_worker(server_env, tmp_path / "worker.log"):
        headers = register_and_login(client)
        ids = {name: upload(client, headers, name, data).json()["file_id"] for name, data in
               uploads.items()}  # fmt: skip
        for name, file_id in ids.items():
            # The first picture waits for the worker to load its models.
            status = wait_for_status(client, headers, file_id, timeout=240)
            assert status["status"] == "completed", (name, status)
        cat = client.get(f"/api/v1/files/{ids['cat.jpg']}", headers=headers).json()
        assert cat["metadata"]["place"]["admin1_th"] == "ภูเก็ต"
        assert cat["metadata"]["picture"]["labels"][0]["label"] == "cat"
        assert cat["has_preview"] is True
        preview = client.get(f"/api/v1/files/{ids['cat.jpg']}/preview", headers=headers)
        assert preview.status_code == 200
        broken = client.get(f"/api/v1/files/{ids['broken-gps.jpg']}/status", headers=headers)
        place = {s["name"]: s for s in broken.json()["stages"]}["place"]
        assert place["outcome"] == "skipped"
        assert place["detail"] == "the GPS latitude has no N/S reference"
        for query, name in (("ภูเก็ต", "cat.jpg"), ("Phuket", "cat.jpg"), ("แมว", "cat.jpg"),
                            ("อิตาลี", "coffee.jpg"), ("Italy", "coffee.jpg")):  # fmt: skip
            r = client.get("/api/v1/search", headers=headers, params={"q": query})
            found = [item["file_id"] for item in r.json()["items"]]
            assert found and found[0] == ids[name], (query, found, ids)
    container.close()
