"""Questions typed to the LINE bot: answered from the user's files and sent once through the
outbox.

The answer is worked out when the question arrives (in the process that handles the
webhook, after LINE has had its 200) and recorded in the outbox under a key made from LINE's
message id, with the answer itself as the entry's payload: a webhook delivered twice, or a
send task run twice, finds the entry there and sends nothing new, and a retry after a 429
sends the same answer without asking the LLM again. The message is built at delivery time,
with fresh signed links to the cited files that are still the user's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drive2.domain import answer_text as at
from drive2.domain.errors import InvalidInputError
from drive2.domain.models import User
from drive2.ports.notification_queue import NotificationQueue
from drive2.ports.notification_store import NotificationStore, OutboxEntry, OutboxKind
from drive2.ports.notifier import Message
from drive2.ports.repository import Repository
from drive2.services.ask import AskService, not_found
from drive2.services.line_answer_messages import (
    MAX_BUTTONS,
    CitedFile,
    answer_message,
    not_found_message,
)

log = logging.getLogger(__name__)

HELP_WORDS = frozenset({"help", "?", "ช่วยเหลือ", "วิธีใช้"})
HELP = {
    "en": (
        "Ask me anything about your files, for example “When does my lease end?”, and I "
        "will answer from them with the files I used. Send photos, videos or files and I "
        "will keep them in your Drive2."
    ),
    "th": (
        "ถามอะไรก็ได้เกี่ยวกับไฟล์ของคุณ เช่น “สัญญาเช่าหมดเมื่อไร” แล้วฉันจะตอบจากไฟล์นั้น "
        "พร้อมปุ่มเปิดไฟล์ที่ใช้ตอบ ส่งรูป วิดีโอ หรือไฟล์มาได้เลย ฉันจะเก็บไว้ใน Drive2 ให้"
    ),
}


def is_help(text: str) -> bool:
    return text.strip().lower() in HELP_WORDS


def help_text(text: str) -> str:
    return HELP[at.language(text)]


def question_key(message_id: str) -> str:
    return f"line:question:{message_id}"


@dataclass
class LineQuestions:
    ask: AskService
    store: NotificationStore
    queue: NotificationQueue

    def answer(self, user: User, message_id: str, question: str) -> str:
        """Answer once and hand the message to the outbox; what happened, for the log."""
        key = question_key(message_id)
        if self.store.entry(key) is not None:
            return "answered before"
        try:
            answer = self.ask.ask(user, question, MAX_BUTTONS, channel="line")
        except InvalidInputError:
            answer = not_found(at.language(question))
        payload: dict[str, Any] = {
            "question": question[:1000],
            "answer": answer.text,
            "found": answer.found,
            "mode": answer.mode.value,
            "language": answer.language,
            "citations": [
                {"file_id": c.file_id, "filename": c.filename, "quote": c.quote}
                for c in answer.citations[:MAX_BUTTONS]
            ],
        }
        if not self.store.add_entry(key, user.id, OutboxKind.ANSWER, payload=payload):
            return "answered before"
        entry = self.store.entry(key)
        if entry is None or entry.batch_key is None:
            return "not queued"
        self.queue.send_batch([{"batch_key": entry.batch_key}])
        return "queued"


def answer_messages(
    entry: OutboxEntry, user: User, repo: Repository, link: Callable[[str, str], str]
) -> list[Message]:
    """The message of an ANSWER outbox entry; links only to cited files still the user's."""
    p = entry.payload
    language = str(p.get("language") or "en")
    if not p.get("found"):
        return [not_found_message(language)]
    sources = []
    for c in p.get("citations") or []:
        f = repo.get_file(str(c.get("file_id")))
        alive = f is not None and f.user_id == user.id
        sources.append(
            CitedFile(
                filename=str(c.get("filename") or ""),
                quote=str(c.get("quote") or ""),
                open_url=link("download", f.id) if alive and f is not None else None,
            )
        )
    return [answer_message(str(p.get("answer") or ""), language, sources)]
