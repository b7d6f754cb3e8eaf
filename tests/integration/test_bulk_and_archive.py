"""POST /files/bulk and POST /files/archive through the HTTP interface: each file of a bulk
action succeeds or fails on its own (another user's id is "not found" and stays untouched);
a zip holds the originals under de-duplicated, safe names, is streamed, and refuses a
selection with someone else's file. The zip is also made from S3 (moto over HTTP)."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.services.archive import MISSING_NOTE
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.files import pdf_with_text
from tests.support.s3 import ACCESS_KEY, SECRET_KEY, drop_bucket, running_moto_server, unique_bucket


def _c(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined, no-any-return]


def _bulk(
    client: TestClient, headers: dict[str, str], action: str, ids: list[str], **extra: Any
) -> list[dict[str, Any]]:
    r = client.post(
        "/api/v1/files/bulk", headers=headers, json={"action": action, "file_ids": ids, **extra}
    )
    assert r.status_code == 200, r.text
    results: list[dict[str, Any]] = r.json()["results"]
    assert all(set(x) == {"file_id", "ok", "error"} for x in results)
    return results


def _file(client: TestClient, headers: dict[str, str], file_id: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/files/{file_id}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_bulk_tags_trash_restore_reprocess_and_delete(client: TestClient) -> None:
    owner, intruder = register_and_login(client), register_and_login(client)
    a, b = (
        upload(client, owner, f"{n}.txt", f"file {n}".encode()).json()["file_id"]
        for n in ("a", "b")
    )
    theirs = upload(client, intruder, "theirs.txt", b"not yours").json()["file_id"]
    missing = str(uuid.uuid4())

    results = _bulk(
        client, owner, "add_tags", [a, b, theirs, missing, "junk"], tags=["Tax", "2026"]
    )
    assert results == [
        {"file_id": a, "ok": True, "error": None},
        {"file_id": b, "ok": True, "error": None},
        {"file_id": theirs, "ok": False, "error": "not found"},
        {"file_id": missing, "ok": False, "error": "not found"},
        {"file_id": "junk", "ok": False, "error": "not found"},
    ]
    assert _file(client, owner, a)["tags"] == ["2026", "tax"]
    assert _file(client, intruder, theirs)["tags"] == []
    # Adding tags keeps the ones there; removing takes only those named.
    _bulk(client, owner, "add_tags", [a], tags=["tax", "kept"])
    assert _file(client, owner, a)["tags"] == ["2026", "kept", "tax"]
    assert [r["ok"] for r in _bulk(client, owner, "remove_tags", [a, b, theirs], tags=["TAX"])] == [
        True,
        True,
        False,
    ]
    assert _file(client, owner, a)["tags"] == ["2026", "kept"]
    assert _file(client, owner, b)["tags"] == ["2026"]

    assert all(r["ok"] for r in _bulk(client, owner, "trash", [a, b]))
    assert _file(client, owner, a)["trashed_at"] is not None
    assert _bulk(client, owner, "trash", [theirs])[0]["ok"] is False
    assert _file(client, intruder, theirs)["trashed_at"] is None
    # A trashed file cannot be processed again; each file says why on its own.
    reprocess = _bulk(client, owner, "reprocess", [a])
    assert reprocess[0]["ok"] is False and "trash" in reprocess[0]["error"]
    assert all(r["ok"] for r in _bulk(client, owner, "restore", [a, b, a]))
    assert _file(client, owner, a)["trashed_at"] is None

    c = _c(client)
    busy = c.repo.get_file(b)
    assert busy is not None and c.repo.claim(b, busy.status, busy.attempts)
    reprocess = _bulk(client, owner, "reprocess", [a, b])
    assert reprocess[0] == {"file_id": a, "ok": True, "error": None}
    assert reprocess[1]["ok"] is False and "being processed" in reprocess[1]["error"]

    deleted = _bulk(client, owner, "delete_permanently", [a, theirs])
    assert [r["ok"] for r in deleted] == [True, False]
    assert client.get(f"/api/v1/files/{a}", headers=owner).status_code == 404
    assert _file(client, intruder, theirs)["filename"] == "theirs.txt"

    actions = {
        (e["action"], e["file_id"])
        for e in client.get("/api/v1/audit", headers=owner).json()["items"]
    }
    for expected in ("tags_added", "tags_removed", "trashed", "restored", "reprocessed", "deleted"):
        assert (expected, a) in actions, expected
    assert client.get("/api/v1/audit", headers=intruder).json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"action": "trash", "file_ids": []},
        {"action": "trash", "file_ids": [str(uuid.uuid4()) for _ in range(501)]},
        {"action": "explode", "file_ids": [str(uuid.uuid4())]},
        {"action": "add_tags", "file_ids": [str(uuid.uuid4())]},
        {"action": "remove_tags", "file_ids": [str(uuid.uuid4())], "tags": ["  "]},
        {"action": "trash"},
        {"file_ids": [str(uuid.uuid4())]},
    ],
)
def test_bad_bulk_requests_are_422(client: TestClient, body: dict[str, Any]) -> None:
    headers = register_and_login(client)
    r = client.post("/api/v1/files/bulk", headers=headers, json=body)
    assert r.status_code == 422, r.text
    assert isinstance(r.json()["detail"], str)


def _zip(r: Any) -> zipfile.ZipFile:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-length" not in r.headers  # streamed, not built first
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None  # every CRC checks out
    return archive


def test_the_zip_holds_the_originals_under_unique_safe_names(client: TestClient) -> None:
    owner, intruder = register_and_login(client), register_and_login(client)
    text_a = ("first report line\n" * 2000).encode()
    text_b = b"second report, same name"
    pdf = pdf_with_text("A PDF in the zip.")
    thai = "ใบแจ้งหนี้ มีนาคม.txt".encode()
    ids = [
        upload(client, owner, "report.txt", text_a).json()["file_id"],
        upload(client, owner, "REPORT.txt", text_b).json()["file_id"],
        upload(client, owner, "scan.pdf", pdf).json()["file_id"],
        upload(client, owner, "ใบแจ้งหนี้ มีนาคม.txt", thai).json()["file_id"],
        upload(client, owner, "..", b"dots only").json()["file_id"],
        upload(client, owner, "empty.txt", b"").json()["file_id"],
    ]
    archive = _zip(client.post("/api/v1/files/archive", headers=owner, json={"file_ids": ids}))
    names = archive.namelist()
    assert names == [
        "report.txt",
        "REPORT (2).txt",
        "scan.pdf",
        "ใบแจ้งหนี้ มีนาคม.txt",
        "unnamed",
        "empty.txt",
    ]
    contents = [text_a, text_b, pdf, thai, b"dots only", b""]
    for name, data in zip(names, contents, strict=True):
        assert archive.read(name) == data
        assert "/" not in name and "\\" not in name
    # Text is deflated, a PDF is stored as it is.
    assert archive.getinfo("report.txt").compress_type == zipfile.ZIP_DEFLATED
    assert archive.getinfo("report.txt").compress_size < len(text_a) // 10
    assert archive.getinfo("scan.pdf").compress_type == zipfile.ZIP_STORED
    archived = [
        e
        for e in client.get("/api/v1/audit", headers=owner).json()["items"]
        if e["action"] == "archived"
    ]
    assert sorted(e["file_id"] for e in archived) == sorted(ids)

    # One file that is not the owner's, and the whole request is a 404 with no zip.
    theirs = upload(client, intruder, "theirs.txt", b"not yours").json()["file_id"]
    for selection in ([*ids, theirs], ["junk"], [str(uuid.uuid4())]):
        r = client.post("/api/v1/files/archive", headers=owner, json={"file_ids": selection})
        assert r.status_code == 404 and r.json() == {"detail": "file not found"}
    r = client.post("/api/v1/files/archive", headers=owner, json={"file_ids": []})
    assert r.status_code == 422


def test_a_lost_original_is_named_in_the_zip_instead_of_breaking_it(client: TestClient) -> None:
    headers = register_and_login(client)
    keep = upload(client, headers, "keep.txt", b"still here").json()["file_id"]
    lost = upload(client, headers, "lost.txt", b"gone from the store").json()["file_id"]
    c = _c(client)
    record = c.repo.get_file(lost)
    assert record is not None
    c.blobs.delete(record.storage_key)
    archive = _zip(
        client.post("/api/v1/files/archive", headers=headers, json={"file_ids": [keep, lost]})
    )
    assert archive.namelist() == ["keep.txt", MISSING_NOTE]
    assert "lost.txt" in archive.read(MISSING_NOTE).decode()


@pytest.fixture
def s3_client(make_settings: SettingsFactory) -> Iterator[TestClient]:
    with running_moto_server() as endpoint:
        settings = make_settings(
            S3_ENDPOINT=endpoint,
            S3_ACCESS_KEY=ACCESS_KEY,
            S3_SECRET_KEY=SECRET_KEY,
            S3_BUCKET=unique_bucket(),
        )
        settings.data_path.mkdir(parents=True, exist_ok=True)
        upgrade(settings.resolved_database_url)
        container = build_container(settings)
        try:
            with TestClient(create_app(container)) as client:
                yield client
        finally:
            drop_bucket(container.blobs)  # type: ignore[arg-type]
            container.close()


def test_the_zip_streams_from_s3(s3_client: TestClient) -> None:
    headers = register_and_login(s3_client)
    big = bytes(range(256)) * 12_000  # ~3 MiB: several chunks read from S3
    ids = [
        upload(s3_client, headers, "big.bin", big).json()["file_id"],
        upload(s3_client, headers, "note.txt", b"a note").json()["file_id"],
        upload(s3_client, headers, "note.txt", b"another note").json()["file_id"],
    ]
    assert _c(s3_client).blobs.name == "s3"
    archive = _zip(s3_client.post("/api/v1/files/archive", headers=headers, json={"file_ids": ids}))
    assert archive.namelist() == ["big.bin", "note.txt", "note (2).txt"]
    assert archive.read("big.bin") == big
    assert archive.read("note (2).txt") == b"another note"
    # Permanent delete removes the objects from the bucket too.
    r = s3_client.delete(f"/api/v1/files/{ids[0]}", headers=headers, params={"permanent": "true"})
    assert r.status_code == 204
    assert len(_c(s3_client).blobs.list_keys("originals/")) == 2
