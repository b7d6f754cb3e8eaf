"""Dates a document states, found in its text: a pure parser for Thai and English forms.

The API (also used by money extraction, which needs the transfer date of a slip):

- ``find_dates(text, today=None) -> list[FoundDate]``: every date given to the day, in text
  order, each with where it stands, how it was written and its role when a label says
  (``DateRole``: issue, transaction, due, period, birth, expiry, or other);
- ``document_date(text, today=None) -> FoundDate | None``: the one that dates the document;
- helpers shared with the query parser (domain/query_dates.py): ``arabic_digits``,
  ``month_number``, ``resolve_year`` and the month-name patterns (``MONTH_PATTERN`` and its
  parts).

Forms read: ISO ``2025-06-02`` (also ``2025/06/02``); ``7 April 2025``, ``7th of Apr, 2025``,
``07-Apr-2025``; ``April 7, 2025``; day-first numbers as written in Thailand ``07/04/2025``,
``7.4.2025``, ``07-04-25`` (month-first only when the first number cannot be a month);
Thai ``12 ก.พ. 2568``, ``12 กุมภาพันธ์ 2568``, ``วันที่ 3 มี.ค. 67``, ``๓ เดือนมีนาคม พ.ศ. ๒๕๖๘``;
Thai digits anywhere. Years 2400-2700 are Buddhist-era (minus 543). A two-digit year is read
by its context: after a Thai month or in Thai text the Buddhist-era reading comes first, in
English the Common-era one; the first reading within 30 years before ``today`` (and not more
than a year after it) wins.

``today`` anchors two-digit years and the future check; without it the current date is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

__all__ = [
    "ENGLISH_MONTH_PATTERN",
    "MONTH_PATTERN",
    "THAI_DOTTED_MONTH_PATTERN",
    "THAI_FULL_MONTH_PATTERN",
    "THAI_MONTH_PATTERN",
    "DateRole",
    "FoundDate",
    "arabic_digits",
    "document_date",
    "find_dates",
    "month_number",
    "resolve_year",
]

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_THAI_LETTER = re.compile(r"[\u0e01-\u0e2e]")
BUDDHIST_ERA_OFFSET = 543
#: A date later than this after `today` is a misreading (OCR) rather than a document's date.
FUTURE_LIMIT = timedelta(days=2 * 366)
_TWO_DIGIT_WINDOW = 30


def arabic_digits(text: str) -> str:
    """Thai digits (๐-๙) as 0-9; one character for one, so offsets stay valid."""
    return text.translate(_THAI_DIGITS)


# --- month names --------------------------------------------------------------------------

_ENGLISH_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_THAI_MONTHS = (
    "มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม พฤศจิกายน ธันวาคม"
).split()
#: Abbreviations as (first letters, second letters): "ม.ค." is ("ม", "ค").
_THAI_ABBREVIATIONS = (
    ("ม", "ค"),
    ("ก", "พ"),
    ("มี", "ค"),
    ("เม", "ย"),
    ("พ", "ค"),
    ("มิ", "ย"),
    ("ก", "ค"),
    ("ส", "ค"),
    ("ก", "ย"),
    ("ต", "ค"),
    ("พ", "ย"),
    ("ธ", "ค"),
)
#: The spoken short forms ("เมษา", "ธันวา").
_THAI_SPOKEN = "มกรา กุมภา มีนา เมษา พฤษภา มิถุนา กรกฎา สิงหา กันยา ตุลา พฤศจิกา ธันวา".split()

_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(_ENGLISH_MONTHS, start=1):
    _MONTHS[_name] = _number
    _MONTHS[_name[:3]] = _number
_MONTHS["sept"] = 9
for _number, _name in enumerate(_THAI_MONTHS, start=1):
    _MONTHS[_name] = _number
for _number, (_first, _second) in enumerate(_THAI_ABBREVIATIONS, start=1):
    _MONTHS[_first + _second] = _number
for _number, _name in enumerate(_THAI_SPOKEN, start=1):
    _MONTHS[_name] = _number


#: A Thai vowel or tone mark OCR sets after an abbreviation's dot ("ก.ุพ." for "ก.พ."): no
#: mark can follow a dot in Thai, so it is noise.
_OCR_MARK = "[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]"


def month_number(name: str) -> int | None:
    """1-12 for an English or Thai month name, abbreviation or spoken short form."""
    key = re.sub(rf"[\s.]|(?<=\.){_OCR_MARK}", "", name.lower())
    return _MONTHS.get(key)


ENGLISH_MONTH_PATTERN = (
    r"(?<![a-z])(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
THAI_FULL_MONTH_PATTERN = "(?:" + "|".join(_THAI_MONTHS) + ")"
#: "มี.ค." with both dots: unmistakable even with no day or year beside it.
THAI_DOTTED_MONTH_PATTERN = (
    "(?:" + "|".join(rf"{a}\.\s?{b}\." for a, b in _THAI_ABBREVIATIONS) + ")"
)
#: Full names first, so "มีนาคม" is never read as the spoken "มีนา" plus a stray "คม".
THAI_MONTH_PATTERN = (
    "(?:"
    + "|".join(_THAI_MONTHS)
    + "|"
    + "|".join(rf"{a}\.{_OCR_MARK}?\s?{b}\.?|{a}{b}\." for a, b in _THAI_ABBREVIATIONS)
    + "|"
    + "|".join(_THAI_SPOKEN)
    + ")"
)
MONTH_PATTERN = f"(?:{ENGLISH_MONTH_PATTERN}|{THAI_MONTH_PATTERN})"


# --- years --------------------------------------------------------------------------------


def resolve_year(
    digits: str, *, buddhist: bool | None = None, thai: bool = False, today: date | None = None
) -> int | None:
    """The Common-era year of a written year, or None when it cannot be one.

    `buddhist`: the text said which era (พ.ศ. / ค.ศ.); `thai`: the context is Thai, so a
    two-digit year is first read as Buddhist-era."""
    if not digits.isdigit() or len(digits) not in (2, 4):
        return None
    value = int(digits)
    if len(digits) == 4:
        if buddhist is True or (buddhist is None and 2400 <= value <= 2700):
            value -= BUDDHIST_ERA_OFFSET
        return value if 1900 <= value <= 2200 else None
    reference = (today or date.today()).year
    if buddhist is True:
        readings = [2500 + value - BUDDHIST_ERA_OFFSET]
    elif buddhist is False:
        readings = [2000 + value, 1900 + value]
    elif thai:
        readings = [2500 + value - BUDDHIST_ERA_OFFSET, 2000 + value, 1900 + value]
    else:
        readings = [2000 + value, 1900 + value]
    for year in readings:
        if reference - _TWO_DIGIT_WINDOW <= year <= reference + 1:
            return year
    possible = [y for y in readings if y <= reference + 1]
    return max(possible) if possible else None


# --- roles --------------------------------------------------------------------------------


class DateRole(StrEnum):
    ISSUE = "issue"  # "Invoice date:", "วันที่", "Prepared on", "ลงวันที่"
    TRANSACTION = "transaction"  # "Transfer date", "วันที่ทำรายการ", "Paid on"
    DUE = "due"  # "Due date", "ครบกำหนดชำระ", "ภายในวันที่"
    PERIOD = "period"  # "from ... to ...", "ตั้งแต่วันที่ ... ถึงวันที่ ..."
    BIRTH = "birth"  # "Date of birth", "เกิดวันที่"
    EXPIRY = "expiry"  # "Valid until", "วันหมดอายุ"
    OTHER = "other"  # no label: a dateline, a slip's timestamp


#: Labels that tell the role, matched in the few characters before a date on its line. The
#: closest wins; generic labels ("date", "วันที่") only when no specific one is near.
_LABELS: tuple[tuple[DateRole, tuple[str, ...]], ...] = (
    (
        DateRole.BIRTH,
        ("date of birth", "birth date", "birthday", "born", "dob", "d.o.b", "เกิด", "วันเกิด"),
    ),
    (
        DateRole.EXPIRY,
        (
            "expiry",
            "expires",
            "expiration",
            "exp",
            "valid until",
            "valid thru",
            "valid through",
            "good until",
            "best before",
            "หมดอายุ",
            "ใช้ได้ถึง",
            "ใช้ได้จนถึง",
        ),
    ),
    (
        DateRole.DUE,
        (
            "due date",
            "due on",
            "due",
            "pay by",
            "pay before",
            "payable by",
            "deadline",
            "ครบกำหนด",
            "กำหนดชำระ",
            "ชำระภายใน",
            "ชำระก่อน",
            "ภายในวันที่",
            "ภายใน",
        ),
    ),
    (
        DateRole.PERIOD,
        (
            "from",
            "to",
            "until",
            "till",
            "through",
            "start date",
            "end date",
            "period",
            "between",
            "ตั้งแต่",
            "ถึง",
            "จนถึง",
            "สิ้นสุด",
            "เริ่ม",
            "ระยะเวลา",
            "ระหว่าง",
            "งวด",
        ),
    ),
    (
        DateRole.TRANSACTION,
        (
            "transaction date",
            "transfer date",
            "payment date",
            "paid on",
            "date paid",
            "transferred on",
            "value date",
            "ทำรายการ",
            "วันที่โอน",
            "โอนเมื่อ",
            "โอนเงิน",
            "ชำระเงินเมื่อ",
            "ชำระเมื่อ",
            "วันที่ชำระ",
            "วันที่จ่าย",
        ),
    ),
    (
        DateRole.ISSUE,
        (
            "invoice date",
            "issue date",
            "date of issue",
            "issued on",
            "issued",
            "dated",
            "statement date",
            "receipt date",
            "document date",
            "order date",
            "prepared on",
            "signed on",
            "วันที่ออก",
            "ออกให้ ณ วันที่",
            "ลงวันที่",
            "วันที่เอกสาร",
            "ทำที่",
        ),
    ),
)
_GENERIC_LABELS = ("date", "วันที่", "วัน", "ณ")
#: A specific label counts this far before the date; generic ones must sit right before it.
_LABEL_REACH = 28
_GENERIC_REACH = 20


def _label_regex(words: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word).replace(r"\ ", r"\s+")
        parts.append(escaped if _THAI_LETTER.search(word) else rf"(?<![a-z]){escaped}(?![a-z])")
    return re.compile("|".join(parts), re.IGNORECASE)


_ROLE_LABELS = tuple((role, _label_regex(words)) for role, words in _LABELS)
_GENERIC = _label_regex(_GENERIC_LABELS)


def _role(before: str) -> DateRole:
    """The role the label just before a date gives it (`before`: the text from the line's
    start, or the previous date's end, up to the date)."""
    window = before[-_LABEL_REACH:].lower()
    best: tuple[int, int, DateRole] | None = None
    for role, pattern in _ROLE_LABELS:
        for match in pattern.finditer(window):
            key = (match.end(), match.end() - match.start(), role)
            if best is None or key[:2] > best[:2]:
                best = key
    if best is not None:
        return best[2]
    if _GENERIC.search(window[-_GENERIC_REACH:]):
        return DateRole.ISSUE
    return DateRole.OTHER


# --- finding dates ------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundDate:
    value: date
    start: int  # offsets in the text as given
    end: int
    written: str  # the date as the text writes it
    role: DateRole
    #: A time of day follows it (a slip's or a receipt's timestamp).
    has_time: bool = False
    #: Day-first and month-first readings were both possible (07/04/2025).
    ambiguous: bool = False


_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_ERA = r"(?:(?P<era>พ\.\s?ศ\.|ค\.\s?ศ\.|b\.\s?e\.|a\.\s?d\.)\s*)?"
_YEAR = _ERA + r"(?P<year>\d{4}|\d{2})(?!\d)"
_NAMED_DAY_FIRST = re.compile(
    rf"(?<!\d){_DAY}(?:\s*-\s*|\s+of\s+|\s*)(?:เดือน\s*)?(?P<month>{MONTH_PATTERN})"
    rf"[\s,\-/]*(?:ปี\s*)?{_YEAR}",
    re.IGNORECASE,
)
_NAMED_MONTH_FIRST = re.compile(
    rf"(?P<month>{ENGLISH_MONTH_PATTERN})\s*{_DAY},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE
)
_ISO = re.compile(
    r"(?<![\d./-])(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    r"(?![\d])(?![/.-]\d)"
)
_NUMERIC = re.compile(
    r"(?<![\d./-])(?P<first>\d{1,2})(?P<sep>[/.-])(?P<second>\d{1,2})(?P=sep)"
    r"(?P<year>\d{4}|\d{2})(?!\d)(?![/.-]\d)"
)
_TIME_AFTER = re.compile(r"[\s,\-]*(?:เวลา|at|time)?\s*[0-2]?\d[:.][0-5]\d(?!\d)", re.IGNORECASE)


def find_dates(text: str, today: date | None = None) -> list[FoundDate]:
    """Every date the text gives to the day, in text order (month-only dates such as
    "March 2025" are periods, not days, and are left out)."""
    plain = arabic_digits(text)
    thai = _THAI_LETTER.search(plain) is not None
    found: list[tuple[int, int, date, bool]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_NAMED_DAY_FIRST, _NAMED_MONTH_FIRST, _ISO, _NUMERIC):
        for match in pattern.finditer(plain):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            reading = _read(match, pattern, thai, today)
            if reading is None:
                continue
            found.append((match.start(), match.end(), *reading))
            taken.append((match.start(), match.end()))
    found.sort()
    out: list[FoundDate] = []
    previous_end = 0
    for start, end, value, ambiguous in found:
        line_start = max(plain.rfind("\n", 0, start) + 1, previous_end)
        out.append(
            FoundDate(
                value=value,
                start=start,
                end=end,
                written=text[start:end],
                role=_role(plain[line_start:start]),
                has_time=_TIME_AFTER.match(plain, end) is not None,
                ambiguous=ambiguous,
            )
        )
        previous_end = end
    return out


def _read(
    match: re.Match[str], pattern: re.Pattern[str], thai: bool, today: date | None
) -> tuple[date, bool] | None:
    groups = match.groupdict()
    ambiguous = False
    if pattern is _NUMERIC:
        first, second = int(groups["first"]), int(groups["second"])
        if groups["sep"] == "." and len(groups["year"]) == 2:
            return None  # 1.2.25 is a version number more often than a date
        day, month = first, second
        if second > 12 >= first:
            day, month = second, first  # only month-first can be right
        ambiguous = first <= 12 and second <= 12 and first != second
        year = resolve_year(groups["year"], thai=thai, today=today)
    elif pattern is _ISO:
        day, month = int(groups["day"]), int(groups["month"])
        year = resolve_year(groups["year"], today=today)
    else:
        day = int(groups["day"])
        month = month_number(groups["month"]) or 0
        era = (groups.get("era") or "").replace(" ", "").lower()
        buddhist = True if era in ("พ.ศ.", "b.e.") else False if era in ("ค.ศ.", "a.d.") else None
        thai_month = _THAI_LETTER.search(groups["month"]) is not None
        year = resolve_year(groups["year"], buddhist=buddhist, thai=thai_month, today=today)
    if year is None:
        return None
    try:
        return date(year, month, day), ambiguous
    except ValueError:
        return None


# --- the document's date ------------------------------------------------------------------

#: Roles by how well they date a document; birth and expiry dates never do.
_TIERS: dict[DateRole, int] = {
    DateRole.ISSUE: 0,
    DateRole.TRANSACTION: 0,
    DateRole.OTHER: 1,
    DateRole.DUE: 2,
    DateRole.PERIOD: 2,
}


def document_date(text: str, today: date | None = None) -> FoundDate | None:
    """The date that dates the document: an issue or transaction date first, then an
    unlabelled one (a dateline, a slip's timestamp), then a due date or a period's start;
    among equals the first in the text, where documents state their date. Dates after
    `today` rank last, and those far beyond it (misreadings) not at all."""
    reference = today or date.today()
    best: tuple[int, int] | None = None
    chosen: FoundDate | None = None
    for position, found in enumerate(find_dates(text, today=reference)):
        tier = _TIERS.get(found.role)
        if tier is None or found.value > reference + FUTURE_LIMIT:
            continue
        if found.value > reference + timedelta(days=1):
            tier = 3
        key = (tier, position)
        if best is None or key < best:
            best, chosen = key, found
    return chosen
