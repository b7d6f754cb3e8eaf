"""The LINE message answering a question: the answer, the quoted sources, and up to three
buttons opening the cited files (signed links); "not found" said kindly. Thai or English,
as the question was asked. Pure functions over plain values, checked against LINE's Flex
rules by the tests (tests/support/flex_rules.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drive2.ports.notifier import Message
from drive2.services.line_messages import ACCENT, MUTED, cut

MAX_BUTTONS = 3
BUTTON_LABEL_MAX = 40  # a Flex button's label
ANSWER_CHARS = 1200
QUOTE_CHARS = 200

WORDS = {
    "en": {
        "title": "Answer from your files",
        "sources": "Sources",
        "open": "Open {name}",
        "not_found": (
            "Sorry, I could not find the answer to that in your files. Try asking with other "
            "words, or send me the document that has it."
        ),
        "alt": "Drive2: {answer}",
    },
    "th": {
        "title": "คำตอบจากไฟล์ของคุณ",
        "sources": "ที่มา",
        "open": "เปิด {name}",
        "not_found": (
            "ขออภัย ไม่พบคำตอบของคำถามนี้ในไฟล์ของคุณ ลองถามด้วยคำอื่น หรือส่งเอกสารที่มีคำตอบมาให้ฉันเก็บไว้ก่อนนะ"
        ),
        "alt": "Drive2: {answer}",
    },
}


@dataclass(frozen=True)
class CitedFile:
    filename: str
    quote: str
    open_url: str | None  # None: the file is gone since the answer was written


def _words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": text or " ", "wrap": True, **style}


def not_found_message(language: str) -> Message:
    return {"type": "text", "text": _words(language)["not_found"]}


def answer_message(answer: str, language: str, sources: list[CitedFile]) -> Message:
    w = _words(language)
    body: list[dict[str, Any]] = [
        _text(w["title"], color=ACCENT, size="sm", weight="bold"),
        _text(cut(answer, ANSWER_CHARS), size="md"),
    ]
    if sources:
        body.append({"type": "separator", "margin": "md"})
        body.append(_text(w["sources"], color=MUTED, size="xs", weight="bold", margin="md"))
        for i, s in enumerate(sources, start=1):
            body.append(_text(f"{i}. {cut(s.filename, 80)}", size="xs", weight="bold"))
            body.append(_text(f"“{cut(s.quote, QUOTE_CHARS)}”", size="xs", color=MUTED))
    bubble: dict[str, Any] = {
        "type": "bubble",
        "size": "mega",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
    }
    buttons = [
        {
            "type": "button",
            "height": "sm",
            "style": "primary" if not index else "secondary",
            **({"color": ACCENT} if not index else {}),
            "action": {
                "type": "uri",
                "label": cut(w["open"].format(name=s.filename), BUTTON_LABEL_MAX),
                "uri": s.open_url[:1000],
            },
        }
        for index, s in enumerate([s for s in sources if s.open_url][:MAX_BUTTONS])
        if s.open_url
    ]
    if buttons:
        bubble["footer"] = {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": buttons,
        }
    return {
        "type": "flex",
        "altText": cut(w["alt"].format(answer=answer), 1500),
        "contents": bubble,
    }
