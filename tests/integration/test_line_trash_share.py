"""The LINE bot's buttons for issue 16, over the real ASGI app and the local fake LINE
server: "Move to trash" answers with an Undo that restores the file; "Share link" answers with
a link that opens the file without an account; another LINE user's buttons change nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import Container, build_container
from drive2.services import line_messages as lm
from tests.conftest import SettingsFactory
from tests.support.api import register_and_login, upload
from tests.support.fake_line import FakeLine
from tests.support.flex_rules import message_errors
from tests.support.line import (
    finish_file,
    link_line_account,
    post_webhook,
    postback_event,
    webhook_body,
)

OWNER_LINE, OTHER_LINE = "U1111", "U9999"


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


@pytest.fixture
def line_app(
    make_settings: SettingsFactory, fake: FakeLine
) -> Iterator[tuple[TestClient, Container]]:
    settings = make_settings(**fake.env(), PUBLIC_URL="https://drive.example.com")
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    c = build_container(settings)
    with TestClient(create_app(c)) as client:
        yield client, c
    c.close()


def _last_reply(fake: FakeLine) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = fake.replies()[-1].body["messages"]
    return messages


def _postbacks(message: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            action = node.get("action")
            if isinstance(action, dict) and action.get("type") == "postback":
                found.append(str(action["data"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message)
    return found


def test_the_completion_bubble_offers_share_and_trash() -> None:
    view = lm.CompletedFile(
        file_id="f-1",
        filename="scan.pdf",
        suggested_filename=None,
        summary=None,
        tags=[],
        open_url="https://drive.example.com/open",
    )
    [message] = lm.completed_messages([view])
    assert message_errors(message) == []
    assert _postbacks(message) == ["action=share&file_id=f-1", "action=trash&file_id=f-1"]
    undo = lm.trashed_message("scan.pdf", "f-1", 30)
    assert message_errors(undo) == []
    assert _postbacks(undo) == ["action=restore&file_id=f-1"]


def test_move_to_trash_from_chat_and_undo(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    client, c = line_app
    owner, other = register_and_login(client), register_and_login(client)
    link_line_account(client, owner, OWNER_LINE)
    link_line_account(client, other, OTHER_LINE)
    fid = upload(client, owner, "receipt.txt", b"a receipt").json()["file_id"]
    finish_file(c.repo, fid)

    # Someone else's button press finds nothing and moves nothing.
    post_webhook(client, webhook_body(postback_event(lm.trash_data(fid), OTHER_LINE)))
    assert fake.reply_texts()[-1] == "That file is no longer in your drive."
    assert client.get(f"/api/v1/files/{fid}", headers=owner).json()["trashed_at"] is None

    post_webhook(client, webhook_body(postback_event(lm.trash_data(fid), OWNER_LINE)))
    [reply] = _last_reply(fake)
    assert reply["type"] == "flex" and message_errors(reply) == []
    assert "receipt.txt" in reply["altText"] and "30 days" in str(reply)
    assert _postbacks(reply) == [lm.restore_data(fid)]
    assert client.get(f"/api/v1/files/{fid}", headers=owner).json()["trashed_at"] is not None
    assert client.get("/api/v1/files", headers=owner).json()["total"] == 0

    post_webhook(client, webhook_body(postback_event(lm.restore_data(fid), OTHER_LINE)))
    assert client.get(f"/api/v1/files/{fid}", headers=owner).json()["trashed_at"] is not None
    post_webhook(client, webhook_body(postback_event(lm.restore_data(fid), OWNER_LINE)))
    assert fake.reply_texts()[-1] == "receipt.txt is back in your drive."
    assert client.get("/api/v1/files", headers=owner).json()["total"] == 1
    sources = {
        (e["action"], e["source"])
        for e in client.get("/api/v1/audit", headers=owner).json()["items"]
    }
    assert {("trashed", "line"), ("restored", "line")} <= sources


def test_share_link_from_chat_opens_the_file(
    line_app: tuple[TestClient, Container], fake: FakeLine
) -> None:
    client, c = line_app
    owner = register_and_login(client)
    link_line_account(client, owner, OWNER_LINE)
    fid = upload(client, owner, "photo-notes.txt", b"shared from LINE").json()["file_id"]
    finish_file(c.repo, fid)
    post_webhook(client, webhook_body(postback_event(lm.share_data(fid), OWNER_LINE)))
    text = fake.reply_texts()[-1]
    match = re.search(r"https://drive\.example\.com(/s/[A-Za-z0-9_-]{43})\b", text)
    assert match, text
    assert "photo-notes.txt" in text and "works until" in text
    client.cookies.clear()
    assert client.get(match[1] + "/download").content == b"shared from LINE"
    shares = client.get(f"/api/v1/files/{fid}/shares", headers=owner).json()["items"]
    assert len(shares) == 1 and shares[0]["expires_at"] is not None
    # A file in the trash is not shared from chat either.
    client.delete(f"/api/v1/files/{fid}", headers=owner)
    post_webhook(client, webhook_body(postback_event(lm.share_data(fid), OWNER_LINE)))
    assert "trash" in fake.reply_texts()[-1]
    assert client.get(match[1]).status_code == 404
