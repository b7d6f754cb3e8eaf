"""Account emails: one spelling per address, and no look-alikes (issue 13, item 5)."""

from __future__ import annotations

import pytest

from drive2.domain.emails import checked_email, normalise_email
from drive2.domain.errors import InvalidInputError


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Ann@Example.com", "ann@example.com"),
        ("  ann@example.com ", "ann@example.com"),
        ("\uff41\uff4e\uff4e@example.com", "ann@example.com"),  # full-width letters
        ("ann+drive@mail.example.co.th", "ann+drive@mail.example.co.th"),
        ("josé@example.com", "josé@example.com"),  # precomposed é: one Latin letter
        ("สมชาย@example.com", "สมชาย@example.com"),  # Thai, one script
        # Thai vowel and tone marks; NFKC splits SARA AM into NIKHAHIT + SARA AA, which
        # renders the same, and a sign-in typed either way is normalised alike.
        ("ที่ทำงาน@example.com", "ที่ท\u0e4d\u0e32งาน@example.com"),
        ("ann@ตัวอย่าง.ไทย", "ann@ตัวอย่าง.ไทย"),  # Thai domain, Latin local part
        ("иван@пример.рф", "иван@пример.рф"),  # all Cyrillic is fine
        ("たなか@例え.jp", "たなか@例え.jp"),  # Japanese kana with kanji
    ],
)
def test_good_addresses_are_kept_in_one_normal_form(raw: str, stored: str) -> None:
    assert checked_email(raw) == stored
    assert normalise_email(raw) == stored


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("ali\u200bce@example.com", "invisible"),  # zero-width space
        ("ali\u200dce@example.com", "invisible"),  # zero-width joiner
        ("alice\u202e@example.com", "invisible"),  # right-to-left override
        ("al\u00adice@example.com", "invisible"),  # soft hyphen
        ("ali\x00ce@example.com", "invisible"),
        ("ali\tce@example.com", "invisible"),
        ("\u0430lice@example.com", "scripts"),  # Cyrillic а in a Latin name
        ("alice@ex\u0430mple.com", "scripts"),  # … or in the domain
        ("p\u0430yp\u0430l@example.com", "scripts"),
        ("αlice@example.com", "scripts"),  # Greek alpha
        ("aliceสมชาย@example.com", "scripts"),
        ("jose\u0301@example.com", "combining mark"),  # decomposed é
        ("\u0301jose@example.com", "combining mark"),
        ("q\u0307@example.com", "combining mark"),
        ("alice😀@example.com", "symbols"),
        ("not-an-email", "valid address"),
        ("a@b", "valid address"),
        ("ann@exa_mple.com", "valid address"),
        ("ann(x)@example.com", "valid address"),
        ("a" * 65 + "@example.com", "valid address"),
    ],
)
def test_hostile_or_broken_addresses_are_refused_with_a_reason(raw: str, why: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        checked_email(raw)
    assert why in str(refused.value)
