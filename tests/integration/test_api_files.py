"""The file routes through the HTTP interface, embedded parts (SQLite, folder, SQLite broker).

No worker runs here: uploads stay pending, which is what these routes must cope with.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from drive2.bootstrap import Container
from drive2.domain.models import FileStatus
from tests.support.api import register_and_login, upload
from tests.support.files import multipart, pdf_with_text


def _container(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined, no-any-return]


def test_upload_answers_202_pending_with_the_sniffed_type(client: TestClient) -> None:
    headers = register_and_login(client)
    data = pdf_with_text("Quarterly report")
    r = upload(client, headers, "report.txt", data)  # the name lies; the bytes do not
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "pending"
    assert body["content_type"] == "application/pdf"
    assert body["size_bytes"] == len(data)
    assert body["checksum_sha256"] == hashlib.sha256(data).hexdigest()
    assert body["filename"] == "report.txt"
    assert body["duplicate"] is False
    uuid.UUID(body["file_id"])
    f = client.get(f"/api/v1/files/{body['file_id']}", headers=headers).json()
    assert f["status"] == "pending"
    assert f["has_thumbnail"] is False
    assert f["ai"] is None
    assert f["uploaded_at"].endswith("Z") or "+" in f["uploaded_at"]


def test_same_content_again_is_a_200_duplicate_with_the_same_id(client: TestClient) -> None:
    headers = register_and_login(client)
    first = upload(client, headers, "a.txt", b"same bytes")
    second = upload(client, headers, "b.txt", b"same bytes")
    assert first.status_code == 202
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert second.json()["file_id"] == first.json()["file_id"]
    keys = _container(client).blobs.list_keys("originals/")
    assert len(keys) == 1
    # Another user uploading the same bytes gets their own file.
    other = upload(client, register_and_login(client), "c.txt", b"same bytes")
    assert other.status_code == 202
    assert other.json()["file_id"] != first.json()["file_id"]


def test_another_users_file_is_404_on_every_route(client: TestClient) -> None:
    owner = register_and_login(client)
    intruder = register_and_login(client)
    file_id = upload(client, owner, "secret.txt", b"owner only").json()["file_id"]
    routes = [
        ("GET", f"/api/v1/files/{file_id}", None),
        ("GET", f"/api/v1/files/{file_id}/status", None),
        ("GET", f"/api/v1/files/{file_id}/download", None),
        ("GET", f"/api/v1/files/{file_id}/text", None),
        ("GET", f"/api/v1/files/{file_id}/thumbnail", None),
        ("POST", f"/api/v1/files/{file_id}/reprocess", None),
        ("PATCH", f"/api/v1/files/{file_id}", {"filename": "mine.txt"}),
        ("DELETE", f"/api/v1/files/{file_id}", None),
    ]
    for method, path, body in routes:
        r = client.request(method, path, headers=intruder, json=body)
        assert r.status_code == 404, (method, path, r.status_code)
        assert r.json() == {"detail": "file not found"}
    listing = client.get("/api/v1/files", headers=intruder).json()
    assert listing == {"items": [], "total": 0}
    # And the owner still has it, untouched.
    f = client.get(f"/api/v1/files/{file_id}", headers=owner).json()
    assert f["filename"] == "secret.txt"


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "..%2F..%2Fetc", "1' OR '1'='1"])
def test_malformed_ids_are_404(client: TestClient, bad_id: str) -> None:
    headers = register_and_login(client)
    assert client.get(f"/api/v1/files/{bad_id}", headers=headers).status_code == 404


def test_upload_over_the_limit_is_413_and_leaves_nothing(
    make_settings,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from drive2.adapters.db.migrate import upgrade
    from drive2.api.app import create_app
    from drive2.bootstrap import build_container

    settings = make_settings(MAX_UPLOAD_BYTES=64 * 1024)
    settings.data_path.mkdir(parents=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with TestClient(create_app(container)) as client:
        headers = register_and_login(client)
        # Declared too large: refused before the body is read.
        r = upload(client, headers, "big.bin", b"x" * (256 * 1024))
        assert r.status_code == 413
        assert "limit" in r.json()["detail"]
        # Content-Length lies (says small); the bytes counted while streaming decide.
        body = multipart("file", "liar.bin", b"y" * (256 * 1024))
        r = client.post(
            "/api/v1/files/upload",
            headers={
                **headers,
                "Content-Type": "multipart/form-data; boundary=drive2boundary",
                "Content-Length": "100",
            },
            content=iter([body[i : i + 8192] for i in range(0, len(body), 8192)]),
        )
        assert r.status_code == 413
        assert client.get("/api/v1/files", headers=headers).json()["total"] == 0
        assert container.blobs.list_keys() == []
        assert not any((settings.objects_path / ".incoming").iterdir())
        # Just under the limit is fine.
        assert upload(client, headers, "ok.bin", b"z" * (60 * 1024)).status_code == 202
    container.close()


def test_quota_is_enforced_at_upload(client: TestClient) -> None:
    headers = register_and_login(client)
    c = _container(client)
    me = client.get("/api/v1/users/me", headers=headers).json()
    c.repo.set_quota(me["id"], 1000)
    assert upload(client, headers, "a.bin", b"a" * 900).status_code == 202
    r = upload(client, headers, "b.bin", b"b" * 200)
    assert r.status_code == 413
    assert "quota" in r.json()["detail"]
    assert len(c.blobs.list_keys("originals/")) == 1


def test_empty_file_is_accepted(client: TestClient) -> None:
    headers = register_and_login(client)
    r = upload(client, headers, "empty.txt", b"")
    assert r.status_code == 202
    assert r.json()["size_bytes"] == 0
    assert r.json()["content_type"] == "application/x-empty"


HOSTILE_NAMES = [
    "../../../etc/passwd",
    "..\\..\\windows\\system32\\evil.dll",
    "bad\x00name.txt",
    "invoice\u202etxt.exe",
    "a" * 2000 + ".pdf",
    "   ",
    "con\r\nX-Injected: 1.txt",
    "CON",
    "aux.txt",
    "LPT1.tar.gz",
    "nul .pdf",
    'quote"; filename="evil.exe',
    "ใบแจ้งหนี้ ๒๕๖๘.pdf",
]
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10))} | {
    f"LPT{i}" for i in range(10)
}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_filenames_are_stored_under_a_server_key_and_shown_safely(
    client: TestClient, name: str
) -> None:
    headers = register_and_login(client)
    data = f"content for {name!r}".encode()
    body = multipart("file", name, data)
    r = client.post(
        "/api/v1/files/upload",
        headers={**headers, "Content-Type": "multipart/form-data; boundary=drive2boundary"},
        content=body,
    )
    assert r.status_code == 202, r.text
    shown = r.json()["filename"]
    file_id = r.json()["file_id"]
    assert shown and len(shown) <= 255
    assert "/" not in shown and "\\" not in shown and ".." not in shown.strip(".")[:2]
    assert not any(ch in shown for ch in "\x00\r\n\u202e\u202d\u2066\u2067\u2068\u2069")
    me = client.get("/api/v1/users/me", headers=headers).json()
    keys = _container(client).blobs.list_keys("originals/")
    assert keys == [f"originals/{me['id']}/{file_id}"]
    d = client.get(f"/api/v1/files/{file_id}/download", headers=headers)
    assert d.status_code == 200 and d.content == data
    disposition = d.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert all(32 <= ord(ch) < 127 for ch in disposition)
    assert "X-Injected" not in d.headers
    # Both names a browser may use are the stored one, made safe: no path, no device name,
    # no quote that ends the parameter early.
    match = re.fullmatch(r'attachment; filename="([^"]*)"; filename\*=UTF-8\'\'(\S+)', disposition)
    assert match, disposition
    fallback, encoded = match.group(1), unquote(match.group(2))
    assert encoded == shown
    assert re.fullmatch(r"[A-Za-z0-9._ ()-]+", fallback), fallback
    for candidate in (fallback, encoded):
        assert candidate.split(".", 1)[0].strip().upper() not in WINDOWS_DEVICES, candidate
        assert not candidate.startswith((".", " ")) and "/" not in candidate


def test_download_serves_bytes_with_safe_headers_and_ranges(client: TestClient) -> None:
    headers = register_and_login(client)
    data = bytes(range(256)) * 40
    file_id = upload(client, headers, "page.html", data).json()["file_id"]
    url = f"/api/v1/files/{file_id}/download"
    whole = client.get(url, headers=headers)
    assert whole.status_code == 200
    assert whole.content == data
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert whole.headers["content-disposition"].startswith("attachment;")
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get(url, headers={**headers, "Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    tail = client.get(url, headers={**headers, "Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == data[-5:]
    open_end = client.get(url, headers={**headers, "Range": f"bytes={len(data) - 3}-"})
    assert open_end.content == data[-3:]
    beyond = client.get(url, headers={**headers, "Range": f"bytes={len(data) + 10}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(data)}"


def test_patch_renames_and_retags_and_list_filters(client: TestClient) -> None:
    headers = register_and_login(client)
    ids = [
        upload(client, headers, f"f{i}.txt", f"file {i}".encode()).json()["file_id"]
        for i in range(3)
    ]
    r = client.patch(
        f"/api/v1/files/{ids[0]}",
        headers=headers,
        json={"filename": "../Renamed\u202e.txt", "tags": ["Tax", " tax ", "2025"]},
    )
    assert r.status_code == 200
    assert r.json()["filename"] == "Renamed.txt"
    assert r.json()["tags"] == ["2025", "tax"]
    by_tag = client.get("/api/v1/files", headers=headers, params={"tag": "tax"}).json()
    assert [f["id"] for f in by_tag["items"]] == [ids[0]]
    page = client.get("/api/v1/files", headers=headers, params={"limit": 2, "offset": 0}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert [f["id"] for f in page["items"]] == [ids[2], ids[1]]  # newest first
    pending = client.get("/api/v1/files", headers=headers, params={"status": "pending"}).json()
    assert pending["total"] == 3
    done = client.get("/api/v1/files", headers=headers, params={"status": "completed"}).json()
    assert done["total"] == 0
    bad = client.get("/api/v1/files", headers=headers, params={"status": "bogus"})
    assert bad.status_code == 422
    empty = client.patch(f"/api/v1/files/{ids[1]}", headers=headers, json={})
    assert empty.status_code == 422


def test_delete_trashes_and_permanent_delete_removes_row_and_object(client: TestClient) -> None:
    headers = register_and_login(client)
    file_id = upload(client, headers, "gone.txt", b"soon gone").json()["file_id"]
    assert client.delete(f"/api/v1/files/{file_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/files/{file_id}", headers=headers).json()["trashed_at"]
    assert len(_container(client).blobs.list_keys("originals/")) == 1
    permanent = {"permanent": "true"}
    r = client.delete(f"/api/v1/files/{file_id}", headers=headers, params=permanent)
    assert r.status_code == 204
    assert client.get(f"/api/v1/files/{file_id}", headers=headers).status_code == 404
    assert _container(client).blobs.list_keys("originals/") == []
    r = client.delete(f"/api/v1/files/{file_id}", headers=headers, params=permanent)
    assert r.status_code == 404


def test_reprocess_while_processing_is_409(client: TestClient) -> None:
    headers = register_and_login(client)
    file_id = upload(client, headers, "busy.txt", b"busy").json()["file_id"]
    c = _container(client)
    assert c.repo.claim(file_id, FileStatus.PENDING, 0) is not None  # a worker has it
    r = client.post(f"/api/v1/files/{file_id}/reprocess", headers=headers)
    assert r.status_code == 409
    assert "processed" in r.json()["detail"]
    c.repo.fail(file_id, None, "boom")
    r = client.post(f"/api/v1/files/{file_id}/reprocess", headers=headers)
    assert r.status_code == 202
    assert r.json() == {"file_id": file_id, "status": "pending"}
    status = client.get(f"/api/v1/files/{file_id}/status", headers=headers).json()
    assert status["error"] is None and status["progress"] == 0


def test_text_is_empty_and_thumbnail_404_before_processing(client: TestClient) -> None:
    headers = register_and_login(client)
    file_id = upload(client, headers, "n.txt", b"not yet processed").json()["file_id"]
    t = client.get(f"/api/v1/files/{file_id}/text", headers=headers)
    assert t.status_code == 200
    assert t.headers["content-type"] == "text/plain; charset=utf-8"
    assert t.text == ""
    assert client.get(f"/api/v1/files/{file_id}/thumbnail", headers=headers).status_code == 404


def test_upload_without_a_file_field_is_422(client: TestClient) -> None:
    headers = register_and_login(client)
    r = client.post("/api/v1/files/upload", headers=headers, data={"note": "no file"})
    assert r.status_code == 422
    r = client.post("/api/v1/files/upload", headers=headers, content=b"raw body")
    assert r.status_code == 422
    assert _container(client).blobs.list_keys() == []


def test_health_readiness_metrics_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    parts = ready.json()["parts"]
    assert set(parts) == {"database", "object_store", "broker", "vector_index"}
    assert all(p["ok"] and p["latency_ms"] >= 0 for p in parts.values())
    client.get("/healthz")
    metrics = client.get("/metrics").text
    assert "drive2_http_requests_total" in metrics
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/files/upload", "/api/v1/files/{file_id}/download", "/readyz"):
        assert path in paths


def test_readyz_is_503_when_the_broker_is_down(make_settings) -> None:  # type: ignore[no-untyped-def]
    from drive2.adapters.db.migrate import upgrade
    from drive2.api.app import create_app
    from drive2.bootstrap import build_container
    from tests.support.proxy import free_port

    settings = make_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    settings.data_path.mkdir(parents=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with TestClient(create_app(container)) as client:
        r = client.get("/readyz")
        assert r.status_code == 503
        body = r.json()
        assert body["parts"]["broker"]["ok"] is False
        assert body["parts"]["database"]["ok"] is True
    container.close()
