"""Webhook signatures, signed file links, link codes and the small parsers of the LINE code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from drive2.adapters.line.client import parse_retry_after
from drive2.config import Settings
from drive2.messaging.celery_config import create_celery_app
from drive2.messaging.notification_schedule import parse_daily_time
from drive2.messaging.task_names import RESEND_NOTIFICATIONS, SEND_DAILY_SUMMARIES
from drive2.services.line_bot import CODE_ALPHABET, normalise_code
from drive2.services.line_signature import line_signature, signature_is_valid
from drive2.services.notifications import usage_level, usage_percent
from drive2.services.signed_links import link_is_valid, signed_path

SECRET = "channel-secret"
BODY = b'{"destination":"U0","events":[{"type":"message","webhookEventId":"01H"}]}'


def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    expected = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()
    assert line_signature(SECRET, BODY) == expected
    assert signature_is_valid(SECRET, BODY, expected)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "not-base64-at-all",
        "\u0080\u00e9",  # non-ASCII (headers are read as latin-1): refused, not a crash
        line_signature("another-secret", BODY),
        line_signature(SECRET, BODY + b" "),
        # The same JSON re-serialised (spaces, key order) is a different body.
        line_signature(SECRET, json.dumps(json.loads(BODY), indent=1).encode()),
    ],
)
def test_bad_signatures_are_refused(signature: str | None) -> None:
    assert not signature_is_valid(SECRET, BODY, signature)


def test_no_secret_refuses_everything() -> None:
    assert not signature_is_valid(None, BODY, line_signature("", BODY))
    assert not signature_is_valid("", BODY, line_signature("", BODY))


def test_signed_links_work_for_one_file_one_purpose_until_they_expire() -> None:
    now = 1_800_000_000.0
    path = signed_path("jwt", "thumbnail", "f1", 60, now=now)
    assert path.startswith("/api/v1/line/files/f1/thumbnail?exp=1800000060&sig=")
    sig = path.split("sig=")[1]
    assert link_is_valid("jwt", "thumbnail", "f1", 1_800_000_060, sig, now=now)
    assert not link_is_valid("jwt", "thumbnail", "f1", 1_800_000_060, sig, now=now + 61)
    assert not link_is_valid("jwt", "download", "f1", 1_800_000_060, sig, now=now)
    assert not link_is_valid("jwt", "thumbnail", "f2", 1_800_000_060, sig, now=now)
    assert not link_is_valid("jwt", "thumbnail", "f1", 1_800_009_999, sig, now=now)
    assert not link_is_valid("other", "thumbnail", "f1", 1_800_000_060, sig, now=now)
    # Found by schemathesis: a non-ASCII signature is refused, not a 500.
    assert not link_is_valid("jwt", "thumbnail", "f1", 1_800_000_060, "\u0080", now=now)
    with pytest.raises(ValueError):
        signed_path("jwt", "delete", "f1", 60)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ABCD-EFGH", "ABCDEFGH"),
        ("  abcd efgh ", "ABCDEFGH"),
        ("abcdefgh", "ABCDEFGH"),
        ("ABCD-EFG0", None),  # 0 is not in the alphabet
        ("hello there", None),
        ("ABCD-EFGHJ", None),
        ("", None),
    ],
)
def test_link_codes_are_recognised_in_what_people_type(text: str, code: str | None) -> None:
    assert normalise_code(text) == code


def test_the_code_alphabet_has_no_look_alikes() -> None:
    assert not set("01IO") & set(CODE_ALPHABET)


@pytest.mark.parametrize(
    ("percent", "level"),
    [(0, 0), (79.99, 0), (80, 80), (89.9, 80), (90, 90), (100, 100), (150, 100)],
)
def test_usage_levels(percent: float, level: int) -> None:
    assert usage_level(percent) == level


def test_usage_percent_of_a_zero_quota_is_full() -> None:
    assert usage_percent(5, 0) == 100.0
    assert usage_percent(50, 200) == 25.0


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(30.0)


def test_daily_summary_time() -> None:
    assert parse_daily_time("20:00") == (20, 0)
    assert parse_daily_time("7:05") == (7, 5)
    for bad in ("24:00", "20", "8pm", "20:60"):
        with pytest.raises(ValueError):
            parse_daily_time(bad)


def test_beat_sends_the_daily_summary_at_local_time_only_when_line_is_on(tmp_path: Path) -> None:
    base = {"DRIVE2_DATA_DIR": tmp_path, "JWT_SECRET": "x" * 40}
    off = create_celery_app(Settings(_env_file=None, **base))  # type: ignore[call-arg]
    assert "line-daily-summaries" not in off.conf.beat_schedule
    on = create_celery_app(
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            LINE_CHANNEL_ACCESS_TOKEN="t",
            DAILY_SUMMARY_TIME="21:30",
            **base,
        )
    )
    entry = on.conf.beat_schedule["line-daily-summaries"]
    assert entry["task"] == SEND_DAILY_SUMMARIES
    assert entry["schedule"].hour == {21} and entry["schedule"].minute == {30}
    assert entry["options"] == {"expires": 3600.0, "queue": "notifications"}
    assert on.conf.timezone == "Asia/Bangkok"  # crontab reads this local time
    assert on.conf.beat_schedule["line-resend-notifications"]["task"] == RESEND_NOTIFICATIONS
    assert "cleanup-old-tasks" in on.conf.beat_schedule
