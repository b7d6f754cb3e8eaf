"""Helpers for the LINE tests: signed webhook posts, events as LINE sends them, and files
moved to completed or failed without running the pipeline."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from drive2.adapters.db.repository import SqlRepository
from drive2.domain.models import AiMetadata, FileStatus, ProcessingResult
from drive2.services.line_signature import line_signature
from tests.support.api import HttpClient
from tests.support.fake_line import SECRET


def webhook_body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "Ubot0000", "events": list(events)}).encode()


def post_webhook(
    client: HttpClient, body: bytes, signature: str | None = "sign", secret: str = SECRET
) -> Any:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if signature == "sign":
        headers["X-Line-Signature"] = line_signature(secret, body)
    elif signature is not None:
        headers["X-Line-Signature"] = signature
    return client.post("/api/v1/line/webhook", content=body, headers=headers)


def _event(kind: str, line_user: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": line_user},
        "webhookEventId": "01" + uuid.uuid4().hex[:24].upper(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        **extra,
    }


def text_event(text: str, line_user: str = "U1111") -> dict[str, Any]:
    message = {"id": str(uuid.uuid4().int)[:18], "type": "text", "quoteToken": "q", "text": text}
    return _event("message", line_user, message=message)


def file_event(
    message_id: str, kind: str = "file", line_user: str = "U1111", file_name: str | None = None
) -> dict[str, Any]:
    message: dict[str, Any] = {"id": message_id, "type": kind, "quoteToken": "q"}
    if kind == "file":
        message.update(fileName=file_name or "notes.txt", fileSize=1)
    else:
        message["contentProvider"] = {"type": "line"}
    return _event("message", line_user, message=message)


def postback_event(data: str, line_user: str = "U1111") -> dict[str, Any]:
    return _event("postback", line_user, postback={"data": data})


def finish_file(
    repo: SqlRepository, file_id: str, ok: bool = True, error: str = "truncated PDF"
) -> None:
    """Move a pending file to completed (with AI results) or failed, as a pipeline run would."""
    pending = repo.get_file(file_id)
    assert pending is not None
    record = repo.claim(file_id, pending.status, pending.attempts)
    assert record is not None
    if not ok:
        assert repo.fail(file_id, record.attempts, error)
        return
    ai = AiMetadata(
        suggested_filename="2026-03-14_invoice_acme.txt",
        summary="An invoice from Acme Consulting for March.",
        tags=["invoice", "acme"],
        language="en",
        provider="local",
        model="test",
    )
    result = ProcessingResult(
        content_type="text/plain",
        text="invoice",
        text_excerpt="invoice",
        metadata={},
        ai=ai,
        thumbnail_key=None,
        tags=["invoice", "acme"],
    )
    assert repo.complete(file_id, record.attempts, result)
    done = repo.get_file(file_id)
    assert done is not None and done.status == FileStatus.COMPLETED


def link_line_account(client: HttpClient, headers: dict[str, str], line_user: str) -> str:
    """Link the signed-in user to `line_user` the way a person does: a code from the API, sent
    to the bot as a chat message. Returns the Drive2 user id."""
    code = client.post("/api/v1/line/link-code", headers=headers).json()["code"]
    assert post_webhook(client, webhook_body(text_event(code, line_user))).status_code == 200
    me = client.get("/api/v1/users/me", headers=headers).json()
    assert me["line_user_id"] == line_user
    return str(me["id"])
