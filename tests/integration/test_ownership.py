"""Another user's file id answers 404 on every route that takes one, and leaves the file as
it was; search and the list never show it. The route table is checked against the app's own
routes, so a new `{file_id}` route without a case here fails the test."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from drive2.api.app import create_app
from drive2.bootstrap import Container
from drive2.config import Settings
from drive2.pipeline.runner import RunOutcome
from drive2.services.signed_links import signed_path
from tests.integration.test_search_api import make_container
from tests.support.api import register_and_login, upload
from tests.support.files import pdf_with_text

SECRET_WORDS = "Zanzibar quokka treasury memorandum about the Lisbon warehouse lease"

#: (method, route path) -> the requests to make; each one must answer 404.
CASES: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("GET", "/api/v1/files/{file_id}"): [{}],
    ("GET", "/api/v1/files/{file_id}/status"): [{}],
    ("GET", "/api/v1/files/{file_id}/text"): [{}],
    ("GET", "/api/v1/files/{file_id}/thumbnail"): [{}],
    ("GET", "/api/v1/files/{file_id}/preview"): [{}],
    ("GET", "/api/v1/files/{file_id}/download"): [
        {},
        {"headers": {"Range": "bytes=0-9"}},
        {"headers": {"Range": "bytes=-5"}},
    ],
    ("PATCH", "/api/v1/files/{file_id}"): [
        {"json": {"filename": "stolen.pdf"}},
        {"json": {"tags": ["mine-now"]}},
        {"json": {"filename": "stolen.pdf", "tags": []}},
    ],
    ("DELETE", "/api/v1/files/{file_id}"): [{}, {"params": {"permanent": "true"}}],
    ("POST", "/api/v1/files/{file_id}/reprocess"): [{}],
    # Trash and share links (issue 16).
    ("POST", "/api/v1/files/{file_id}/restore"): [{}],
    ("GET", "/api/v1/files/{file_id}/shares"): [{}],
    ("POST", "/api/v1/files/{file_id}/shares"): [
        {"json": {"expires_in_days": None}},
        {"json": {"expires_in_days": 7}},
    ],
    # LINE's signed links need no token: the intruder's valid link to their own file, pointed
    # at the victim's id, must open nothing.
    ("GET", "/api/v1/line/files/{file_id}/thumbnail"): [{"signed": "thumbnail"}],
    ("GET", "/api/v1/line/files/{file_id}/preview"): [{"signed": "preview"}],
    ("GET", "/api/v1/line/files/{file_id}/download"): [{"signed": "download"}],
}
SIGNED_LINK_REFUSED = {"detail": "this link is not valid or has expired"}


def _api_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """Every APIRoute with its full path. FastAPI >= 0.16x keeps included routers as nodes
    (original_router + include_context.prefix) instead of copying their routes up."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, set(route.methods)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context_prefix = getattr(getattr(route, "include_context", None), "prefix", "")
            yield from _api_routes(inner.routes, prefix + context_prefix)


def file_id_routes(container: Container) -> set[tuple[str, str]]:
    app = create_app(container)
    return {
        (method, path)
        for path, methods in _api_routes(app.routes)
        if "{file_id}" in path
        for method in methods
        if method != "HEAD"
    }


@pytest.fixture
def two_users(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    container = make_container(settings)
    with TestClient(create_app(container)) as client:
        yield client, register_and_login(client), register_and_login(client)
    container.close()


def _snapshot(client: TestClient, owner: dict[str, str], file_id: str) -> dict[str, Any]:
    f = client.get(f"/api/v1/files/{file_id}", headers=owner)
    assert f.status_code == 200, f.text
    body = f.json()
    download = client.get(f"/api/v1/files/{file_id}/download", headers=owner)
    thumbnail = client.get(f"/api/v1/files/{file_id}/thumbnail", headers=owner)
    shares = client.get(f"/api/v1/files/{file_id}/shares", headers=owner).json()["items"]
    preview = client.get(f"/api/v1/files/{file_id}/preview", headers=owner)
    return {
        "filename": body["filename"],
        "tags": body["tags"],
        "status": body["status"],
        "trashed_at": body["trashed_at"],
        "shares": [s["id"] for s in shares],
        "attempts": client.get(f"/api/v1/files/{file_id}/status", headers=owner).json()["attempts"],
        "bytes": download.content,
        "thumbnail": thumbnail.status_code,
        "preview": preview.status_code,
        "text": client.get(f"/api/v1/files/{file_id}/text", headers=owner).text,
    }


def test_the_table_covers_every_route_that_takes_a_file_id(settings: Settings) -> None:
    container = make_container(settings)
    try:
        routes = file_id_routes(container)
        documented = {
            (method.upper(), path)
            for path, operations in create_app(container).openapi()["paths"].items()
            if "{file_id}" in path
            for method in operations
        }
    finally:
        container.close()
    # The walk over app.routes finds at least what the OpenAPI schema documents.
    assert documented and documented <= routes, (documented, routes)
    missing = routes - set(CASES)
    stale = set(CASES) - routes
    assert not missing, f"routes with a file id and no ownership case: {sorted(missing)}"
    assert not stale, f"ownership cases for routes that no longer exist: {sorted(stale)}"


def test_another_users_file_is_404_everywhere_and_stays_unchanged(
    two_users: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, owner, intruder = two_users
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    data = pdf_with_text(f"{SECRET_WORDS}. The lease ends in March.")
    file_id = upload(client, owner, "lease.pdf", data).json()["file_id"]
    assert container.runner.run(file_id) is RunOutcome.COMPLETED
    r = client.patch(f"/api/v1/files/{file_id}", headers=owner, json={"tags": ["private-lease"]})
    assert r.status_code == 200
    share = client.post(f"/api/v1/files/{file_id}/shares", headers=owner, json={}).json()
    before = _snapshot(client, owner, file_id)
    assert before["shares"] == [share["id"]]
    assert before["thumbnail"] == 200 and "Zanzibar" in before["text"], before["text"][:200]
    assert before["preview"] == 200
    # The intruder has a file of their own, so "nothing found" is not merely an empty drive.
    own = upload(client, intruder, "own.txt", b"my own shopping list").json()["file_id"]

    secret = container.settings.resolved_jwt_secret()
    for (method, path), calls in sorted(CASES.items()):
        for call in calls:
            url = path.replace("{file_id}", file_id)
            expected = {"detail": "file not found"}
            if "signed" in call:
                url = signed_path(secret, call["signed"], own, 3600).replace(own, file_id)
                expected = SIGNED_LINK_REFUSED
            r = client.request(
                method,
                url,
                headers={**intruder, **call.get("headers", {})},
                **{k: v for k, v in call.items() if k not in ("headers", "signed")},
            )
            assert r.status_code == 404, (method, path, call, r.status_code, r.text)
            assert r.json() == expected, (method, path, r.text)

    # Routes that take the owner's ids some other way: a share id, a selection, the trash.
    spare = upload(client, intruder, "spare.txt", b"a file of the intruder").json()["file_id"]
    r = client.delete(f"/api/v1/shares/{share['id']}", headers=intruder)
    assert r.status_code == 404 and r.json() == {"detail": "share link not found"}
    for action, extra in (
        ("trash", {}),
        ("restore", {}),
        ("delete_permanently", {}),
        ("reprocess", {}),
        ("add_tags", {"tags": ["mine-now"]}),
        ("remove_tags", {"tags": ["private-lease"]}),
    ):
        r = client.post(
            "/api/v1/files/bulk",
            headers=intruder,
            json={"action": action, "file_ids": [file_id, spare], **extra},
        )
        assert r.status_code == 200, r.text
        assert r.json()["results"][0] == {"file_id": file_id, "ok": False, "error": "not found"}
        assert r.json()["results"][1]["ok"] is True, (action, r.text)
        if action == "delete_permanently":
            spare = upload(client, intruder, "spare.txt", b"another").json()["file_id"]
    r = client.post("/api/v1/files/archive", headers=intruder, json={"file_ids": [file_id]})
    assert r.status_code == 404 and r.json() == {"detail": "file not found"}
    assert client.post("/api/v1/trash/empty", headers=intruder).status_code == 204
    assert client.get("/api/v1/audit", headers=intruder, params={"file_id": file_id}).json() == {
        "items": [],
        "total": 0,
    }
    client.delete(f"/api/v1/files/{spare}", headers=intruder, params={"permanent": "true"})

    assert _snapshot(client, owner, file_id) == before
    assert container.blobs.exists(
        f"originals/{client.get('/api/v1/users/me', headers=owner).json()['id']}/{file_id}"
    )

    listing = client.get("/api/v1/files", headers=intruder).json()
    assert [f["id"] for f in listing["items"]] == [own] and listing["total"] == 1
    for params in ({"tag": "private-lease"}, {"status": "completed"}, {"limit": 500}):
        listed = client.get("/api/v1/files", headers=intruder, params=params).json()
        assert file_id not in [f["id"] for f in listed["items"]], params

    for mode in ("hybrid", "semantic", "keyword"):
        for q in (SECRET_WORDS, "Zanzibar quokka", "lease.pdf", "private-lease"):
            r = client.get("/api/v1/search", headers=intruder, params={"q": q, "mode": mode})
            assert r.status_code == 200, r.text
            found = [i["file_id"] for i in r.json()["items"]]
            assert file_id not in found, (mode, q)
    # The owner does find it by the same words: the search would have shown it.
    r = client.get(
        "/api/v1/search", headers=owner, params={"q": "Zanzibar quokka", "mode": "keyword"}
    )
    assert file_id in [i["file_id"] for i in r.json()["items"]]
