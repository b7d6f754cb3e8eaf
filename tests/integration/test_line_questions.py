"""A question typed to the LINE bot: the signed webhook over the real app, the answer from
the user's files recorded in the outbox once, pushed once (the real line-bot-sdk against a
local LINE server) with buttons opening the cited files through signed links; "not found"
said kindly, in Thai or English; webhook redeliveries and repeated tasks send nothing new."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from drive2.api.app import create_app
from drive2.bootstrap import Container
from drive2.ports.notification_store import OutboxKind, OutboxStatus
from drive2.services.line_questions import question_key
from tests.conftest import SettingsFactory
from tests.integration.test_ask_api import CAR, ELECTRICITY, LEASE, add, make_container
from tests.support.api import register_and_login
from tests.support.fake_line import FakeLine
from tests.support.flex_rules import message_errors
from tests.support.line import link_line_account, post_webhook, text_event, webhook_body

LINE_USER = "U7f00c1a2b3"


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


@pytest.fixture
def line_drive(
    make_settings: SettingsFactory, fake: FakeLine
) -> Iterator[tuple[TestClient, Container, dict[str, str], dict[str, str]]]:
    settings = make_settings(**fake.env(), PUBLIC_URL="https://drive.example.com")
    container = make_container(settings)
    with TestClient(create_app(container)) as client:
        headers = register_and_login(client)
        link_line_account(client, headers, LINE_USER)
        files = {
            "lease": add(client, headers, "lease.txt", LEASE),
            "car": add(client, headers, "car-service.txt", CAR),
            "electricity": add(client, headers, "ค่าไฟ.txt", ELECTRICITY),
        }
        yield client, container, headers, files
    container.close()


def _deliver(c: Container, event: dict[str, Any]) -> str:
    """What the notification task does with the batch the question queued."""
    entry = c.notification_store.entry(question_key(event["message"]["id"]))
    assert entry is not None and entry.kind == OutboxKind.ANSWER and entry.batch_key
    return c.notifications.send_batch([{"batch_key": entry.batch_key}])[entry.batch_key]


def test_a_question_is_answered_once_with_buttons_opening_the_cited_files(
    line_drive: tuple[TestClient, Container, dict[str, str], dict[str, str]], fake: FakeLine
) -> None:
    client, c, _, files = line_drive
    replies_before = len(fake.replies())
    event = text_event("When does the lease end?", LINE_USER)
    assert post_webhook(client, webhook_body(event)).status_code == 200
    assert _deliver(c, event) == "sent"
    [push] = fake.pushes(LINE_USER)
    assert push.header("X-Line-Retry-Key")
    [message] = push.body["messages"]
    assert message_errors(message) == []
    bubble = message["contents"]
    texts = [x["text"] for x in bubble["body"]["contents"] if x["type"] == "text"]
    assert texts[0] == "Answer from your files"
    assert "31 May 2026" in texts[1] and "31 May 2026" in message["altText"]
    assert "1. lease.txt" in texts
    buttons = bubble["footer"]["contents"]
    assert 1 <= len(buttons) <= 3
    assert buttons[0]["action"]["label"] == "Open lease.txt"
    uri = buttons[0]["action"]["uri"]
    assert uri.startswith(f"https://drive.example.com/api/v1/line/files/{files['lease']}/download")
    # The signed link opens the file without signing in.
    parts = urlsplit(uri)
    opened = client.get(f"{parts.path}?{parts.query}")
    assert opened.status_code == 200 and opened.content == LEASE.encode()
    # Once: LINE redelivers the webhook (new event id, same message), a task runs again.
    again = copy.deepcopy(event)
    again["webhookEventId"] = "01REDELIVERED0000000000000"
    again["deliveryContext"] = {"isRedelivery": True}
    assert post_webhook(client, webhook_body(again)).status_code == 200
    assert _deliver(c, event) == "not due"
    assert len(fake.pushes(LINE_USER)) == 1
    entry = c.notification_store.entry(question_key(event["message"]["id"]))
    assert entry is not None and entry.status == OutboxStatus.SENT
    assert entry.payload["mode"] == "extractive" and entry.payload["found"] is True
    # Questions are pushed, not replied to.
    assert len(fake.replies()) == replies_before
    metrics = client.get("/metrics").text
    assert 'drive2_questions_total{channel="line",found="true",mode="extractive"} 1.0' in metrics


def test_a_thai_question_is_answered_in_thai(
    line_drive: tuple[TestClient, Container, dict[str, str], dict[str, str]], fake: FakeLine
) -> None:
    client, c, _, files = line_drive
    event = text_event("ค่าไฟเดือนมีนาคมต้องจ่ายเท่าไร", LINE_USER)
    post_webhook(client, webhook_body(event))
    assert _deliver(c, event) == "sent"
    [message] = fake.pushes(LINE_USER)[-1].body["messages"]
    assert message_errors(message) == []
    texts = [x["text"] for x in message["contents"]["body"]["contents"] if x["type"] == "text"]
    assert texts[0] == "คำตอบจากไฟล์ของคุณ" and "1,250" in texts[1]
    [button] = message["contents"]["footer"]["contents"]
    assert button["action"]["label"].startswith("เปิด ค่าไฟ.txt")
    assert files["electricity"] in button["action"]["uri"]


@pytest.mark.parametrize(
    ("question", "kind_words"),
    [
        ("What is the boiling point of mercury?", "Sorry, I could not find the answer"),
        ("ดาวอังคารมีดวงจันทร์กี่ดวง", "ขออภัย ไม่พบคำตอบ"),
    ],
)
def test_not_found_is_said_kindly_without_buttons(
    line_drive: tuple[TestClient, Container, dict[str, str], dict[str, str]],
    fake: FakeLine,
    question: str,
    kind_words: str,
) -> None:
    client, c, _, _ = line_drive
    event = text_event(question, LINE_USER)
    post_webhook(client, webhook_body(event))
    assert _deliver(c, event) == "sent"
    [message] = fake.pushes(LINE_USER)[-1].body["messages"]
    assert message["type"] == "text" and message["text"].startswith(kind_words)
    assert message_errors(message) == []


def test_commands_are_not_questions_and_strangers_are_asked_to_link(
    line_drive: tuple[TestClient, Container, dict[str, str], dict[str, str]], fake: FakeLine
) -> None:
    client, c, _, _ = line_drive
    post_webhook(client, webhook_body(text_event("help", LINE_USER)))
    assert "Ask me anything about your files" in fake.reply_texts()[-1]
    post_webhook(client, webhook_body(text_event("ช่วยเหลือ", LINE_USER)))
    assert "ถามอะไรก็ได้" in fake.reply_texts()[-1]
    stranger = text_event("When does the lease end?", "U0000stranger")
    post_webhook(client, webhook_body(stranger))
    assert "link your account first" in fake.reply_texts()[-1]
    assert c.notification_store.entry(question_key(stranger["message"]["id"])) is None
    assert fake.pushes() == []
    # A link code is still a command, not a question.
    other = register_and_login(client)
    link_line_account(client, other, "U0000stranger")
