"""E-mail (.eml, message/rfc822): the headers people search by, the body and the names of
the attachments. Malformed mail still gives whatever can be read."""

from __future__ import annotations

import codecs
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from drive2.domain.names import safe_filename
from drive2.pipeline.extractors import ExtractedText
from drive2.pipeline.extractors.decode import decode_bytes
from drive2.pipeline.extractors.html import visible_text

MIB = 1024 * 1024
#: A mail bigger than this is read up to here: headers and body come first, attachments last.
MAX_MAIL_BYTES = 64 * MIB
MAX_PARTS = 10_000
MAX_ATTACHMENT_NAMES = 500
HEADERS = (("From", "from"), ("To", "to"), ("Cc", "cc"), ("Subject", "subject"), ("Date", "date"))
#: Charset names mail clients use that Python's codecs do not know.
_CHARSET_ALIASES = {"windows-874": "cp874", "x-windows-874": "cp874", "ms874": "cp874"}


def _read(path: Path) -> tuple[EmailMessage, bool]:
    with open(path, "rb") as fh:
        raw = fh.read(MAX_MAIL_BYTES + 1)
    message = BytesParser(policy=policy.default).parsebytes(raw[:MAX_MAIL_BYTES])
    assert isinstance(message, EmailMessage)
    return message, len(raw) > MAX_MAIL_BYTES


def _raw_header(message: Message, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            try:
                return str(make_header(decode_header(value)))
            except Exception:  # a broken encoded word: the raw text is better than nothing
                return str(value)
    return None


def _header(message: Message, name: str) -> tuple[str | None, Any]:
    """The header's text, unfolded, and its parsed form (None when it would not parse)."""
    try:
        value = message.get(name)
        text = None if value is None else str(value)
    except Exception:  # the stdlib header parser still trips on some malformed headers
        value, text = None, _raw_header(message, name)
    if text is None:
        return None, None
    return " ".join(text.split()) or None, value


def _decode(payload: bytes, charset: str | None) -> str:
    if charset:
        name = _CHARSET_ALIASES.get(charset.lower(), charset)
        try:
            codecs.lookup(name)
            return payload.decode(name, errors="replace")
        except LookupError:
            pass
    return decode_bytes(payload)[0]


def _content(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except Exception:  # unknown charset, bad transfer encoding: decode the bytes ourselves
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return _decode(payload, part.get_content_charset())


def _body(message: EmailMessage) -> tuple[str, Message | None]:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        part = None
    if part is None:
        return "", None
    content = _content(part)
    if part.get_content_subtype() == "html":
        _title, content = visible_text(content)
    return content, part


def _parts(message: Message) -> list[Message]:
    """Every part in order, not descending into attached messages (they count as one)."""
    found: list[Message] = []
    stack = [message]
    while stack and len(found) < MAX_PARTS:
        part = stack.pop()
        found.append(part)
        if part.is_multipart() and (part is message or part.get_content_type() != "message/rfc822"):
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(reversed([c for c in children if isinstance(c, Message)]))
    return found


def _attachment_name(part: Message) -> str | None:
    try:
        filename = part.get_filename()
    except Exception:
        filename = None
    if filename:
        return safe_filename(filename)
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        subject = None
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            subject, _ = _header(inner[0], "Subject")
        return safe_filename(f"{subject or 'message'}.eml")
    if part.get_content_disposition() == "attachment":
        return "unnamed"
    return None


def _attachments(message: EmailMessage, body: Message | None) -> list[str]:
    names: list[str] = []
    for part in _parts(message):
        if part is body or part.get_content_maintype() == "multipart":
            continue
        if part is message and part.get_content_maintype() == "text":
            continue  # a text-only mail whose body could not be chosen
        name = _attachment_name(part)
        if name:
            names.append(name)
        if len(names) >= MAX_ATTACHMENT_NAMES:
            break
    return names


def _properties(message: EmailMessage, body: Message | None) -> tuple[dict[str, Any], list[str]]:
    props: dict[str, Any] = {}
    lines: list[str] = []
    for header, key in HEADERS:
        text, parsed = _header(message, header)
        if text is None:
            continue
        lines.append(f"{header}: {text}")
        props[key] = text
        when = getattr(parsed, "datetime", None) if key == "date" else None
        if when is not None:
            props[key] = when.isoformat()
    props["attachments"] = _attachments(message, body)
    return props, lines


def email_properties(path: Path) -> dict[str, Any]:
    """The mail's from, to, cc, subject, date (ISO 8601 when it parses) and attachment names
    (stable keys; absent headers are left out, attachments is always a list)."""
    message, _ = _read(path)
    _, body_part = _body(message)
    return _properties(message, body_part)[0]


class EmailExtractor:
    name = "email"
    mime_types = frozenset({"message/rfc822"})

    def extract(self, path: Path, max_chars: int) -> ExtractedText:
        message, cut = _read(path)
        body, body_part = _body(message)
        props, lines = _properties(message, body_part)
        parts = ["\n".join(lines), body[:max_chars].strip()]
        if props["attachments"]:
            parts.append("Attachments: " + ", ".join(props["attachments"]))
        details = dict(props)
        if cut:
            details["input_truncated_at_bytes"] = MAX_MAIL_BYTES
        text = "\n\n".join(p for p in parts if p)
        return ExtractedText(text=text, extractor=self.name, details=details)
