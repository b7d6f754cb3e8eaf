"""The Flex Messages of each notification kind obey LINE's published rules, and the rule
checker itself catches what LINE would reject."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from drive2.services import line_messages as lm
from tests.support.flex_rules import message_errors


def _file(i: int = 1, **overrides: Any) -> lm.CompletedFile:
    values: dict[str, Any] = {
        "file_id": f"00000000-0000-0000-0000-{i:012d}",
        "filename": f"scan-{i}.pdf",
        "suggested_filename": f"2026-03-14_invoice_acme-{i}.pdf",
        "summary": "An invoice from Acme Consulting for March. " * 3,
        "tags": ["invoice", "acme", "march"],
        "open_url": f"https://drive.example.com/api/v1/line/files/{i}/download?exp=1&sig=x",
        "thumbnail_url": f"https://drive.example.com/api/v1/line/files/{i}/thumbnail?exp=1&sig=y",
    }
    values.update(overrides)
    return lm.CompletedFile(**values)


def test_one_completed_file_is_a_valid_bubble_with_everything_the_issue_names() -> None:
    [message] = lm.completed_messages([_file()])
    assert message_errors(message) == []
    bubble = message["contents"]
    assert bubble["type"] == "bubble"
    assert bubble["hero"]["url"].startswith("https://")
    texts = _texts(bubble)
    assert "scan-1.pdf" in texts
    assert "2026-03-14_invoice_acme-1.pdf" in texts
    assert "invoice, acme, march" in texts
    assert any(t.startswith("An invoice from Acme") for t in texts)
    # Open file, then Share link and Move to trash side by side (issue 16).
    button, row = bubble["footer"]["contents"]
    assert [b["action"]["label"] for b in row["contents"]] == ["Share link", "Move to trash"]
    assert button["action"] == {
        "type": "uri",
        "label": "Open file",
        "uri": "https://drive.example.com/api/v1/line/files/1/download?exp=1&sig=x",
    }
    assert message["altText"] == "Drive2: scan-1.pdf is ready"


def test_no_hero_image_without_https_and_none_without_a_thumbnail() -> None:
    for thumb in (None, "http://localhost:8000/api/v1/line/files/1/thumbnail?exp=1&sig=y"):
        [message] = lm.completed_messages([_file(thumbnail_url=thumb)])
        assert "hero" not in message["contents"]
        assert message_errors(message) == []


def test_completions_become_carousels_of_at_most_twelve() -> None:
    messages = lm.completed_messages([_file(i) for i in range(1, 15)])
    assert [m["contents"]["type"] for m in messages] == ["carousel", "carousel"]
    assert [len(m["contents"]["contents"]) for m in messages] == [12, 2]
    for m in messages:
        assert message_errors(m) == []
    assert messages[1]["altText"].startswith("Drive2: 2 files are ready: scan-13.pdf")
    # A push carries at most five messages: 60 bubbles.
    assert len(lm.completed_messages([_file(i) for i in range(1, 80)])) == 5


def test_long_texts_are_cut_to_what_line_accepts() -> None:
    long_name = "x" * 3000 + ".pdf"
    files = [_file(i, filename=long_name, summary="word " * 2000) for i in range(12)]
    [message] = lm.completed_messages(files)
    assert message_errors(message) == []
    assert len(message["altText"]) <= 1500
    assert all(len(t) <= 400 for t in _texts(message["contents"]))


def test_failure_message_says_what_failed_in_plain_words_with_a_reprocess_button() -> None:
    fid = "11111111-2222-3333-4444-555555555555"
    message = lm.failed_message(
        "contract.pdf", "PDF is encrypted (password protected)", fid, "https://d.example/x"
    )
    assert message_errors(message) == []
    texts = _texts(message["contents"])
    assert "The file is protected by a password, so Drive2 cannot read it." in texts
    buttons = message["contents"]["footer"]["contents"]
    assert buttons[0]["action"] == {
        "type": "postback",
        "label": "Reprocess",
        "data": f"action=reprocess&file_id={fid}",
        "displayText": "Reprocess",
    }
    assert buttons[1]["action"]["type"] == "uri"


@pytest.mark.parametrize(
    ("error", "plain"),
    [
        ("truncated PDF: EOF marker not found", "The file looks damaged or incomplete."),
        ("processing took longer than the 540 s time limit", "Processing took too long"),
        ("image has too many pixels (decompression bomb)", "unsafe size"),
        ("gave up after 4 attempts: Gemini timeout", "did not answer"),
        ("something odd", "Something went wrong while reading the file."),
        (None, "Something went wrong while reading the file."),
    ],
)
def test_plain_errors(error: str | None, plain: str) -> None:
    assert plain in lm.plain_error(error)


@pytest.mark.parametrize("threshold", [80, 90, 100])
def test_quota_alerts_are_valid(threshold: int) -> None:
    quota = 10 * 1024**3
    message = lm.quota_message(threshold, quota * threshold // 100, quota)
    assert message_errors(message) == []
    assert f"({threshold}%)" in message["altText"]
    if threshold == 100:
        assert "full" in message["altText"]


def test_daily_summary_is_valid_and_carries_the_counts() -> None:
    summary = lm.DailySummary(date(2026, 3, 14), 7, 5, 2, 3 * 1024**3, 50 * 1024**3)
    message = lm.daily_summary_message(summary, "https://drive.example.com")
    assert message_errors(message) == []
    texts = _texts(message["contents"])
    for label, value in (("Uploaded", "7"), ("Completed", "5"), ("Failed", "2")):
        assert texts[texts.index(label) + 1] == value
    assert "3.0 GB of 50.0 GB (6%)" in texts
    assert message["altText"] == (
        "Drive2 today: 7 uploaded, 5 completed, 2 failed; 6% of storage used"
    )


# --- the checker catches what LINE rejects ----------------------------------------------------
def _valid() -> dict[str, Any]:
    return copy.deepcopy(lm.completed_messages([_file()])[0])


def _broken(change: Any) -> list[str]:
    message = _valid()
    change(message)
    return message_errors(message)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.update(altText=""), "altText is required"),
        (lambda m: m.update(altText="a" * 1501), "max 1500"),
        (lambda m: m["contents"]["hero"].update(url="http://x.example/a.jpg"), "https"),
        (lambda m: m["contents"]["footer"]["contents"][0].pop("action"), "needs an action"),
        (
            lambda m: m["contents"]["footer"]["contents"][0]["action"].update(label="x" * 41),
            "label longer than 40",
        ),
        (
            lambda m: m["contents"]["footer"]["contents"][0]["action"].update(uri="ftp://x"),
            "scheme",
        ),
        (lambda m: m["contents"]["body"].update(layout="grid"), "box layout"),
        (lambda m: m["contents"]["body"]["contents"][0].update(colour="#ffffff"), "unknown text"),
        (lambda m: m["contents"]["body"]["contents"][0].update(color="red"), "hex colour"),
        (lambda m: m["contents"].update(size="huge"), "bubble size"),
        (lambda m: m["contents"]["body"]["contents"].append({"type": "icon"}), "cannot hold"),
        (
            lambda m: m.update(contents={"type": "carousel", "contents": [m["contents"]] * 13}),
            "13 bubbles",
        ),
        (lambda m: m["contents"]["body"]["contents"][1].update(text=""), "needs text"),
    ],
)
def test_the_checker_catches_broken_messages(change: Any, expected: str) -> None:
    errors = _broken(change)
    assert any(expected in e for e in errors), errors


def test_a_carousel_over_50_kb_is_refused() -> None:
    big = _file(summary="y" * 380)
    bubble = lm.completed_bubble(big)
    bubble["body"]["contents"].extend([{"type": "text", "text": "z" * 1000}] * 5)
    carousel = {"type": "carousel", "contents": [bubble] * 12}
    errors = message_errors({"type": "flex", "altText": "a", "contents": carousel})
    assert any("bytes of JSON" in e for e in errors), errors


def _texts(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "text":
            found.append(node["text"])
        for value in node.values():
            found += _texts(value)
    elif isinstance(node, list):
        for value in node:
            found += _texts(value)
    return found
