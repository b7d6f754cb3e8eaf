"""The bot's webhook over the real ASGI app: signatures checked on the raw body before
anything happens, events handled once, account linking, files sent in chat saved."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.services.line_signature import line_signature
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.fake_line import SECRET, FakeLine
from tests.support.line import (
    file_event,
    finish_file,
    link_line_account,
    post_webhook,
    postback_event,
    text_event,
    webhook_body,
)

LINE_USER = "U1111"


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


def _app(make_settings: SettingsFactory, **values: object) -> tuple[TestClient, Container]:
    settings = make_settings(**values)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    c = build_container(settings)
    return TestClient(create_app(c)), c


@pytest.fixture
def line_app(
    make_settings: SettingsFactory, fake: FakeLine
) -> Iterator[tuple[TestClient, Container]]:
    client, c = _app(make_settings, **fake.env(), LINE_LINK_CODE_TTL_SECONDS=2)
    with client:
        yield client, c
    c.close()


def _code(client: TestClient, headers: dict[str, str]) -> str:
    r = client.post("/api/v1/line/link-code", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"code", "expires_at"}
    assert "+" in body["expires_at"] or body["expires_at"].endswith("Z")
    return str(body["code"])


def _me(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    return dict(client.get("/api/v1/users/me", headers=headers).json())


def test_the_link_code_flow_links_the_line_account(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    client, _ = line_app
    headers = register_and_login(client, "ann@example.com")
    assert _me(client, headers)["line_user_id"] is None
    code = _code(client, headers)
    assert len(code) == 9 and code[4] == "-"
    r = post_webhook(client, webhook_body(text_event(code.lower().replace("-", " "), LINE_USER)))
    assert r.status_code == 200 and r.json() == {}
    assert _me(client, headers)["line_user_id"] == LINE_USER
    assert fake.reply_texts()[-1].startswith("Linked to Drive2 as ann@example.com")
    # One time only: the same code from another LINE account links nothing.
    post_webhook(client, webhook_body(text_event(code, "U2222")))
    assert _me(client, headers)["line_user_id"] == LINE_USER
    assert "not valid or has expired" in fake.reply_texts()[-1]
    # The reply went to the event's reply token, through the SDK's wire format.
    reply = fake.replies()[-1]
    assert reply.header("Authorization") == "Bearer test-line-channel-token"
    assert reply.body["messages"][0]["type"] == "text"


def test_an_expired_code_links_nothing(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    client, _ = line_app
    headers = register_and_login(client)
    code = _code(client, headers)
    time.sleep(2.2)  # LINE_LINK_CODE_TTL_SECONDS=2
    post_webhook(client, webhook_body(text_event(code)))
    assert _me(client, headers)["line_user_id"] is None
    assert "not valid or has expired" in fake.reply_texts()[-1]


def test_a_new_link_moves_the_line_account_to_the_new_user(
    line_app: tuple[TestClient, Container],
) -> None:
    client, _ = line_app
    first, second = register_and_login(client), register_and_login(client)
    link_line_account(client, first, LINE_USER)
    link_line_account(client, second, LINE_USER)
    assert _me(client, first)["line_user_id"] is None


@pytest.mark.parametrize("case", ["bad", "missing", "reserialised", "other-secret", "empty"])
def test_a_bad_signature_is_refused_and_nothing_is_done(
    line_app: tuple[TestClient, Container], fake: FakeLine, case: str
) -> None:
    client, _ = line_app
    headers = register_and_login(client)
    event = text_event(_code(client, headers))
    body = webhook_body(event)
    if case == "bad":
        r = post_webhook(client, body, signature="bm90IGEgc2lnbmF0dXJl")
    elif case == "missing":
        r = post_webhook(client, body, signature=None)
    elif case == "reserialised":
        # Signed over the bytes LINE sent, checked against a re-encoded copy of the same JSON.
        again = json.dumps(json.loads(body), indent=2, sort_keys=True).encode()
        r = post_webhook(client, again, signature=line_signature(SECRET, body))
    elif case == "other-secret":
        r = post_webhook(client, body, signature=line_signature("not-the-secret", body))
    else:
        r = post_webhook(client, body, signature="")
    assert r.status_code == 401
    assert r.json() == {"detail": "invalid or missing X-Line-Signature"}
    assert _me(client, headers)["line_user_id"] is None
    assert fake.requests == []  # no reply, no content fetched
    # Nothing remembered either: the genuine delivery of the same event still works.
    assert post_webhook(client, body).status_code == 200
    assert _me(client, headers)["line_user_id"] == LINE_USER


def test_a_replayed_event_is_ignored(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    client, _ = line_app
    headers = register_and_login(client)
    link_line_account(client, headers, LINE_USER)
    body = webhook_body(text_event("help"))  # a command: answered with a reply
    before = len(fake.replies())
    assert post_webhook(client, body).status_code == 200
    assert post_webhook(client, body).status_code == 200
    assert len(fake.replies()) == before + 1


def test_a_valid_signature_with_a_body_that_is_not_json_is_400(
    line_app: tuple[TestClient, Container],
) -> None:
    client, _ = line_app
    assert post_webhook(client, b"{not json").status_code == 400
    assert post_webhook(client, b"[1, 2]").status_code == 400
    # LINE's "Verify" button sends no events.
    assert post_webhook(client, webhook_body()).status_code == 200


def test_a_file_sent_by_a_linked_user_lands_in_their_drive(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    client, _ = line_app
    headers = register_and_login(client)
    link_line_account(client, headers, LINE_USER)
    data = b"Minutes of the budget meeting. " * 50_000  # 1.5 MB: several chunks
    fake.add_content("468789577898262530", data, "text/plain")
    r = post_webhook(
        client, webhook_body(file_event("468789577898262530", file_name="minutes.txt"))
    )
    assert r.status_code == 200
    items = client.get("/api/v1/files", headers=headers).json()["items"]
    assert [i["filename"] for i in items] == ["minutes.txt"]
    assert items[0]["size_bytes"] == len(data) and items[0]["status"] == "pending"
    got = client.get(f"/api/v1/files/{items[0]['id']}/download", headers=headers)
    assert got.content == data
    assert fake.reply_texts()[-1] == ("Got it: minutes.txt is saved to Drive2 and being processed.")
    # The same bytes again are the same file.
    fake.add_content("468789577898262531", data, "text/plain")
    post_webhook(client, webhook_body(file_event("468789577898262531", file_name="again.txt")))
    assert "already have this file" in fake.reply_texts()[-1]
    assert client.get("/api/v1/files", headers=headers).json()["total"] == 1


def test_an_image_gets_a_name_and_the_quota_still_applies(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    client, c = line_app
    headers = register_and_login(client)
    link_line_account(client, headers, LINE_USER)
    user_id = str(_me(client, headers)["id"])
    fake.add_content("5001", b"\xff\xd8\xff\xe0" + b"j" * 5000, "image/jpeg")
    post_webhook(client, webhook_body(file_event("5001", kind="image")))
    [item] = client.get("/api/v1/files", headers=headers).json()["items"]
    assert item["filename"] == "line-image-5001.jpg"
    c.repo.set_quota(user_id, 6000)
    fake.add_content("5002", b"x" * 4000, "application/octet-stream")
    post_webhook(client, webhook_body(file_event("5002", file_name="big.bin")))
    assert "exceed your storage quota" in fake.reply_texts()[-1]
    assert client.get("/api/v1/files", headers=headers).json()["total"] == 1


def test_an_unlinked_user_gets_instructions_and_nothing_is_saved(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    client, _ = line_app
    headers = register_and_login(client)
    fake.add_content("777", b"secret", "text/plain")
    post_webhook(client, webhook_body(file_event("777", line_user="Ustranger")))
    assert "link your account first" in fake.reply_texts()[-1]
    assert not [r for r in fake.requests if "/content" in r.path]
    assert client.get("/api/v1/files", headers=headers).json()["total"] == 0


def test_content_lost_at_line_is_answered_politely(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    client, _ = line_app
    headers = register_and_login(client)
    link_line_account(client, headers, LINE_USER)
    post_webhook(client, webhook_body(file_event("404404", file_name="gone.txt")))
    assert "could not fetch that file" in fake.reply_texts()[-1]
    assert client.get("/api/v1/files", headers=headers).json()["total"] == 0


def test_the_reprocess_button_reprocesses_only_the_users_own_file(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    client, c = line_app
    owner, other = register_and_login(client), register_and_login(client)
    link_line_account(client, owner, LINE_USER)
    link_line_account(client, other, "U9999")
    fid = upload(client, owner, "a.txt", b"some words").json()["file_id"]
    c.repo.fail(fid, None, "truncated")
    post_webhook(client, webhook_body(postback_event(f"action=reprocess&file_id={fid}", "U9999")))
    assert "no longer in your drive" in fake.reply_texts()[-1]
    assert client.get(f"/api/v1/files/{fid}", headers=owner).json()["status"] == "failed"
    post_webhook(client, webhook_body(postback_event(f"action=reprocess&file_id={fid}")))
    assert fake.reply_texts()[-1] == "Processing a.txt again. I will tell you how it went."
    assert client.get(f"/api/v1/files/{fid}", headers=owner).json()["status"] == "pending"


def _follow_event(kind: str, event_id: str) -> dict[str, object]:
    return {
        "type": kind,
        "mode": "active",
        "timestamp": 1,
        "source": {"type": "user", "userId": LINE_USER},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "r" + event_id,
    }


def test_unfollow_stops_the_messages_but_keeps_the_line_sign_in(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    """Blocking the bot used to unlink the LINE account; since it is also the account's way
    to sign in (LINE Login), it stays linked and only the messages stop, until a follow."""
    client, c = line_app
    headers = register_and_login(client)
    user_id = link_line_account(client, headers, LINE_USER)
    post_webhook(client, webhook_body(_follow_event("unfollow", "01UNFOLLOW")))
    assert _me(client, headers)["line_user_id"] == LINE_USER
    user = c.repo.get_user(user_id)
    assert user is not None and user.line_bot_blocked and user.line_push_to is None
    assert user_id not in c.notification_store.linked_user_ids()
    fid = upload(client, headers, "a.txt", b"while blocked").json()["file_id"]
    finish_file(c.repo, fid)
    c.notifications.notify_outcome(fid)
    assert c.notifications.send_completion(fid, user_id) in ("nothing to send", "skipped")
    assert fake.pushes() == []
    post_webhook(client, webhook_body(_follow_event("follow", "01FOLLOW")))
    user = c.repo.get_user(user_id)
    assert user is not None and not user.line_bot_blocked and user.line_push_to == LINE_USER
    assert fake.reply_texts()[-1] == "Welcome to Drive2."


def test_a_code_cannot_take_the_line_account_of_an_account_made_with_line(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    """An account made by signing in with LINE has no other way in: a link code from
    another account must not move its LINE account away."""
    client, c = line_app
    made = c.account_store.create_line_user(LINE_USER, "Made with LINE", 10**9)
    headers = register_and_login(client)
    code = client.post("/api/v1/line/link-code", headers=headers).json()["code"]
    post_webhook(client, webhook_body(text_event(code, LINE_USER)))
    assert "already has a Drive2 account of its own" in fake.reply_texts()[-1]
    assert _me(client, headers)["line_user_id"] is None
    kept = c.repo.get_user(made.id)
    assert kept is not None and kept.line_user_id == LINE_USER


def test_link_code_needs_a_signed_in_user(line_app: tuple[TestClient, Container]) -> None:
    client, _ = line_app
    assert client.post("/api/v1/line/link-code").status_code == 401


def test_without_line_settings_the_routes_say_so(make_settings: SettingsFactory) -> None:
    client, c = _app(make_settings)
    with client:
        headers = register_and_login(client)
        r = client.post("/api/v1/line/link-code", headers=headers)
        assert r.status_code == 503 and "LINE is not configured" in r.json()["detail"]
        r = post_webhook(client, webhook_body(text_event("hi")))
        assert r.status_code == 503
    c.close()
