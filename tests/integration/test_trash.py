"""The trash through the HTTP interface, with the real pipeline and model on the embedded
parts: DELETE moves a file there, it leaves lists and every search mode but keeps its
objects, vectors and quota; restore brings it back without reprocessing; permanent delete
and emptying the trash remove the file, its objects and its vectors; another user's trash is
out of reach."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from drive2.api.app import create_app
from drive2.bootstrap import Container
from drive2.config import Settings
from tests.integration.test_search_api import BREAD, INVOICE, add, find, ids, make_container
from tests.support.api import register_and_login, upload
from tests.support.files import pdf_with_text

MODES = ("keyword", "semantic", "hybrid")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    container = make_container(settings)
    with TestClient(create_app(container)) as test_client:
        yield test_client
    container.close()


def _c(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined, no-any-return]


def _vectors(client: TestClient, file_id: str) -> int:
    c = _c(client)
    return c.vectors.count(c.embedder.model_name, c.embedder.dimension, file_id=file_id)


def _used(client: TestClient, headers: dict[str, str]) -> int:
    return int(client.get("/api/v1/users/me", headers=headers).json()["storage_used_bytes"])


def _listed(client: TestClient, headers: dict[str, str], **params: object) -> list[str]:
    r = client.get("/api/v1/files", headers=headers, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    return [f["id"] for f in body["items"]]


def _audit(client: TestClient, headers: dict[str, str]) -> list[tuple[str, str | None]]:
    r = client.get("/api/v1/audit", headers=headers)
    assert r.status_code == 200, r.text
    return [(e["action"], e["file_id"]) for e in r.json()["items"]]


def test_trash_hides_everywhere_and_restore_brings_it_back_without_reprocessing(
    client: TestClient,
) -> None:
    headers = register_and_login(client)
    bread = add(client, headers, "bread.md", BREAD)
    invoice = add(client, headers, "invoice.pdf", pdf_with_text(INVOICE))
    client.patch(f"/api/v1/files/{bread}", headers=headers, json={"tags": ["kitchen"]})
    vectors, used = _vectors(client, bread), _used(client, headers)
    assert vectors > 0
    for mode in MODES:
        assert bread in ids(find(client, headers, "sourdough bread", mode))

    assert client.delete(f"/api/v1/files/{bread}", headers=headers).status_code == 204
    # Still there for its owner, marked as trashed.
    f = client.get(f"/api/v1/files/{bread}", headers=headers).json()
    trashed_at = datetime.fromisoformat(f["trashed_at"])
    assert abs((datetime.now(UTC) - trashed_at).total_seconds()) < 60
    assert client.get(f"/api/v1/files/{bread}/download", headers=headers).content == BREAD.encode()
    # Out of the list, every filter of it, and every search mode (with and without filters).
    assert _listed(client, headers) == [invoice]
    assert _listed(client, headers, tag="kitchen") == []
    assert _listed(client, headers, trashed="true") == [bread]
    for mode in MODES:
        assert bread not in ids(find(client, headers, "sourdough bread", mode))
        assert bread not in ids(find(client, headers, "sourdough bread", mode, tag="kitchen"))
        assert bread not in ids(find(client, headers, "sourdough", mode, type="text"))
    assert ids(find(client, headers, "consulting invoice", "keyword")) == [invoice]
    # Kept: vectors, objects and the quota it uses.
    assert _vectors(client, bread) == vectors
    assert _used(client, headers) == used
    # Trashing again changes nothing.
    assert client.delete(f"/api/v1/files/{bread}", headers=headers).status_code == 204
    again = client.get(f"/api/v1/files/{bread}", headers=headers).json()
    assert again["trashed_at"] == f["trashed_at"]

    r = client.post(f"/api/v1/files/{bread}/restore", headers=headers)
    assert r.status_code == 200, r.text
    restored = r.json()
    assert restored["id"] == bread and restored["trashed_at"] is None
    assert restored["status"] == "completed" and restored["tags"] == ["kitchen"]
    status = client.get(f"/api/v1/files/{bread}/status", headers=headers).json()
    assert status["attempts"] == 1  # not processed again
    for mode in MODES:
        assert bread in ids(find(client, headers, "sourdough bread", mode))
    assert bread in ids(find(client, headers, "sourdough", "keyword", tag="kitchen"))
    assert set(_listed(client, headers)) == {bread, invoice}
    assert _listed(client, headers, trashed="true") == []
    # Restoring a file that is not in the trash is harmless.
    assert client.post(f"/api/v1/files/{bread}/restore", headers=headers).status_code == 200
    log = _audit(client, headers)
    assert log[:2] == [("restored", bread), ("trashed", bread)]
    assert log.count(("trashed", bread)) == 1


def test_a_trashed_file_cannot_be_reprocessed_or_shared_until_restored(
    client: TestClient,
) -> None:
    headers = register_and_login(client)
    file_id = upload(client, headers, "a.txt", b"some words").json()["file_id"]
    assert client.delete(f"/api/v1/files/{file_id}", headers=headers).status_code == 204
    r = client.post(f"/api/v1/files/{file_id}/reprocess", headers=headers)
    assert r.status_code == 409 and "trash" in r.json()["detail"]
    r = client.post(f"/api/v1/files/{file_id}/shares", headers=headers, json={})
    assert r.status_code == 409 and "trash" in r.json()["detail"]
    client.post(f"/api/v1/files/{file_id}/restore", headers=headers)
    assert client.post(f"/api/v1/files/{file_id}/reprocess", headers=headers).status_code == 202


def test_permanent_delete_removes_objects_thumbnail_vectors_and_row(client: TestClient) -> None:
    headers = register_and_login(client)
    keep = add(client, headers, "keep.md", BREAD)
    gone = add(client, headers, "invoice.pdf", pdf_with_text(INVOICE))
    c = _c(client)
    record = c.repo.get_file(gone)
    assert record is not None and record.thumbnail_key and record.preview_key
    keys = record.object_keys()
    assert keys == [record.storage_key, record.thumbnail_key, record.preview_key]
    assert all(c.blobs.exists(k) for k in keys) and _vectors(client, gone) > 0
    used = _used(client, headers)

    # Straight from the drive, without passing through the trash.
    r = client.delete(f"/api/v1/files/{gone}", headers=headers, params={"permanent": "true"})
    assert r.status_code == 204
    assert not any(c.blobs.exists(k) for k in keys)
    assert _vectors(client, gone) == 0
    assert client.get(f"/api/v1/files/{gone}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/files/{gone}/restore", headers=headers).status_code == 404
    assert _used(client, headers) == used - record.size_bytes
    assert _listed(client, headers) == [keep] and _vectors(client, keep) > 0
    for mode in MODES:
        assert gone not in ids(find(client, headers, "consulting invoice", mode))
    assert ("deleted", gone) in _audit(client, headers)
    r = client.delete(f"/api/v1/files/{gone}", headers=headers, params={"permanent": "true"})
    assert r.status_code == 404


def test_empty_trash_deletes_only_what_is_in_the_users_trash(client: TestClient) -> None:
    owner, other = register_and_login(client), register_and_login(client)
    a, b, kept = (
        upload(client, owner, f"{n}.txt", f"file {n}".encode()).json()["file_id"]
        for n in ("a", "b", "kept")
    )
    others = upload(client, other, "theirs.txt", b"their trash").json()["file_id"]
    for fid in (a, b):
        assert client.delete(f"/api/v1/files/{fid}", headers=owner).status_code == 204
    assert client.delete(f"/api/v1/files/{others}", headers=other).status_code == 204
    used = _used(client, owner)

    assert client.post("/api/v1/trash/empty", headers=owner).status_code == 204
    assert _listed(client, owner, trashed="true") == []
    assert _listed(client, owner) == [kept]
    assert _used(client, owner) == used - len(b"file a") - len(b"file b")
    assert _c(client).blobs.list_keys("originals/") != []
    assert client.get(f"/api/v1/files/{a}", headers=owner).status_code == 404
    # The other user's trash is untouched, and emptying an empty trash is fine.
    assert _listed(client, other, trashed="true") == [others]
    assert client.post("/api/v1/trash/empty", headers=owner).status_code == 204
    deleted = [fid for action, fid in _audit(client, owner) if action == "deleted"]
    assert sorted(deleted) == sorted([a, b])


def test_another_users_trash_is_out_of_reach(client: TestClient) -> None:
    owner, intruder = register_and_login(client), register_and_login(client)
    file_id = upload(client, owner, "private.txt", b"owner only").json()["file_id"]
    own = upload(client, intruder, "own.txt", b"intruder's own").json()["file_id"]
    assert client.delete(f"/api/v1/files/{file_id}", headers=owner).status_code == 204

    assert _listed(client, intruder, trashed="true") == []
    for method, path, params in (
        ("POST", f"/api/v1/files/{file_id}/restore", {}),
        ("DELETE", f"/api/v1/files/{file_id}", {}),
        ("DELETE", f"/api/v1/files/{file_id}", {"permanent": "true"}),
    ):
        r = client.request(method, path, headers=intruder, params=params)
        assert r.status_code == 404 and r.json() == {"detail": "file not found"}, (path, r.text)
    assert client.post("/api/v1/trash/empty", headers=intruder).status_code == 204
    f = client.get(f"/api/v1/files/{file_id}", headers=owner).json()
    assert f["trashed_at"] is not None
    assert _listed(client, owner, trashed="true") == [file_id]
    assert _listed(client, intruder) == [own]
    assert _audit(client, intruder) == []


def test_a_trashed_file_leaves_the_daily_summary(client: TestClient) -> None:
    headers = register_and_login(client)
    user_id = client.get("/api/v1/users/me", headers=headers).json()["id"]
    first = upload(client, headers, "a.txt", b"one").json()["file_id"]
    upload(client, headers, "b.txt", b"two")
    store = _c(client).notification_store
    start = datetime(2000, 1, 1, tzinfo=UTC)
    end = datetime(2100, 1, 1, tzinfo=UTC)
    assert store.day_activity(user_id, start, end).uploaded == 2
    client.delete(f"/api/v1/files/{first}", headers=headers)
    assert store.day_activity(user_id, start, end).uploaded == 1
