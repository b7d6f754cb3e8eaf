"""Share links through the HTTP interface: made by the owner, opened by anyone without an
account (a page, the bytes with Range and HEAD, the thumbnail), and 404 once revoked, expired,
trashed or never made. Tokens are random and kept only as a hash; another user can neither
list nor revoke someone's links; downloads are rate-limited per link and per address."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from drive2.api.app import create_app
from drive2.bootstrap import Container
from drive2.pipeline.runner import RunOutcome
from drive2.services.shares import MAX_OPEN_SHARES_PER_FILE
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.files import pdf_with_text

HOSTILE_NAME = '<img src=x onerror="alert(1)"> & "quotes".txt'
URL = re.compile(r"^http://testserver/s/(?P<token>[A-Za-z0-9_-]{43})$")


def _c(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined, no-any-return]


def _share(
    client: TestClient, headers: dict[str, str], file_id: str, days: int | None = 7
) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/files/{file_id}/shares", headers=headers, json={"expires_in_days": days}
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    body: dict[str, Any] = r.json()
    assert set(body) == {"id", "url", "expires_at"}
    return body


def _path(share: dict[str, Any]) -> str:
    match = URL.match(share["url"])
    assert match, share["url"]
    return f"/s/{match['token']}"


def _anonymous(client: TestClient) -> TestClient:
    """A client with no session and no token: someone the link was sent to."""
    client.cookies.clear()
    return client


def test_a_link_opens_the_file_without_an_account_until_it_is_revoked(
    client: TestClient,
) -> None:
    owner = register_and_login(client)
    data = b"0123456789" * 100
    file_id = upload(client, owner, HOSTILE_NAME, data).json()["file_id"]
    stored = client.get(f"/api/v1/files/{file_id}", headers=owner).json()["filename"]
    assert "<img" in stored and "&" in stored
    share = _share(client, owner, file_id, days=7)
    expires = datetime.fromisoformat(share["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=1)
    path = _path(share)
    token = path.removeprefix("/s/")

    # The token itself is nowhere in the database: only its hash and a short prefix.
    with _c(client).engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM share_links")).mappings().one()
    assert token not in str(dict(row))
    assert row["token_hash"] == hashlib.sha256(f"drive2-share:{token}".encode()).hexdigest()
    assert row["token_prefix"] == token[:6]

    anon = _anonymous(client)
    page = anon.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"
    assert "noindex" in page.headers["x-robots-tag"]
    # The name is shown as text, never as markup; the page has no script at all.
    assert "<script" not in page.text and "<img src=x" not in page.text
    assert f"<h1>{html.escape(stored)}</h1>" in page.text
    assert f'href="{path}/download"' in page.text and "1000 B" in page.text

    whole = anon.get(f"{path}/download")
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-disposition"].startswith("attachment;")
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert whole.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert whole.headers["content-length"] == str(len(data))
    part = anon.get(f"{path}/download", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    assert anon.get(f"{path}/download", headers={"Range": "bytes=5000-"}).status_code == 416
    head = anon.head(f"{path}/download")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(data))
    # A text file has no thumbnail.
    assert anon.get(f"{path}/thumbnail").status_code == 404

    listed = client.get(f"/api/v1/files/{file_id}/shares", headers=owner).json()["items"]
    assert [s["id"] for s in listed] == [share["id"]]
    # One whole download (the range from 10 and the HEAD are not downloads).
    assert listed[0]["download_count"] == 1 and listed[0]["active"] is True
    assert listed[0]["token_prefix"] == token[:6] and "url" not in listed[0]

    assert client.delete(f"/api/v1/shares/{share['id']}", headers=owner).status_code == 204
    for what in ("", "/download", "/thumbnail"):
        assert anon.get(path + what).status_code == 404
    assert anon.head(f"{path}/download").status_code == 404
    assert "does not work" in anon.get(path).text
    assert client.get(f"/api/v1/files/{file_id}/shares", headers=owner).json()["items"] == []
    assert client.delete(f"/api/v1/shares/{share['id']}", headers=owner).status_code == 404
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=owner).json()["items"]]
    assert actions[:3] == ["share_revoked", "share_downloaded", "share_created"]


def test_an_expired_link_is_404_and_listed_as_inactive(client: TestClient) -> None:
    owner = register_and_login(client)
    file_id = upload(client, owner, "a.txt", b"expiring").json()["file_id"]
    share = _share(client, owner, file_id, days=1)
    never = _share(client, owner, file_id, days=None)
    assert never["expires_at"] is None
    assert client.get(_path(share)).status_code == 200
    with _c(client).engine.begin() as conn:
        conn.execute(
            text("UPDATE share_links SET expires_at = :t WHERE id = :id"),
            {"t": datetime.now(UTC) - timedelta(seconds=1), "id": share["id"]},
        )
    assert client.get(_path(share)).status_code == 404
    assert client.get(_path(share) + "/download").status_code == 404
    assert client.get(_path(never) + "/download").content == b"expiring"
    listed = {
        s["id"]: s["active"]
        for s in client.get(f"/api/v1/files/{file_id}/shares", headers=owner).json()["items"]
    }
    assert listed == {share["id"]: False, never["id"]: True}


def test_trash_closes_the_link_and_restore_opens_it_again(client: TestClient) -> None:
    owner = register_and_login(client)
    file_id = upload(client, owner, "a.txt", b"shared then trashed").json()["file_id"]
    path = _path(_share(client, owner, file_id))
    client.delete(f"/api/v1/files/{file_id}", headers=owner)
    assert client.get(path).status_code == 404
    assert client.get(path + "/download").status_code == 404
    client.post(f"/api/v1/files/{file_id}/restore", headers=owner)
    assert client.get(path + "/download").content == b"shared then trashed"
    # Deleted for good: the link goes with the file.
    client.delete(f"/api/v1/files/{file_id}", headers=owner, params={"permanent": "true"})
    assert client.get(path).status_code == 404
    with _c(client).engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM share_links")).scalar() == 0


@pytest.mark.parametrize(
    "token",
    [
        "A" * 43,  # the right shape, never made
        "short",
        "x" * 500,
        "..%2F..%2Fetc%2Fpasswd",
        "%00" * 20,
    ],
)
def test_unknown_and_malformed_tokens_are_404(client: TestClient, token: str) -> None:
    for what in ("", "/download", "/thumbnail"):
        assert client.get(f"/s/{token}{what}").status_code == 404


@pytest.mark.parametrize("days", [0, -1, 3651, "soon", 1.5])
def test_bad_expiry_is_422(client: TestClient, days: object) -> None:
    owner = register_and_login(client)
    file_id = upload(client, owner, "a.txt", b"x").json()["file_id"]
    r = client.post(
        f"/api/v1/files/{file_id}/shares", headers=owner, json={"expires_in_days": days}
    )
    assert r.status_code == 422 and isinstance(r.json()["detail"], str)


def test_links_per_file_are_capped(client: TestClient) -> None:
    owner = register_and_login(client)
    file_id = upload(client, owner, "a.txt", b"popular").json()["file_id"]
    made = [_share(client, owner, file_id) for _ in range(MAX_OPEN_SHARES_PER_FILE)]
    r = client.post(f"/api/v1/files/{file_id}/shares", headers=owner, json={})
    assert r.status_code == 409
    client.delete(f"/api/v1/shares/{made[0]['id']}", headers=owner)
    _share(client, owner, file_id)


def test_another_user_cannot_list_make_or_revoke_someones_links(client: TestClient) -> None:
    owner, intruder = register_and_login(client), register_and_login(client)
    file_id = upload(client, owner, "a.txt", b"owner's").json()["file_id"]
    share = _share(client, owner, file_id)
    for method, path, body in (
        ("GET", f"/api/v1/files/{file_id}/shares", None),
        ("POST", f"/api/v1/files/{file_id}/shares", {"expires_in_days": None}),
    ):
        r = client.request(method, path, headers=intruder, json=body)
        assert r.status_code == 404 and r.json() == {"detail": "file not found"}
    for share_id in (share["id"], "not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        r = client.delete(f"/api/v1/shares/{share_id}", headers=intruder)
        assert r.status_code == 404 and r.json() == {"detail": "share link not found"}
    assert client.get(_path(share) + "/download").content == b"owner's"
    assert len(client.get(f"/api/v1/files/{file_id}/shares", headers=owner).json()["items"]) == 1
    # Without a session nothing can be made or revoked.
    anon = _anonymous(client)
    assert anon.post(f"/api/v1/files/{file_id}/shares", json={}).status_code == 401
    assert anon.delete(f"/api/v1/shares/{share['id']}").status_code == 401


def test_downloads_are_rate_limited_per_link_and_per_address(
    make_settings: SettingsFactory,
) -> None:
    from tests.integration.test_search_api import make_container

    settings = make_settings(SHARE_DOWNLOADS_PER_TOKEN=3, SHARE_REQUESTS_PER_IP=8)
    container = make_container(settings)
    with TestClient(create_app(container)) as client:
        owner = register_and_login(client)
        file_id = upload(client, owner, "a.txt", b"limited").json()["file_id"]
        first, second = _path(_share(client, owner, file_id)), _path(_share(client, owner, file_id))
        for _ in range(3):
            assert client.get(first + "/download").status_code == 200
        limited = client.get(first + "/download")
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert "too many" in limited.json()["detail"]
        # Another link still works, until this address has used up its own allowance.
        assert client.get(second + "/download").status_code == 200
        statuses = [client.get(second).status_code for _ in range(4)]
        assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
        page = client.get(second)
        assert page.status_code == 429 and "Too many requests" in page.text
    container.close()


def test_an_image_link_shows_its_thumbnail(client: TestClient) -> None:
    owner = register_and_login(client)
    data = pdf_with_text("A shared page with a picture of its first page.")
    file_id = upload(client, owner, "page.pdf", data).json()["file_id"]
    assert _c(client).runner.run(file_id) is RunOutcome.COMPLETED
    path = _path(_share(client, owner, file_id))
    page = client.get(path)
    assert f'<img src="{path}/thumbnail"' in page.text and "PDF" in page.text
    thumb = client.get(path + "/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert thumb.content[:3] == b"\xff\xd8\xff"
