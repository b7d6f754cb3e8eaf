"""Dates in search queries: "photos from April 2024", "เมษายน 2567", "last week", "เมื่อวาน".

``parse_query_dates(query, today) -> QueryDates | None`` finds the first date phrase of a
query and returns the range of days it means (both ends inclusive, either may be open) and
the rest of the query, to be searched as words. ``today`` is the user's day (Asia/Bangkok).

Read, in English and Thai (Thai digits and Buddhist-era years too):

- relative days and periods: today, yesterday, the day before yesterday, this/last
  week|month|year, last/past N days|weeks|months|years; วันนี้, เมื่อวาน(นี้), เมื่อวานซืน,
  สัปดาห์นี้/อาทิตย์นี้, สัปดาห์ที่แล้ว/ก่อน, เดือนนี้, เดือนที่แล้ว/ก่อน, ปีนี้, ปีที่แล้ว/ก่อน/กลาย,
  N วันที่ผ่านมา, ย้อนหลัง N วัน (weeks begin on Monday);
- a day: anything domain/dates.py reads ("7 April 2025", "12 ก.พ. 2568", "2025-04-07"), and a
  day without a year ("7 April", "3 มี.ค."), the latest one not after today;
- a month: "April 2024", "เมษายน 2567", "เม.ย. 67", "2024-04"; a month alone ("March",
  "มีนาคม", "เดือนมีนา") is the latest one not after this month;
- a year: "2024", "2567", "ปี 2567", "พ.ศ. 2567", "in 2024";
- "since X" / "ตั้งแต่ X" (to today), "after X" / "หลัง X", "before X" / "ก่อน X", and two
  phrases joined by to / until / and / ถึง / "-" ("March to May 2025") make one range.

False friends left alone: a number that is not a plausible year (1970 to next year), one
after "room", "no.", "invoice", "#", "ห้อง", "เลขที่" and the like, one that is an amount
("2025 บาท") or part of a code ("2024-001"); "may" alone only after a preposition
("in may"); English abbreviations ("mar", "dec") only with a day or a year.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from drive2.domain.dates import (
    MONTH_PATTERN,
    THAI_DOTTED_MONTH_PATTERN,
    THAI_FULL_MONTH_PATTERN,
    THAI_MONTH_PATTERN,
    arabic_digits,
    find_dates,
    month_number,
    resolve_year,
)

__all__ = ["QueryDates", "parse_query_dates"]


@dataclass(frozen=True)
class QueryDates:
    start: date | None  # inclusive; None: open
    end: date | None  # inclusive; None: open
    phrase: str  # the words read as the date, as typed
    rest: str  # the query without them


@dataclass(frozen=True)
class _Phrase:
    start: int
    end: int
    first: date
    last: date
    #: The month, when the phrase named one without a year ("March"): a range may re-anchor it.
    month_only: int | None = None


# --- ranges of days -----------------------------------------------------------------------


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _latest_month(month: int, today: date) -> tuple[date, date]:
    year = today.year if month <= today.month else today.year - 1
    return _month(year, month)


def _period(unit: str, which: str, today: date) -> tuple[date, date]:
    """unit: day|week|month|year; which: this|last."""
    back = 1 if which == "last" else 0
    if unit == "day":
        day = today - timedelta(days=back)
        return day, day
    if unit == "week":
        monday = today - timedelta(days=today.weekday() + 7 * back)
        return monday, monday + timedelta(days=6)
    if unit == "month":
        first = _months_back(today.replace(day=1), back)
        return _month(first.year, first.month)
    return date(today.year - back, 1, 1), date(today.year - back, 12, 31)


def _span(unit: str, count: int, today: date) -> tuple[date, date]:
    """The last `count` units up to today: "last 7 days" is today and the six before."""
    if unit == "day":
        return today - timedelta(days=count - 1), today
    if unit == "week":
        return today - timedelta(days=7 * count - 1), today
    months = count * (12 if unit == "year" else 1)
    return _months_back(today, months) + timedelta(days=1), today


# --- the phrases --------------------------------------------------------------------------

_UNITS = {
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "year": "year",
    "years": "year",
    "วัน": "day",
    "สัปดาห์": "week",
    "อาทิตย์": "week",
    "เดือน": "month",
    "ปี": "year",
}
_THIS = {"this": "this", "นี้": "this"}


def _which(word: str) -> str:
    return _THIS.get(word.lower(), "last")


Reader = Callable[[re.Match[str], date], tuple[date, date] | None]

_E = re.IGNORECASE
_RELATIVE: list[tuple[re.Pattern[str], Reader]] = [
    (
        re.compile(r"(?<![a-z])(?:the\s+)?day\s+before\s+yesterday(?![a-z])|เมื่อวานซืน", _E),
        lambda m, t: (t - timedelta(days=2), t - timedelta(days=2)),
    ),
    (
        re.compile(r"(?<![a-z])yesterday(?![a-z])|เมื่อวาน(?:นี้)?", _E),
        lambda m, t: _period("day", "last", t),
    ),
    (
        re.compile(r"(?<![a-z])today(?![a-z])|วันนี้", _E),
        lambda m, t: _period("day", "this", t),
    ),
    (
        re.compile(
            r"(?<![a-z])(?:last|past|previous)\s+(?P<n>\d{1,3})\s+(?P<unit>days?|weeks?|months?"
            r"|years?)(?![a-z])|(?P<n2>\d{1,3})\s*(?P<unit2>วัน|สัปดาห์|อาทิตย์|เดือน|ปี)\s*"
            r"(?:ที่ผ่านมา|ที่แล้ว|ล่าสุด)|ย้อนหลัง\s*(?P<n3>\d{1,3})\s*(?P<unit3>วัน|สัปดาห์|อาทิตย์|เดือน|ปี)",
            _E,
        ),
        lambda m, t: _counted(m, t),
    ),
    (
        re.compile(
            r"(?<![a-z])(?P<which>this|last|past|previous)\s+(?P<unit>week|month|year)(?![a-z])",
            _E,
        ),
        lambda m, t: _period(_UNITS[m["unit"].lower()], _which(m["which"]), t),
    ),
    (
        re.compile(r"(?P<unit>สัปดาห์|อาทิตย์|เดือน|ปี)\s*(?P<which>นี้|ที่แล้ว|แล้ว|ก่อน|ที่ผ่านมา|กลาย)"),
        lambda m, t: (
            None
            if m["which"] == "กลาย" and m["unit"] != "ปี"
            else _period(_UNITS[m["unit"]], _which(m["which"]), t)
        ),
    ),
]


def _counted(match: re.Match[str], today: date) -> tuple[date, date] | None:
    count = int(match["n"] or match["n2"] or match["n3"])
    unit = _UNITS.get((match["unit"] or match["unit2"] or match["unit3"]).lower().rstrip("s"))
    if unit is None or count < 1:
        return None
    return _span(unit, count, today)


_ENGLISH_FULL_MONTHS = (
    r"(?<![a-z])(?:january|february|march|april|june|july|august|september|october"
    r"|november|december)(?![a-z])"
)
#: "may" is a month only after a preposition ("in may"): alone it is mostly the verb.
_GUARDED_MONTHS = r"(?<![a-z])may(?![a-z])"
_AFTER_PREPOSITION = r"(?<![a-z])(?:in|from|during|since|before|after|of|until|till|to|through)\s+"
_ERA = r"(?:(?:พ\.\s?ศ\.|ค\.\s?ศ\.)\s*)"
_YEAR4 = r"(?P<year>\d{4})(?![\d])"
_MONTH_YEAR = re.compile(
    rf"(?:เดือน\s*)?(?P<month>{MONTH_PATTERN})[\s,\-/]*(?:ปี\s*)?(?P<era>{_ERA})?"
    r"(?P<year>\d{4}|\d{2})(?![\d:]|[.,]\d)",
    _E,
)
_ISO_MONTH = re.compile(r"(?<![\d./-])(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])(?![\d./-])")
_DAY_MONTH = re.compile(
    rf"(?<![\d.,/-])(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s*(?:of\s+)?(?P<month>{MONTH_PATTERN})"
    rf"|(?P<month2>{_ENGLISH_FULL_MONTHS}|{_GUARDED_MONTHS})\s+"
    r"(?P<day2>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:.,])",
    _E,
)
_MONTH_ALONE = re.compile(
    rf"(?:เดือน\s*)?(?P<month>{THAI_FULL_MONTH_PATTERN}|{THAI_DOTTED_MONTH_PATTERN})"
    rf"|เดือน\s*(?P<spoken>{THAI_MONTH_PATTERN})"
    rf"|(?P<english>{_ENGLISH_FULL_MONTHS})"
    rf"|{_AFTER_PREPOSITION}(?P<guarded>{_GUARDED_MONTHS})",
    _E,
)
_YEAR_ALONE = re.compile(
    rf"(?:(?P<marker>(?<![a-z])(?:year|in)\s+|ปี\s*|{_ERA}))?(?<![\d.,/#$฿-]){_YEAR4}"
    r"(?![.,/-]?\d)",
    _E,
)
#: Words after which a number is a number, not a year.
_NUMBER_BEFORE = re.compile(
    r"(?:(?<![a-z])(?:room|rm|no|nr|number|num|ref|order|invoice|inv|id|code|tel|phone|unit"
    r"|floor|apt|po|bill|receipt|account|acct|model|version|ver|v|page|p|pin|zip|box|house"
    r"|building|flight|seat|table|ticket|case|job|batch|lot|item|sku)|ห้อง|เลขที่|เลข|หมายเลข"
    r"|รหัส|ครั้งที่|บ้านเลขที่|ชั้น|ตู้|โทร|ที่|ใบที่|ฉบับที่)[\s.:#]*$",
    _E,
)
#: Units and currencies after which a number is an amount.
_AMOUNT_AFTER = re.compile(
    r"^\s*(?:บาท|baht|thb|bht|usd|eur|฿|\$|%|ชิ้น|คน|ตร|km|kg|cc|ml|sq|pcs|items|units"
    r"|words|pages|rooms|people|ครั้ง)",
    _E,
)


def _full_month(match: re.Match[str], today: date) -> tuple[date, date] | None:
    month = month_number(match["month"])
    if month is None:
        return None
    thai = re.search(r"[\u0e01-\u0e2e]", match["month"]) is not None
    if not thai and len(match["year"]) == 2:
        return None  # "april 24" is a day; English months take four-digit years
    era = (match["era"] or "").replace(" ", "")
    buddhist = True if era.startswith("พ") else False if era.startswith("ค") else None
    year = resolve_year(match["year"], buddhist=buddhist, thai=thai, today=today)
    return _month(year, month) if year is not None else None


def _iso_month(match: re.Match[str], today: date) -> tuple[date, date] | None:
    year = resolve_year(match["year"], today=today)
    return _month(year, int(match["month"])) if year is not None else None


def _day_month(match: re.Match[str], today: date) -> tuple[date, date] | None:
    month = month_number(match["month"] or match["month2"])
    day = int(match["day"] or match["day2"])
    if month is None:
        return None
    for year in (today.year, today.year - 1):
        try:
            value = date(year, month, day)
        except ValueError:
            continue
        if value <= today:
            return value, value
    return None


_SOURCES: list[tuple[re.Pattern[str], Reader, bool]] = [
    # (pattern, reader, whether it is a number that could be something else)
    *((pattern, reader, False) for pattern, reader in _RELATIVE),
    (_MONTH_YEAR, _full_month, False),
    (_ISO_MONTH, _iso_month, True),
    (_DAY_MONTH, _day_month, False),
]


def _phrases(text: str, today: date) -> list[_Phrase]:
    """Every date phrase, longest forms first, none overlapping another."""
    found: list[_Phrase] = [
        _Phrase(d.start, d.end, d.value, d.value)
        for d in find_dates(text, today=today)
        if re.search(r"[^\W\d_]", d.written) or not _is_a_number(text, d.start, d.end)
    ]

    def free(start: int, end: int) -> bool:
        return not any(start < p.end and p.start < end for p in found)

    for pattern, reader, numeric in _SOURCES:
        for match in pattern.finditer(text):
            if not free(match.start(), match.end()):
                continue
            if numeric and _is_a_number(text, match.start(), match.end()):
                continue
            span = reader(match, today)
            if span is not None:
                found.append(_Phrase(match.start(), match.end(), *span))
    for match in _MONTH_ALONE.finditer(text):
        name = match["month"] or match["spoken"] or match["english"] or match["guarded"]
        month = month_number(name)
        start = match.start("guarded") if match["guarded"] else match.start()
        if month is not None and free(start, match.end()):
            found.append(_Phrase(start, match.end(), *_latest_month(month, today), month))
    for match in _YEAR_ALONE.finditer(text):
        start = match.start()
        if not free(start, match.end()):
            continue
        if not match["marker"] and _is_a_number(text, start, match.end()):
            continue
        marker = (match["marker"] or "").strip()
        buddhist = True if marker.startswith("พ") else False if marker.startswith("ค") else None
        year = resolve_year(match["year"], buddhist=buddhist, today=today)
        if year is not None and 1970 <= year <= today.year + 1:
            if marker.lower() == "in":
                start = match.start("year")  # "in" is taken with the other prepositions
            found.append(_Phrase(start, match.end(), date(year, 1, 1), date(year, 12, 31)))
    return sorted(found, key=lambda p: p.start)


def _is_a_number(text: str, start: int, end: int) -> bool:
    return bool(_NUMBER_BEFORE.search(text[max(0, start - 24) : start])) or bool(
        _AMOUNT_AFTER.match(text[end : end + 12])
    )


_BEFORE = re.compile(
    r"(?:(?<![a-z])(?P<en>from|in|during|on|of|dated|for|since|after|before|taken\s+in"
    r"|between)\s+|(?P<th>ตั้งแต่|ใน|ช่วง|เมื่อ|ของ|ประจำ|หลัง(?:จาก)?|ก่อน)\s*)$",
    _E,
)
_JOIN = re.compile(r"^\s*(?:to|until|till|through|and|-|–|ถึง|จนถึง|และ)\s*$", _E)
_OPEN_START = {"since", "ตั้งแต่"}
_AFTER = {"after", "หลัง", "หลังจาก"}
_BEFORE_WORDS = {"before", "ก่อน"}


def parse_query_dates(query: str, today: date) -> QueryDates | None:
    """The first date phrase of the query (two joined by "to" make one range), or None."""
    text = arabic_digits(query)
    phrases = _phrases(text, today)
    if not phrases:
        return None
    first = phrases[0]
    start, end, low, high = first.start, first.end, first.first, first.last
    joined = len(phrases) > 1 and _JOIN.match(text[first.end : phrases[1].start]) is not None
    if joined:
        low, high = _joined(first, phrases[1])
        end = phrases[1].end
    preposition = _BEFORE.search(text[:start])
    word = ""
    if preposition:
        start = preposition.start()
        if not joined:  # "from March to May" is closed; "from March" runs to today
            word = re.sub(r"\s+", " ", (preposition["en"] or preposition["th"]).lower())
    opened_low: date | None = low
    opened_high: date | None = high
    if word in _OPEN_START:
        opened_high = max(today, high)
    elif word in _AFTER:
        opened_low, opened_high = high + timedelta(days=1), None
    elif word in _BEFORE_WORDS:
        opened_low, opened_high = None, low - timedelta(days=1)
    rest = " ".join(f"{query[:start]} {query[end:]}".split())
    return QueryDates(opened_low, opened_high, " ".join(query[start:end].split()), rest)


def _joined(first: _Phrase, second: _Phrase) -> tuple[date, date]:
    """'March to May 2025': a month named without a year takes the other side's year."""
    low, high = first.first, second.last
    if first.month_only is not None and second.month_only is None:
        year = (
            second.first.year if first.month_only <= second.first.month else second.first.year - 1
        )
        low = date(year, first.month_only, 1)
    if second.month_only is not None and first.month_only is None:
        year = first.last.year + (second.month_only < first.last.month)
        high = _month(year, second.month_only)[1]
    return (low, high) if low <= high else (high, low)
