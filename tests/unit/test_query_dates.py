"""Dates in search queries (domain/query_dates.py): English and Thai, relative and absolute."""

from __future__ import annotations

from datetime import date

import pytest

from drive2.domain.query_dates import QueryDates, parse_query_dates

TODAY = date(2025, 6, 18)  # a Wednesday


def _range(query: str, today: date = TODAY) -> tuple[date | None, date | None, str]:
    found = parse_query_dates(query, today)
    assert found is not None, query
    return found.start, found.end, found.rest


@pytest.mark.parametrize(
    ("query", "start", "end", "rest"),
    [
        ("photos from April 2024", date(2024, 4, 1), date(2024, 4, 30), "photos"),
        ("เมษายน 2567", date(2024, 4, 1), date(2024, 4, 30), ""),
        ("รูปเดือนเมษายน พ.ศ. 2567", date(2024, 4, 1), date(2024, 4, 30), "รูป"),
        ("ใบเสร็จเม.ย. 67", date(2024, 4, 1), date(2024, 4, 30), "ใบเสร็จ"),
        ("ใบเสร็จเมษายน2567", date(2024, 4, 1), date(2024, 4, 30), "ใบเสร็จ"),
        ("dec 2024 statement", date(2024, 12, 1), date(2024, 12, 31), "statement"),
        ("2024-04", date(2024, 4, 1), date(2024, 4, 30), ""),
        ("last week", date(2025, 6, 9), date(2025, 6, 15), ""),
        ("this week", date(2025, 6, 16), date(2025, 6, 22), ""),
        ("สัปดาห์ที่แล้ว", date(2025, 6, 9), date(2025, 6, 15), ""),
        ("เมื่อวาน", date(2025, 6, 17), date(2025, 6, 17), ""),
        ("สลิปเมื่อวานนี้", date(2025, 6, 17), date(2025, 6, 17), "สลิป"),
        ("เมื่อวานซืน", date(2025, 6, 16), date(2025, 6, 16), ""),
        ("yesterday's receipt", date(2025, 6, 17), date(2025, 6, 17), "'s receipt"),
        ("receipts yesterday", date(2025, 6, 17), date(2025, 6, 17), "receipts"),
        ("today", TODAY, TODAY, ""),
        ("วันนี้", TODAY, TODAY, ""),
        ("2025", date(2025, 1, 1), date(2025, 12, 31), ""),
        ("tax 2024", date(2024, 1, 1), date(2024, 12, 31), "tax"),
        ("2567", date(2024, 1, 1), date(2024, 12, 31), ""),
        ("ปี 2567", date(2024, 1, 1), date(2024, 12, 31), ""),
        ("พ.ศ. ๒๕๖๗", date(2024, 1, 1), date(2024, 12, 31), ""),
        ("มีนาคม", date(2025, 3, 1), date(2025, 3, 31), ""),
        ("in March", date(2025, 3, 1), date(2025, 3, 31), ""),
        ("invoices in july", date(2024, 7, 1), date(2024, 7, 31), "invoices"),  # not yet
        ("receipts in may", date(2025, 5, 1), date(2025, 5, 31), "receipts"),
        ("เดือนธันวา", date(2024, 12, 1), date(2024, 12, 31), ""),
        ("last month", date(2025, 5, 1), date(2025, 5, 31), ""),
        ("เดือนที่แล้ว ค่าไฟ", date(2025, 5, 1), date(2025, 5, 31), "ค่าไฟ"),
        ("this month", date(2025, 6, 1), date(2025, 6, 30), ""),
        ("this year", date(2025, 1, 1), date(2025, 12, 31), ""),
        ("last year", date(2024, 1, 1), date(2024, 12, 31), ""),
        ("ปีที่แล้ว", date(2024, 1, 1), date(2024, 12, 31), ""),
        ("ปีกลาย", date(2024, 1, 1), date(2024, 12, 31), ""),
        ("last 7 days", date(2025, 6, 12), TODAY, ""),
        ("past 2 weeks", date(2025, 6, 5), TODAY, ""),
        ("last 3 months", date(2025, 3, 19), TODAY, ""),
        ("ย้อนหลัง 30 วัน", date(2025, 5, 20), TODAY, ""),
        ("7 วันที่ผ่านมา", date(2025, 6, 12), TODAY, ""),
        ("7 April 2025", date(2025, 4, 7), date(2025, 4, 7), ""),
        ("2025-04-07 meeting", date(2025, 4, 7), date(2025, 4, 7), "meeting"),
        ("สลิป 2 มิ.ย. 68", date(2025, 6, 2), date(2025, 6, 2), "สลิป"),
        ("7 April", date(2025, 4, 7), date(2025, 4, 7), ""),
        ("20 June", date(2024, 6, 20), date(2024, 6, 20), ""),  # not in the future
        ("from March to May 2024", date(2024, 3, 1), date(2024, 5, 31), ""),
        ("between 1 March 2024 and 5 March 2024", date(2024, 3, 1), date(2024, 3, 5), ""),
        ("ตั้งแต่มีนาคม 2568 ถึง พฤษภาคม 2568", date(2025, 3, 1), date(2025, 5, 31), ""),
        ("since March", date(2025, 3, 1), TODAY, ""),
        ("ตั้งแต่ มกราคม 2568", date(2025, 1, 1), TODAY, ""),
        ("before 2024", None, date(2023, 12, 31), ""),
        ("after 2023", date(2024, 1, 1), None, ""),
        ("ก่อนเดือนมีนาคม 2568", None, date(2025, 2, 28), ""),
    ],
)
def test_reads_the_phrase(query: str, start: date | None, end: date | None, rest: str) -> None:
    assert _range(query) == (start, end, rest)


def test_the_phrase_is_reported_as_typed() -> None:
    found = parse_query_dates("Photos  from April 2024 beach", TODAY)
    assert found == QueryDates(
        date(2024, 4, 1), date(2024, 4, 30), "from April 2024", "Photos beach"
    )


@pytest.mark.parametrize(
    ("today", "query", "start", "end"),
    [
        # Relative dates across month and year ends.
        (date(2025, 1, 1), "yesterday", date(2024, 12, 31), date(2024, 12, 31)),
        (date(2025, 1, 2), "last week", date(2024, 12, 23), date(2024, 12, 29)),
        (date(2025, 1, 15), "last month", date(2024, 12, 1), date(2024, 12, 31)),
        (date(2025, 3, 31), "last month", date(2025, 2, 1), date(2025, 2, 28)),
        (date(2024, 3, 1), "เมื่อวาน", date(2024, 2, 29), date(2024, 2, 29)),
        (date(2025, 1, 10), "last year", date(2024, 1, 1), date(2024, 12, 31)),
        (date(2025, 1, 10), "December", date(2024, 12, 1), date(2024, 12, 31)),
        (date(2025, 12, 31), "December", date(2025, 12, 1), date(2025, 12, 31)),
        (date(2025, 3, 31), "last 1 month", date(2025, 3, 1), date(2025, 3, 31)),
        (date(2025, 6, 16), "this week", date(2025, 6, 16), date(2025, 6, 22)),  # Monday
        (date(2025, 6, 22), "this week", date(2025, 6, 16), date(2025, 6, 22)),  # Sunday
    ],
)
def test_relative_dates_at_boundaries(today: date, query: str, start: date, end: date) -> None:
    assert _range(query, today)[:2] == (start, end)


@pytest.mark.parametrize(
    "query",
    [
        "invoice 2024-001",
        "invoice 2024-12",
        "room 2567",
        "ห้อง 2567",
        "บ้านเลขที่ 2567",
        "order #2024",
        "2025 บาท",
        "paid 2,025 baht",
        "1234",
        "2030",  # not a year a document is dated yet
        "1965",
        "iphone 15",
        "this may contain the budget",
        "dec",
        "meeting notes",
        "ใบเสร็จค่าไฟ",
        "version 1.2.2025",
        "",
    ],
)
def test_leaves_ordinary_words_and_numbers_alone(query: str) -> None:
    assert parse_query_dates(query, TODAY) is None


def test_only_the_first_phrase_is_taken() -> None:
    found = parse_query_dates("2024 report for March", TODAY)
    assert found is not None and (found.start, found.end) == (date(2024, 1, 1), date(2024, 12, 31))
    assert found.rest == "report for March"
