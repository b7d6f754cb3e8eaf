"""Pure helpers of issue 16: zip entry names, share tokens, what the zip deflates."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from drive2.domain.archive_names import entry_name, unique_names
from drive2.domain.models import FileRecord, FileStatus
from drive2.domain.shares import ShareLink, new_token, plausible_token, token_hash
from drive2.services.archive import compress_type


def test_the_same_name_twice_gets_a_number_ignoring_case() -> None:
    assert unique_names(["a.pdf", "A.PDF", "a.pdf", "a (2).pdf", "b"]) == [
        "a.pdf",
        "A (2).PDF",
        "a (3).pdf",
        "a (2) (2).pdf",
        "b",
    ]
    assert unique_names([".bashrc", ".bashrc"]) == ["bashrc", "bashrc (2)"]


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "_.._etc_passwd"),
        ("C:\\Windows\\evil.exe", "C__Windows_evil.exe"),
        ("..", "unnamed"),
        ("", "unnamed"),
        ("a\x00b.txt", "a_b.txt"),
        ("ใบเสร็จ.pdf", "ใบเสร็จ.pdf"),
    ],
)
def test_entry_names_are_one_safe_segment(raw: str, safe: str) -> None:
    assert entry_name(raw) == safe
    assert "/" not in entry_name(raw) and "\\" not in entry_name(raw)


def test_tokens_are_long_random_and_kept_as_a_hash() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) == 43 and plausible_token(t) for t in tokens)  # 32 bytes, base64url
    token = tokens.pop()
    assert token_hash(token) != token and len(token_hash(token)) == 64
    assert token_hash(token) == token_hash(token)
    for bad in ("short", "A" * 200, "x" * 40 + "/..", "x" * 40 + " ", ""):
        assert not plausible_token(bad)


def test_a_link_is_active_until_revoked_or_expired() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    link = ShareLink("s", "f", "u", "abcdef", now, now + timedelta(days=1), None)
    assert link.active(now) and not link.active(now + timedelta(days=1))
    assert ShareLink("s", "f", "u", "abcdef", now, None, None).active(now + timedelta(days=9999))
    assert not ShareLink("s", "f", "u", "abcdef", now, None, now).active(now)


@pytest.mark.parametrize(
    ("content_type", "method"),
    [
        ("text/plain; charset=utf-8", zipfile.ZIP_DEFLATED),
        ("application/json", zipfile.ZIP_DEFLATED),
        ("image/jpeg", zipfile.ZIP_STORED),
        ("application/pdf", zipfile.ZIP_STORED),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", 0),
        ("video/mp4", zipfile.ZIP_STORED),
    ],
)
def test_only_what_deflate_shrinks_is_deflated(content_type: str, method: int) -> None:
    assert compress_type(content_type) == method


def test_every_object_key_of_a_file() -> None:
    now = datetime.now(UTC)
    record = FileRecord(
        id="f",
        user_id="u",
        filename="a.pdf",
        content_type="application/pdf",
        size_bytes=1,
        checksum_sha256="0" * 64,
        storage_key="originals/u/f",
        thumbnail_key=None,
        status=FileStatus.COMPLETED,
        progress=100,
        stage="done",
        attempts=1,
        error=None,
        uploaded_at=now,
        updated_at=now,
        processed_at=now,
        metadata={},
        text_excerpt=None,
        ai=None,
    )
    assert record.object_keys() == ["originals/u/f"]
    assert not record.trashed
