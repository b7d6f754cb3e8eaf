from __future__ import annotations

import pytest

from drive2.domain.names import normalise_tags, safe_filename


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\evil.exe", "evil.exe"),
        ("in\x00voice.pdf", "invoice.pdf"),
        ("photo\u202egnp.exe", "photognp.exe"),
        ("  spaced   out .txt ", "spaced out .txt"),
        ("", "unnamed"),
        ("..", "unnamed"),
        (None, "unnamed"),
        ("ใบเสร็จ.pdf", "ใบเสร็จ.pdf"),
    ],
)
def test_safe_filename(raw: str | None, expected: str) -> None:
    assert safe_filename(raw) == expected


def test_long_names_keep_their_extension() -> None:
    name = safe_filename("x" * 2000 + ".pdf")
    assert len(name) == 255 and name.endswith(".pdf")


def test_tags_are_normalised_and_deduplicated() -> None:
    assert normalise_tags(["Tax", " tax ", "", "Two  Words", "a" * 100]) == [
        "tax",
        "two words",
        "a" * 64,
    ]
    assert len(normalise_tags([f"t{i}" for i in range(100)])) == 32
