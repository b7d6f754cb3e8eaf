"""The document-date parser (domain/dates.py) on Thai and English forms."""

from __future__ import annotations

from datetime import date

import pytest

from drive2.domain.dates import (
    DateRole,
    arabic_digits,
    document_date,
    find_dates,
    month_number,
    resolve_year,
)
from tests.support.documents import DOCUMENTS

TODAY = date(2025, 6, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-02", date(2025, 6, 2)),
        ("created 2025/06/02 10:00", date(2025, 6, 2)),
        ("2025-06-02T14:35:00+07:00", date(2025, 6, 2)),
        ("7 April 2025", date(2025, 4, 7)),
        ("7th of April, 2025", date(2025, 4, 7)),
        ("07-Apr-2025", date(2025, 4, 7)),
        ("Sept 3 2024", date(2024, 9, 3)),
        ("April 7, 2025", date(2025, 4, 7)),
        ("Jan 8th, 2025", date(2025, 1, 8)),
        ("07/04/2025", date(2025, 4, 7)),  # day first, as in Thailand
        ("7.4.2025", date(2025, 4, 7)),
        ("04/13/2025", date(2025, 4, 13)),  # 13 cannot be a month: month first
        ("31/12/24", date(2024, 12, 31)),
        ("12 ก.พ. 2568", date(2025, 2, 12)),
        ("12 กุมภาพันธ์ 2568", date(2025, 2, 12)),
        ("วันที่ 3 มี.ค. 67", date(2024, 3, 3)),
        ("3 มี.ค.67", date(2024, 3, 3)),
        ("๓ เดือนมีนาคม พ.ศ. ๒๕๖๘", date(2025, 3, 3)),
        ("๑๔/๐๓/๒๕๖๘", date(2025, 3, 14)),
        ("1 ม.ค. 2567", date(2024, 1, 1)),
        ("2 มิ.ย. 68 14:35 น.", date(2025, 6, 2)),
        ("12 ก.ุพ. 2568 - 14:35", date(2025, 2, 12)),  # OCR set a vowel mark after the dot
        ("30 ธันวาคม 2024", date(2024, 12, 30)),  # a Thai month with a Common-era year
        ("5 พฤศจิกายน ค.ศ. 2024", date(2024, 11, 5)),
        ("2568-03-01", date(2025, 3, 1)),  # ISO with a Buddhist-era year
        ("29 Feb 2024", date(2024, 2, 29)),
    ],
)
def test_reads_the_form(text: str, expected: date) -> None:
    found = find_dates(text, today=TODAY)
    assert [f.value for f in found] == [expected], found
    assert text[found[0].start : found[0].end] == found[0].written


@pytest.mark.parametrize(
    "text",
    [
        "Invoice INV-2025-0314",
        "invoice 2024-001",
        "Account 123-4-56789-0",
        "Tel: 053-123-456",
        "Total 2,410,900 baht",
        "version 1.2.25",
        "Quarterly report Q4 2024",
        "March 2025",  # a month is a period, not a day
        "31/02/2025",  # no such day
        "30 Feb 2024",
        "ครั้งที่ 3/2568",
        "ห้องชุดเลขที่ 1205 ชั้น 12",
        "15 may 3000",
    ],
)
def test_ignores_what_is_not_a_day(text: str) -> None:
    assert find_dates(text, today=TODAY) == []


def test_ambiguous_numbers_are_day_first_and_say_so() -> None:
    (found,) = find_dates("02/06/2025", today=TODAY)
    assert found.value == date(2025, 6, 2) and found.ambiguous
    (clear,) = find_dates("25/06/2025", today=TODAY)
    assert not clear.ambiguous


@pytest.mark.parametrize(
    ("digits", "thai", "expected"),
    [
        ("2568", False, 2025),
        ("2567", True, 2024),
        ("2025", True, 2025),
        ("67", True, 2024),  # Buddhist era first in Thai
        ("68", False, 1968),  # Common era in English; 2068 is in the future
        ("25", True, 2025),  # BE 2525 (1982) is too old to be a short year now
        ("24", False, 2024),
        ("99", False, 1999),
        ("1800", False, None),
        ("2300", False, None),
        ("7", False, None),
    ],
)
def test_years(digits: str, thai: bool, expected: int | None) -> None:
    assert resolve_year(digits, thai=thai, today=TODAY) == expected


def test_explicit_era_wins() -> None:
    assert resolve_year("68", buddhist=True, today=TODAY) == 2025
    assert resolve_year("2024", buddhist=True, today=TODAY) is None  # 1481: out of range


def test_helpers() -> None:
    assert arabic_digits("๒๕๖๘ ๑๒") == "2568 12"
    assert month_number("ก.พ.") == month_number("กุมภาพันธ์") == month_number("Feb") == 2
    assert month_number("ธันวา") == 12 and month_number("Sept.") == 9
    assert month_number("monday") is None


@pytest.mark.parametrize(
    ("line", "role"),
    [
        ("Invoice date: 14 March 2025", DateRole.ISSUE),
        ("Date: 14/03/2025", DateRole.ISSUE),
        ("Due date: 13 April 2025", DateRole.DUE),
        ("Payment due 13 April 2025", DateRole.DUE),
        ("Transfer date 2 Jun 2025", DateRole.TRANSACTION),
        ("Date of birth: 12 August 1992", DateRole.BIRTH),
        ("Valid until 31/12/2030", DateRole.EXPIRY),
        ("วันที่ทำรายการ 2 มิ.ย. 68", DateRole.TRANSACTION),
        ("กำหนดชำระ 5 เม.ย. 2568", DateRole.DUE),
        ("เกิดวันที่ 12 สิงหาคม 2535", DateRole.BIRTH),
        ("วันหมดอายุ 1 ม.ค. 2573", DateRole.EXPIRY),
        ("ลงวันที่ 1 มีนาคม 2568", DateRole.ISSUE),
        ("ตั้งแต่วันที่ 1 เมษายน 2568", DateRole.PERIOD),
        ("By Somchai, 7 April 2025", DateRole.OTHER),
    ],
)
def test_roles_from_labels(line: str, role: DateRole) -> None:
    (found,) = find_dates(line, today=date(2031, 1, 1))
    assert found.role is role


def test_a_period_end_is_told_apart_from_its_start() -> None:
    found = find_dates("ตั้งแต่วันที่ 1 เมษายน 2568 ถึงวันที่ 31 มีนาคม 2569", today=TODAY)
    assert [(f.value, f.role) for f in found] == [
        (date(2025, 4, 1), DateRole.PERIOD),
        (date(2026, 3, 31), DateRole.PERIOD),
    ]


@pytest.mark.parametrize(("name", "text", "expected"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_document_date_of_realistic_documents(name: str, text: str, expected: date) -> None:
    found = document_date(text, today=TODAY)
    assert found is not None and found.value == expected


def test_issue_date_beats_an_earlier_birth_or_due_date() -> None:
    text = "Date of birth: 1 May 1990\nDue date: 30 June 2025\nIssue date: 2 June 2025\n"
    found = document_date(text, today=TODAY)
    assert found is not None and found.value == date(2025, 6, 2)
    assert document_date("Date of birth: 1 May 1990\nExpiry: 1 May 2030", TODAY) is None
    # Only a due date: better than nothing.
    due = document_date("Please pay by 30 June 2025.", TODAY)
    assert due is not None and due.value == date(2025, 6, 30)


def test_future_dates_rank_last_and_far_ones_not_at_all() -> None:
    text = "Concert on 12 December 2025\nBooked 1 June 2025"
    found = document_date(text, TODAY)
    assert found is not None and found.value == date(2025, 6, 1)
    assert document_date("Printed 4 March 2031", TODAY) is None


def test_huge_and_hostile_text_is_fine() -> None:
    text = ("12/12/12/12/12 " * 2000) + ("x" * 100_000) + " 7 April 2025"
    found = document_date(text, TODAY)
    assert found is not None and found.value == date(2025, 4, 7)
    assert document_date("", TODAY) is None
    assert document_date("\x00\ufeff๑๒๓", TODAY) is None
