"""Amounts written in a document's text, each with its currency marks and its label.

``find_amounts(text) -> list[FoundAmount]``: every number written like money — with
thousands separators ("1,250"), with two decimals ("85.00"), or next to a currency mark
("฿1250", "1250 บาท", "THB 1,250", "RM 9.00") — with the label that tells what it is:
the words before it on its line or, when a line holds only the number (a bank app puts
"จำนวน:" above "1,250.00 บาท"), the line above. Times, dates, percentages, account and
phone numbers are not amounts. Thai digits are read as 0-9.

``label_class(label) -> AmountLabel``: what a label says the amount is (a grand total, a
transfer's amount, a subtotal, VAT, a fee, change, cash handed over…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

from drive2.domain.dates import arabic_digits
from drive2.domain.money import ISO_4217, parse_amount

#: Currency marks and words -> ISO 4217 (lower case; the code itself is read too).
CURRENCY_MARKS: dict[str, str] = {
    "฿": "THB",
    "บาท": "THB",
    "baht": "THB",
    "บ.": "THB",
    "$": "USD",
    "us$": "USD",
    "€": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "円": "JPY",
    "yen": "JPY",
    "rmb": "CNY",
    "元": "CNY",
    "rm": "MYR",
    "s$": "SGD",
    "hk$": "HKD",
    "a$": "AUD",
    "₭": "LAK",
    "kip": "LAK",
    "₫": "VND",
    "₩": "KRW",
    "₹": "INR",
    "₱": "PHP",
    "rp": "IDR",
    "៛": "KHR",
}
_MARKS = sorted(CURRENCY_MARKS, key=len, reverse=True)
_WORDY = r"[^\W\d_]"


def _bounded(mark: str) -> str:
    """A mark that starts or ends with a letter must not be part of a word ("term")."""
    escaped = re.escape(mark)
    if re.match(_WORDY, mark):
        escaped = rf"(?<!{_WORDY}){escaped}"
    if re.match(_WORDY, mark[-1]):
        escaped = rf"{escaped}(?!{_WORDY})"
    return escaped


#: Marks in any case; ISO codes in capitals only, so "tal" of "Total" is never one.
_CURRENCY = (
    "(?:(?i:" + "|".join(_bounded(m) for m in _MARKS) + r")|(?<![A-Za-z])[A-Z]{3}(?![A-Za-z]))"
)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d+\.\d{2}|\d+"
_AMOUNT = re.compile(
    rf"(?:(?P<before>{_CURRENCY})\s?|(?<![\w.,/:\-#*]))(?P<number>{_NUMBER})"
    rf"(?:\s?(?P<after>{_CURRENCY})|(?![\d]|[.,:/]\d|\s?%|-\d|{_WORDY}))"
)
#: A mark in a label ("Total (RM):", "Amount (THB)") gives the currency of its amount.
_LABEL_CURRENCY = re.compile(_CURRENCY)
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class FoundAmount:
    value: Decimal
    written: str
    start: int
    line: int  # the line's number (0-based)
    label: str  # lower case, the words that say what it is ("" when none)
    currency: str | None  # from a mark beside it or in its label
    #: Written like money (two decimals or a currency mark), not just a grouped number.
    money_like: bool


def currency_of(mark: str | None) -> str | None:
    """The ISO code of a mark ("฿", "บาท", "RM") or of a code written in capitals."""
    if not mark:
        return None
    lowered = mark.lower()
    if lowered in CURRENCY_MARKS:
        return CURRENCY_MARKS[lowered]
    return mark if mark.isupper() and mark in ISO_4217 else None


def find_amounts(text: str) -> list[FoundAmount]:
    """Every money-like number in text order."""
    lines = arabic_digits(text).splitlines()
    found: list[FoundAmount] = []
    offset = 0
    for number, line in enumerate(lines):
        previous_end = 0  # the end of the last amount kept on this line
        row_label: str | None = None
        for match in _AMOUNT.finditer(line):
            before = currency_of(match.group("before"))
            after = currency_of(match.group("after"))
            digits = match.group("number")
            marked = before is not None or after is not None
            if not marked and "," not in digits and "." not in digits:
                continue  # a bare integer: a quantity, a count, a code
            value = parse_amount(digits)
            if value is None:
                continue
            label = line[previous_end : match.start()].strip()
            if not _LETTER.search(label):
                # A second amount on a row shares the row's label; a number alone on its
                # line is labelled by the line above.
                label = row_label if row_label is not None else _label_line(lines, number) or ""
            if row_label is None:
                row_label = label
            found.append(
                FoundAmount(
                    value=value,
                    written=match.group().strip(),
                    start=offset + match.start(),
                    line=number,
                    label=label.lower(),
                    currency=before or after or _label_currency(label),
                    money_like=marked or "." in digits,
                )
            )
            previous_end = match.end()
        offset += len(line) + 1
    return found


def has_money(text: str) -> bool:
    """The text writes some number as money (two decimals or a currency mark)."""
    return any(found.money_like for found in find_amounts(text))


def _label_line(lines: list[str], number: int) -> str | None:
    """The line above, when it is a label alone ("จำนวน:", "Amount") with no amount."""
    for back in range(number - 1, max(number - 3, -1), -1):
        above = lines[back].strip()
        if not above:
            continue
        if _LETTER.search(above) and not re.search(r"\d[\d,]*\.\d{2}", above):
            return above
        return None
    return None


def _label_currency(label: str) -> str | None:
    for match in _LABEL_CURRENCY.finditer(label):
        code = currency_of(match.group())
        if code is not None:
            return code
    return None


# --- labels -------------------------------------------------------------------------------


class AmountLabel(IntEnum):
    """What a label says; higher is a better candidate for the document's amount."""

    EXCLUDED = 0  # subtotal, VAT, fee, change, cash handed over, discount, balance…
    NONE = 1  # no label that says anything (an item row, a bare number)
    WEAK_TOTAL = 2  # "Total", "รวม", "รวมเงิน": sometimes a subtotal
    AMOUNT = 3  # "Amount", "จำนวนเงิน", "ยอดโอน": a transfer's or a payment's amount
    TOTAL = 4  # "Grand total", "Amount due", "ยอดสุทธิ", "จำนวนเงินรวมทั้งสิ้น"


def _words(*phrases: str) -> re.Pattern[str]:
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"[\s(.\-]*")
        parts.append(escaped if not phrase.isascii() else rf"(?<![a-z]){escaped}(?![a-z])")
    return re.compile("|".join(parts), re.IGNORECASE)


#: Checked in this order; the first that matches decides.
_LABEL_RULES: tuple[tuple[AmountLabel, re.Pattern[str]], ...] = (
    (
        AmountLabel.TOTAL,
        _words(
            "grand total",
            "total amount",
            "amount due",
            "total due",
            "balance due",
            "amount payable",
            "total payable",
            "amount paid",
            "total paid",
            "net total",
            "net amount",
            "nett total",
            "total incl",
            "total including",
            "total inc",
            "rounded total",
            "round total",
            "total sales",
            "total price",
            "total amt",
            "amt due",
            "amt payable",
            "net amt",
            "nett amt",
            "total rounded",
            "nett",
            "ราคารวม",
            "payment amount",
            "จำนวนเงินรวมทั้งสิ้น",
            "รวมทั้งสิ้น",
            "ยอดรวมทั้งสิ้น",
            "รวมเงินทั้งสิ้น",
            "ยอดสุทธิ",
            "ยอดรวมสุทธิ",
            "รวมสุทธิ",
            "ยอดเงินสุทธิ",
            "จำนวนเงินสุทธิ",
            "ราคาสุทธิ",
            "ยอดชำระ",
            "ยอดที่ต้องชำระ",
            "ยอดเงินที่ต้องชำระ",
            "จำนวนเงินที่ต้องชำระ",
            "จำนวนเงินที่ชำระ",
            "ยอดที่ชำระ",
            "รวมภาษีแล้ว",
        ),
    ),
    (
        AmountLabel.EXCLUDED,
        _words(
            "subtotal",
            "sub total",
            "sub-total",
            "before vat",
            "before tax",
            "excl",
            "excluding",
            "vatable",
            "vat",
            "gst",
            "sst",
            "tax",
            "service charge",
            "discount",
            "change",
            "cash",
            "tendered",
            "tender",
            "items",
            "item",
            "quantity",
            "pcs",
            "received",
            "fee",
            "fees",
            "charges",
            "rounding",
            "adjustment",
            "balance",
            "available",
            "deposit",
            "tip",
            "points",
            "unit price",
            "price",
            "qty",
            "ก่อนภาษี",
            "มูลค่าสินค้า",
            "ภาษีมูลค่าเพิ่ม",
            "ภาษี",
            "ส่วนลด",
            "เงินทอน",
            "ทอน",
            "เงินสด",
            "รับเงิน",
            "ค่าธรรมเนียม",
            "ค่าบริการ",
            "คงเหลือ",
            "ยอดยกมา",
            "ปัดเศษ",
            "แต้ม",
            "ราคาต่อหน่วย",
            "หน่วยละ",
            "มัดจำ",
        ),
    ),
    (
        AmountLabel.AMOUNT,
        _words(
            "amount",
            "transfer amount",
            "จำนวนเงิน",
            "จำนวน",
            "ยอดเงิน",
            "ยอดโอน",
            "ยอดเงินโอน",
            "โอนเงินจำนวน",
            "ชำระเงิน",
        ),
    ),
    (AmountLabel.WEAK_TOTAL, _words("total", "รวม", "ยอดรวม", "รวมเงิน", "รวมเป็นเงิน")),
)


#: "Total (incl. VAT)", "Total includes GST 6%", "Total RM incl. of GST", "Total after
#: rounding": a total that says it is the final one.
_FINAL_TOTAL = re.compile(r"(?<![a-z])total(?![a-z])[^0-9]{0,20}?(?<![a-z])(?:incl|after)", re.I)


def label_class(label: str) -> AmountLabel:
    if _FINAL_TOTAL.search(label):
        return AmountLabel.TOTAL
    for kind, pattern in _LABEL_RULES:
        if pattern.search(label):
            return kind
    return AmountLabel.NONE
