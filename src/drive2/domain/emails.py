"""Email addresses as account names: one spelling per address, and no look-alikes.

An address is NFKC-normalised and lower-cased, so a full-width `ａｌｉｃｅ` and `alice` are the
same account. Characters that hide (controls, zero-width and other format characters),
combining marks on letters that have their own precomposed forms (`jose\\u0301`), and labels
that mix scripts (a Cyrillic `а` inside a Latin name) are refused: each would let a second
account look exactly like someone else's. A label in one script is fine, including Thai,
whose vowel and tone marks are combining marks by nature.
"""

from __future__ import annotations

import re
import unicodedata

from drive2.domain.errors import InvalidInputError

MAX_EMAIL_CHARS = 320
MAX_LOCAL_CHARS = 64
_SHAPE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_ASCII_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_ASCII_DOMAIN_LABEL = re.compile(r"^[a-z0-9-]+$")

#: Scripts that write with combining marks as a matter of course: a mark after a letter of
#: one of these is ordinary text, not a disguise.
_MARK_SCRIPTS = frozenset(
    {
        "THAI",
        "LAO",
        "KHMER",
        "MYANMAR",
        "DEVANAGARI",
        "BENGALI",
        "GURMUKHI",
        "GUJARATI",
        "ORIYA",
        "TAMIL",
        "TELUGU",
        "KANNADA",
        "MALAYALAM",
        "SINHALA",
        "TIBETAN",
        "ARABIC",
        "HEBREW",
    }
)

#: Scripts that are written together as one: Japanese mixes kanji and both kana, Korean
#: hangul and hanja.
_SCRIPT_FAMILY = {
    "CJK": "HAN",
    "HIRAGANA": "HAN",
    "KATAKANA": "HAN",
    "HANGUL": "HAN",
    "KATAKANA-HIRAGANA": "HAN",
}


def _script(char: str) -> str | None:
    """The script of a letter, mark or non-ASCII digit by its Unicode name; None for the
    characters every script shares (ASCII digits and punctuation)."""
    if char.isascii():
        return "LATIN" if char.isalpha() else None
    name = unicodedata.name(char, "")
    if not name:
        return "UNKNOWN"
    first = name.split(" ", 1)[0]
    if first in ("FULLWIDTH", "HALFWIDTH"):  # gone after NFKC, kept for safety
        first = name.split(" ", 2)[1]
    return _SCRIPT_FAMILY.get(first, first)


def _check_characters(text: str) -> None:
    previous_script: str | None = None
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category[0] == "C" or category[0] == "Z":
            # Cc controls, Cf format (zero-width joiners, direction marks, soft hyphens),
            # Co private use, Cn unassigned, Cs surrogates; Z* spaces and separators.
            raise InvalidInputError("email contains invisible or control characters")
        if not char.isascii() and category[0] not in ("L", "M", "N"):
            raise InvalidInputError("email contains symbols or punctuation it cannot have")
        if category[0] == "M":
            if index == 0 or previous_script not in _MARK_SCRIPTS:
                raise InvalidInputError(
                    "email contains a combining mark; type the accented letter itself"
                )
            continue
        previous_script = _script(char)


def _check_label(label: str) -> None:
    scripts = {s for s in (_script(c) for c in label if unicodedata.category(c)[0] != "M") if s}
    if len(scripts) > 1:
        raise InvalidInputError("email mixes letters of different scripts in one part")


def normalise_email(raw: str) -> str:
    """The form an address is stored and looked up in (no checks: a login with an odd
    address simply finds no account)."""
    return unicodedata.normalize("NFKC", raw.strip()).lower()


def checked_email(raw: str) -> str:
    """The normalised address, or InvalidInputError saying what is wrong with it."""
    stripped = raw.strip()
    if len(stripped) > MAX_EMAIL_CHARS * 2:
        raise InvalidInputError("email is not a valid address")
    _check_characters(stripped)
    email = normalise_email(stripped)
    if len(email) > MAX_EMAIL_CHARS or not _SHAPE.match(email):
        raise InvalidInputError("email is not a valid address")
    _check_characters(email)  # NFKC can produce what the raw text did not show
    local, _, domain = email.rpartition("@")
    if local.isascii() and not _ASCII_LOCAL.match(local):
        raise InvalidInputError("email is not a valid address")
    for label in domain.split("."):
        if not label or (label.isascii() and not _ASCII_DOMAIN_LABEL.match(label)):
            raise InvalidInputError("email is not a valid address")
        _check_label(label)
    _check_label(local)
    return email
