"""LINE message objects for each notification, as plain dicts (the Messaging API's JSON).

Pure functions, so their output can be checked against LINE's published Flex Message rules
(tests/support/flex_rules.py): a carousel holds at most 12 bubbles, altText at most 1500
characters, images are https, actions carry labels, texts are cut to sensible lengths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from drive2.ports.notifier import Message

MAX_BUBBLES = 12
MAX_MESSAGES_PER_PUSH = 5
ALT_TEXT_MAX = 1500
LABEL_MAX = 20  # action labels; LINE allows 20 in most places, 40 on a Flex button
POSTBACK_DATA_MAX = 300
URI_MAX = 1000

ACCENT = "#1DB446"
MUTED = "#8C8C8C"
DANGER = "#D93025"


def cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover - the loop always returns


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": text or " ", "wrap": True, **style}


def _row(label: str, value: str) -> dict[str, Any]:
    return {
        "type": "box",
        "layout": "baseline",
        "spacing": "sm",
        "contents": [
            _text(label, color=MUTED, size="sm", flex=2, wrap=False),
            _text(value, size="sm", flex=5),
        ],
    }


def _uri_button(label: str, uri: str, primary: bool = True) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "height": "sm",
        "action": {"type": "uri", "label": cut(label, LABEL_MAX), "uri": uri[:URI_MAX]},
    }
    if primary:
        button["style"] = "primary"
        button["color"] = ACCENT
    return button


def _postback_button(label: str, data: str, color: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "height": "sm",
        "action": {
            "type": "postback",
            "label": cut(label, LABEL_MAX),
            "data": data[:POSTBACK_DATA_MAX],
            "displayText": cut(label, LABEL_MAX),
        },
    }
    if color:
        button["style"] = "primary"
        button["color"] = color
    return button


def _flex(alt_text: str, contents: dict[str, Any]) -> Message:
    return {"type": "flex", "altText": cut(alt_text, ALT_TEXT_MAX), "contents": contents}


def text_message(text: str) -> Message:
    return {"type": "text", "text": cut(text, 5000)}


@dataclass(frozen=True)
class CompletedFile:
    file_id: str
    filename: str
    suggested_filename: str | None
    summary: str | None
    tags: list[str]
    open_url: str
    #: https only: LINE fetches hero images itself and accepts nothing else.
    thumbnail_url: str | None = None
    #: The preview (JPEG up to PREVIEW_SIZE): what tapping the hero image opens. The hero
    #: itself stays the thumbnail: LINE's flex images must be at most 1024×1024 pixels.
    preview_url: str | None = None


def completed_bubble(f: CompletedFile) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        _text("Ready", color=ACCENT, size="sm", weight="bold"),
        _text(cut(f.filename, 120), weight="bold", size="lg"),
    ]
    if f.suggested_filename and f.suggested_filename != f.filename:
        body.append(_row("Suggested", cut(f.suggested_filename, 120)))
    if f.tags:
        body.append(_row("Tags", cut(", ".join(f.tags[:8]), 160)))
    if f.summary:
        body.append({"type": "separator", "margin": "md"})
        body.append(_text(cut(f.summary, 400), size="sm", margin="md", color="#333333"))
    bubble: dict[str, Any] = {
        "type": "bubble",
        "size": "mega",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                _uri_button("Open file", f.open_url),
                {
                    "type": "box",
                    "layout": "horizontal",
                    "spacing": "sm",
                    "contents": [
                        _postback_button("Share link", share_data(f.file_id)),
                        _postback_button("Move to trash", trash_data(f.file_id)),
                    ],
                },
            ],
        },
    }
    if f.thumbnail_url and f.thumbnail_url.startswith("https://"):
        bubble["hero"] = {
            "type": "image",
            "url": f.thumbnail_url[:2000],
            "size": "full",
            "aspectRatio": "20:13",
            "aspectMode": "cover",
            "action": {"type": "uri", "label": "Open", "uri": _hero_target(f)[:URI_MAX]},
        }
    return bubble


def _hero_target(f: CompletedFile) -> str:
    if f.preview_url and f.preview_url.startswith("https://"):
        return f.preview_url
    return f.open_url


def completed_messages(files: list[CompletedFile]) -> list[Message]:
    """One bubble for one file; carousels of up to 12 for more (at most five messages, the
    most one push carries: the caller never groups more than 60)."""
    if not files:
        return []
    if len(files) == 1:
        f = files[0]
        return [_flex(f"Drive2: {f.filename} is ready", completed_bubble(f))]
    messages = []
    for start in range(0, len(files), MAX_BUBBLES):
        chunk = files[start : start + MAX_BUBBLES]
        names = ", ".join(f.filename for f in chunk)
        alt = f"Drive2: {len(chunk)} files are ready: {names}"
        messages.append(
            _flex(alt, {"type": "carousel", "contents": [completed_bubble(f) for f in chunk]})
        )
    return messages[:MAX_MESSAGES_PER_PUSH]


PLAIN_ERRORS: list[tuple[tuple[str, ...], str]] = [
    (("password", "encrypted"), "The file is protected by a password, so Drive2 cannot read it."),
    (("bomb", "expands", "too many pixels"), "The file unpacks to an unsafe size and was stopped."),
    (
        ("truncated", "corrupt", "damaged", "cannot identify", "broken"),
        "The file looks damaged or incomplete.",
    ),
    (("time limit", "took longer"), "Processing took too long and was stopped."),
    (("unsupported",), "Drive2 cannot read this kind of file yet."),
    (("gave up after",), "A service Drive2 needs did not answer, even after several tries."),
    (("missing",), "The stored file could not be found."),
]


def plain_error(error: str | None) -> str:
    """What went wrong, in words a person can act on; the technical text stays in Drive2."""
    low = (error or "").lower()
    for words, sentence in PLAIN_ERRORS:
        if any(w in low for w in words):
            return sentence
    return "Something went wrong while reading the file."


def reprocess_data(file_id: str) -> str:
    return f"action=reprocess&file_id={file_id}"[:POSTBACK_DATA_MAX]


def share_data(file_id: str) -> str:
    return f"action=share&file_id={file_id}"[:POSTBACK_DATA_MAX]


def trash_data(file_id: str) -> str:
    return f"action=trash&file_id={file_id}"[:POSTBACK_DATA_MAX]


def restore_data(file_id: str) -> str:
    return f"action=restore&file_id={file_id}"[:POSTBACK_DATA_MAX]


def trashed_message(filename: str, file_id: str, retention_days: int) -> Message:
    """The answer to "Move to trash": what happened, and an Undo that puts it back."""
    when = (
        f"It is deleted for good after {retention_days} days."
        if retention_days > 0
        else "It stays there until you empty the trash."
    )
    bubble = {
        "type": "bubble",
        "size": "kilo",
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                _text("Moved to the trash", color=MUTED, size="sm", weight="bold"),
                _text(cut(filename, 120), weight="bold"),
                _text(when, size="sm", color=MUTED),
            ],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [_postback_button("Undo", restore_data(file_id), color=ACCENT)],
        },
    }
    return _flex(f"Drive2: {filename} moved to the trash", bubble)


def share_link_text(filename: str, url: str, expires: date | None) -> Message:
    until = f"It works until {expires.strftime('%d %B %Y')}." if expires else "It does not expire."
    return text_message(
        f"Anyone with this link can open and download {cut(filename, 120)}. {until} "
        f"You can revoke it in Drive2.\n{url}"
    )


def failed_message(filename: str, error: str | None, file_id: str, open_url: str) -> Message:
    detail = cut(error or "", 200)
    body: list[dict[str, Any]] = [
        _text("Could not process", color=DANGER, size="sm", weight="bold"),
        _text(cut(filename, 120), weight="bold", size="lg"),
        _text(plain_error(error), size="sm", margin="md"),
    ]
    if detail:
        body.append(_text(detail, size="xs", color=MUTED, margin="sm"))
    bubble = {
        "type": "bubble",
        "size": "mega",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "color": DANGER,
                    "height": "sm",
                    "action": {
                        "type": "postback",
                        "label": "Reprocess",
                        "data": reprocess_data(file_id),
                        "displayText": "Reprocess",
                    },
                },
                _uri_button("Open file", open_url, primary=False),
            ],
        },
    }
    return _flex(f"Drive2 could not process {filename}: {plain_error(error)}", bubble)


def quota_message(threshold: int, used_bytes: int, quota_bytes: int) -> Message:
    percent = 0 if quota_bytes <= 0 else round(used_bytes * 100 / quota_bytes)
    full = threshold >= 100
    headline = "Your storage is full" if full else f"Your storage is {threshold}% full"
    advice = (
        "New uploads are refused until you delete files or your quota is raised."
        if full
        else "Delete files you no longer need, or ask for a larger quota."
    )
    bar = max(0, min(100, percent))
    bubble = {
        "type": "bubble",
        "size": "mega",
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "md",
            "contents": [
                _text(headline, weight="bold", size="lg", color=DANGER if full else "#111111"),
                _text(
                    f"{human_bytes(used_bytes)} of {human_bytes(quota_bytes)} used ({percent}%)",
                    size="sm",
                ),
                {
                    "type": "box",
                    "layout": "vertical",
                    "backgroundColor": "#EEEEEE",
                    "height": "8px",
                    "contents": [
                        {
                            "type": "box",
                            "layout": "vertical",
                            "backgroundColor": DANGER if threshold >= 90 else "#F5A623",
                            "width": f"{max(bar, 1)}%",
                            "height": "8px",
                            "contents": [],
                        }
                    ],
                },
                _text(advice, size="sm", color=MUTED),
            ],
        },
    }
    return _flex(f"Drive2: {headline} ({percent}%)", bubble)


@dataclass(frozen=True)
class DailySummary:
    day: date
    uploaded: int
    completed: int
    failed: int
    used_bytes: int
    quota_bytes: int


def daily_summary_message(s: DailySummary, open_url: str | None = None) -> Message:
    percent = 0 if s.quota_bytes <= 0 else round(s.used_bytes * 100 / s.quota_bytes)
    rows = [
        _row("Uploaded", str(s.uploaded)),
        _row("Completed", str(s.completed)),
        _row("Failed", str(s.failed)),
        _row(
            "Storage", f"{human_bytes(s.used_bytes)} of {human_bytes(s.quota_bytes)} ({percent}%)"
        ),
    ]
    bubble: dict[str, Any] = {
        "type": "bubble",
        "size": "mega",
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                _text("Today in Drive2", weight="bold", size="lg"),
                _text(s.day.strftime("%A %d %B %Y"), size="xs", color=MUTED),
                {"type": "separator", "margin": "md"},
                *rows,
            ],
        },
    }
    if open_url:
        bubble["footer"] = {
            "type": "box",
            "layout": "vertical",
            "contents": [_uri_button("Open Drive2", open_url, primary=False)],
        }
    alt = (
        f"Drive2 today: {s.uploaded} uploaded, {s.completed} completed, {s.failed} failed; "
        f"{percent}% of storage used"
    )
    return _flex(alt, bubble)
