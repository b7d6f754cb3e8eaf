"""The database going away in the middle of an upload: 503, and no orphan object."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import build_container
from drive2.config import Settings
from tests.support.api import register_and_login
from tests.support.files import multipart
from tests.support.proxy import TcpProxy
from tests.support.services import fresh_postgres_database

pytestmark = pytest.mark.services


def test_database_lost_during_upload_answers_503_and_leaves_no_object(tmp_path: Path) -> None:
    with fresh_postgres_database() as db_url:
        upgrade(db_url)
        host_port = db_url.split("@", 1)[1].split("/", 1)[0]
        host, port = host_port.rsplit(":", 1)
        proxy = TcpProxy(host, int(port))
        proxied = db_url.replace(host_port, f"127.0.0.1:{proxy.port}")
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            DATABASE_URL=proxied,
            DRIVE2_DATA_DIR=tmp_path / "data",
            JWT_SECRET="outage-secret-" + "q" * 32,
            STORAGE_FSYNC=False,
        )
        container = build_container(settings)
        try:
            with TestClient(create_app(container)) as client:
                headers = register_and_login(client)
                body = multipart("file", "doc.txt", b"words " * 50_000)

                def body_that_cuts_the_database() -> Iterator[bytes]:
                    yield body[:65536]
                    proxy.cut()  # the database disappears while the bytes stream in
                    for i in range(65536, len(body), 65536):
                        yield body[i : i + 65536]

                r = client.post(
                    "/api/v1/files/upload",
                    headers={
                        **headers,
                        "Content-Type": "multipart/form-data; boundary=drive2boundary",
                    },
                    content=body_that_cuts_the_database(),
                )
                assert r.status_code == 503, r.text
                assert "database" in r.json()["detail"]
                assert container.blobs.list_keys() == []
                assert not any((settings.objects_path / ".incoming").iterdir())
                # Back again: the same upload goes through and is the only object.
                proxy.restore()
                r = client.post(
                    "/api/v1/files/upload",
                    headers={
                        **headers,
                        "Content-Type": "multipart/form-data; boundary=drive2boundary",
                    },
                    content=body,
                )
                assert r.status_code == 202, r.text
                assert len(container.blobs.list_keys()) == 1
        finally:
            container.close()
            proxy.close()
