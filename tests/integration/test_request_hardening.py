"""Requests a client can get wrong or make hostile (issue 13, items 2, 3, 4, 10 and 11): capped
bodies, out-of-range dates, the LINE webhook's odd bodies, the signed download's content type,
HEAD on downloads, RFC 5987 file names, and no trace of a refused upload."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.services.line_signature import line_signature
from drive2.services.signed_links import signed_path
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.fake_line import SECRET, FakeLine
from tests.support.line import link_line_account, post_webhook, text_event, webhook_body

HTML_AS_JPEG = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


@pytest.fixture
def line_client(make_settings: SettingsFactory, fake: FakeLine) -> Iterator[TestClient]:
    settings = make_settings(**fake.env(), MAX_UPLOAD_BYTES=4096)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    with TestClient(create_app(container)) as client:
        yield client
    container.close()


def _container(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


# --- item 2: bodies capped before they are read ------------------------------------------------


def test_a_declared_oversized_auth_body_is_refused_unread(client: TestClient) -> None:
    big = json.dumps({"email": "a@example.com", "password": "x" * 200_000}).encode()
    for path in ("/api/v1/auth/register", "/api/v1/auth/session", "/api/v1/auth/login"):
        r = client.post(path, content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413, (path, r.status_code, r.text)
        assert "larger than" in r.json()["detail"]
        assert r.headers["connection"] == "close"


def test_a_chunked_oversized_auth_body_is_refused_while_it_streams(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"email": "a@example.com", "password": "'
        for _ in range(64):
            yield b"y" * 4096
        yield b'"}'

    r = client.post(
        "/api/v1/auth/register", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413, r.text
    assert r.json()["detail"] == "the request body is larger than 16384 bytes"


def test_other_json_bodies_have_the_general_cap(client: TestClient) -> None:
    headers = register_and_login(client)
    missing = "00000000-0000-0000-0000-000000000000"
    body = json.dumps({"tags": ["t" * 100] * 20_000}).encode()  # ~2 MB
    r = client.patch(
        f"/api/v1/files/{missing}",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    # An upload is not held to it (the upload limits apply).
    big = upload(client, headers, "big.bin", b"\x00\x01" * (1024 * 1024))
    assert big.status_code == 202, big.text


def test_the_webhook_reads_no_unsigned_body_and_at_most_its_cap(line_client: TestClient) -> None:
    unsigned = line_client.post("/api/v1/line/webhook", content=b"{" * 10)
    assert unsigned.status_code == 401
    assert unsigned.headers["connection"] == "close"
    huge = b'{"events": [], "padding": "' + b"p" * (2 * 1024 * 1024) + b'"}'
    r = post_webhook(line_client, huge)  # correctly signed, but past the cap
    assert r.status_code == 413


# --- item 3: the signed download never serves an active type ----------------------------------


def test_the_signed_download_serves_html_as_bytes(line_client: TestClient) -> None:
    headers = register_and_login(line_client)
    up = upload(line_client, headers, "photo.jpg", HTML_AS_JPEG).json()
    assert up["content_type"] == "text/html"  # sniffed from the bytes
    secret = _container(line_client).settings.resolved_jwt_secret()
    url = signed_path(secret, "download", up["file_id"], 600)
    r = line_client.get(url)
    assert r.status_code == 200 and r.content == HTML_AS_JPEG
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"].startswith("attachment;")
    own = line_client.get(f"/api/v1/files/{up['file_id']}/download", headers=headers)
    assert own.headers["content-type"] == r.headers["content-type"]


# --- item 11: HEAD on downloads ------------------------------------------------------------------


def test_head_on_downloads_answers_like_get_without_a_body(line_client: TestClient) -> None:
    headers = register_and_login(line_client)
    data = b"0123456789" * 100
    file_id = upload(line_client, headers, "digits.txt", data).json()["file_id"]
    url = f"/api/v1/files/{file_id}/download"
    got, head = line_client.get(url, headers=headers), line_client.head(url, headers=headers)
    assert head.status_code == 200 and head.content == b""
    for name in ("content-type", "content-length", "content-disposition", "accept-ranges"):
        assert head.headers[name] == got.headers[name], name
    assert head.headers["content-length"] == str(len(data))
    ranged = line_client.head(url, headers={**headers, "Range": "bytes=10-19"})
    assert ranged.status_code == 206 and ranged.content == b""
    assert ranged.headers["content-range"] == f"bytes 10-19/{len(data)}"
    assert ranged.headers["content-length"] == "10"
    outside = line_client.head(url, headers={**headers, "Range": "bytes=5000-"})
    assert outside.status_code == 416
    intruder = register_and_login(line_client)
    assert line_client.head(url, headers=intruder).status_code == 404

    secret = _container(line_client).settings.resolved_jwt_secret()
    signed = signed_path(secret, "download", file_id, 600)
    head = line_client.head(signed)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(data))
    assert line_client.head(signed.replace("sig=", "sig=x")).status_code == 404


# --- item 11: RFC 5987 file names, and a refused first upload leaves nothing -------------------


def test_an_upload_named_only_by_filename_star_is_accepted(client: TestClient) -> None:
    headers = register_and_login(client)
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; '
        b"filename*=UTF-8''%E0%B8%A3%E0%B8%B9%E0%B8%9B%20March.txt\r\n"
        b"Content-Type: text/plain\r\n\r\nhello\r\n--b0undary--\r\n"
    )
    r = client.post(
        "/api/v1/files/upload",
        content=body,
        headers={**headers, "Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert r.status_code == 202, r.text
    assert r.json()["filename"] == "รูป March.txt"


def test_a_refused_first_upload_leaves_no_folder(line_client: TestClient) -> None:
    headers = register_and_login(line_client)
    me = line_client.get("/api/v1/users/me", headers=headers).json()
    r = upload(line_client, headers, "too-big.bin", b"z" * 10_000)  # MAX_UPLOAD_BYTES=4096
    assert r.status_code == 413
    objects: Path = _container(line_client).settings.objects_path
    assert not (objects / "originals" / me["id"]).exists()
    assert list((objects / ".incoming").iterdir()) == []


# --- item 4: dates outside what can be compared --------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
        {"from": "0001-01-01T00:00:00+14:00"},
        {"to": "9999-12-31T23:59:59-14:00"},
        {"uploaded_from": "0001-01-01"},
        {"uploaded_to": "9999-12-31"},
    ],
)
def test_search_dates_at_the_edge_of_the_calendar_are_422_or_taken_never_500(
    client: TestClient, params: dict[str, str]
) -> None:
    # Issue 13: 422 or ignored. A date that can be compared (a whole day as a document date)
    # may be taken as it is; one that cannot is 422 with a reason.
    headers = register_and_login(client)
    r = client.get("/api/v1/search", headers=headers, params={"q": "invoice", **params})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert "outside" in r.json()["detail"]
    else:
        assert r.json()["items"] == []


# --- item 10: the webhook's hostile bodies -------------------------------------------------------


def test_a_deeply_nested_signed_body_is_400(line_client: TestClient) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    r = post_webhook(line_client, deep)
    assert r.status_code == 400, r.text
    assert r.json() == {"detail": "the body is nested too deeply"}


@pytest.mark.parametrize("events", [123, "events", {"type": "message"}, None])
def test_events_that_are_not_a_list_are_400(line_client: TestClient, events: object) -> None:
    body = json.dumps({"destination": "Ubot", "events": events}).encode()
    r = post_webhook(line_client, body)
    assert r.status_code == 400, r.text
    assert r.json() == {"detail": "events must be a list"}


def test_an_event_without_an_id_is_handled_once(line_client: TestClient, fake: FakeLine) -> None:
    headers = register_and_login(line_client)
    link_line_account(line_client, headers, "U7777")
    before = len(fake.reply_texts())
    # A command: the bot replies to it at once (other text is a question, answered by push).
    event = text_event("help", "U7777")
    del event["webhookEventId"]
    body = webhook_body(event)
    for _ in range(3):  # LINE resends a body it thinks was not received
        assert post_webhook(line_client, body).status_code == 200
    assert len(fake.reply_texts()) == before + 1
    # A different event (a new reply token) is a new event.
    other = text_event("ช่วยเหลือ", "U7777")
    del other["webhookEventId"]
    assert post_webhook(line_client, webhook_body(other)).status_code == 200
    assert len(fake.reply_texts()) == before + 2


def test_the_signature_is_still_checked_on_the_raw_bytes(line_client: TestClient) -> None:
    body = webhook_body(text_event("hi"))
    wrong = line_signature(SECRET, body + b" ")
    assert post_webhook(line_client, body, signature=wrong).status_code == 401


# --- item 10: /docs without a CDN -------------------------------------------------------------


def test_the_api_docs_load_only_local_files_under_a_strict_csp(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    html = page.text
    assert "http://" not in html and "https://" not in html  # nothing from a CDN
    assert "<script>" not in html  # no inline script (the CSP would block it anyway)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert scripts and styles
    for path in scripts + styles:
        asset = client.get(path)
        assert asset.status_code == 200, path
        assert asset.headers["content-security-policy"] == csp
        assert len(asset.content) > 100
    bundle = client.get(scripts[0])
    assert "javascript" in bundle.headers["content-type"] and b"SwaggerUIBundle" in bundle.content
    assert "openapi.json" in client.get(scripts[-1]).text
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "Drive2"


@pytest.mark.parametrize(
    "last_event_id",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2026-13-40T00:00:00+00:00",
        "not a date",
        "2026-01-01T00:00:00",  # no offset
    ],
)
def test_an_unusable_last_event_id_starts_the_stream_afresh(last_event_id: str) -> None:
    from drive2.api.routes.events import _start

    now = datetime.now(UTC)
    start, resumed = _start(last_event_id)
    assert not resumed, last_event_id
    assert now - timedelta(minutes=5) < start <= datetime.now(UTC)


def test_a_usable_last_event_id_resumes_there() -> None:
    from drive2.api.routes.events import _start

    start, resumed = _start("2026-03-14T09:30:00+07:00")
    assert resumed and start == datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    # One from the future resumes from now: the stream would otherwise never send a thing.
    start, resumed = _start("9999-12-31T23:59:59+00:00")
    assert resumed and start <= datetime.now(UTC)
