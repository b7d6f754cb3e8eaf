"""What kind of money document a text is: a transfer slip, a receipt or an invoice.

``document_kind(text, qr=None) -> MoneyKind | None`` weighs the words that say it: a heading
("โอนเงินสำเร็จ", "Transfer successful", "ใบเสร็จรับเงิน", "Receipt", "Invoice", "ใบแจ้งหนี้")
counts 3, a supporting word ("เงินทอน", "cashier", "total", "Due date") 1, each distinct word
once; a slip's QR code counts 3. Below 3 points the text is not a money document: a report's
or a contract's numbers are not a payment.
"""

from __future__ import annotations

import re
from collections import Counter

from drive2.domain.money import MoneyKind
from drive2.domain.payment_qr import PROMPTPAY, PaymentQr


def phrase_pattern(*phrases: str) -> re.Pattern[str]:
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"\s*")
        parts.append(escaped if not phrase.isascii() else rf"(?<![a-z]){escaped}(?![a-z])")
    return re.compile("|".join(parts), re.IGNORECASE)


#: (kind, points, words): a heading word says it outright (3), a supporting one hints (1).
_KIND_WORDS: tuple[tuple[MoneyKind, int, re.Pattern[str]], ...] = (
    (
        MoneyKind.TRANSFER,
        3,
        phrase_pattern(
            "โอนเงินสำเร็จ",
            "ทำรายการสำเร็จ",
            "รายการสำเร็จ",
            "ชำระเงินสำเร็จ",
            "จ่ายเงินสำเร็จ",
            "จ่ายบิลสำเร็จ",
            "เติมเงินสำเร็จ",
            "ถอนเงินสำเร็จ",
            "transfer successful",
            "successful transfer",
            "transfer completed",
            "transfer complete",
            "transferred successfully",
            "payment successful",
            "payment completed",
            "สแกนตรวจสอบสลิป",
            "สแกนตรวจสอบ",
            "ตรวจสอบสลิป",
        ),
    ),
    (
        MoneyKind.TRANSFER,
        1,
        phrase_pattern(
            "โอนเงิน",
            "พร้อมเพย์",
            "promptpay",
            "prompt pay",
            "truemoney",
            "ทรูมันนี่",
            "k plus",
            "scb easy",
            "krungthai next",
            "ไปยัง",
            "ผู้รับเงิน",
            "บัญชีปลายทาง",
            "fund transfer",
            "bank transfer",
            "e-slip",
        ),
    ),
    (
        MoneyKind.RECEIPT,
        3,
        phrase_pattern(
            "ใบเสร็จรับเงิน",
            "ใบเสร็จ",
            "ใบกำกับภาษีอย่างย่อ",
            "บิลเงินสด",
            "receipt",
            "tax invoice (abb",
            "tax inv (abb",
            "abb.",
            "cash bill",
            "cash sale",
            "cash sales",
            "guest check",
            "tax inv",
            "official receipt",
        ),
    ),
    (
        MoneyKind.RECEIPT,
        1,
        phrase_pattern(
            "เงินทอน",
            "change",
            "cashier",
            "แคชเชียร์",
            "พนักงานขาย",
            "pos",
            "thank you",
            "ขอบคุณ",
            "cash",
            "เงินสด",
            "tender",
            "qty",
            "total",
            "ยอดรวม",
            "vat",
            "gst",
            "ภาษีมูลค่าเพิ่ม",
            "member",
            "สมาชิก",
        ),
    ),
    (
        MoneyKind.INVOICE,
        3,
        phrase_pattern("invoice", "ใบแจ้งหนี้", "ใบวางบิล", "ใบเรียกเก็บเงิน", "ใบกำกับภาษี", "bill to"),
    ),
    (
        MoneyKind.INVOICE,
        1,
        phrase_pattern(
            "due date",
            "payment due",
            "amount due",
            "ครบกำหนดชำระ",
            "กำหนดชำระ",
            "payment terms",
        ),
    ),
)
#: A word that names the receipt kind inside an invoice word ("ใบกำกับภาษีอย่างย่อ", a tax
#: invoice (abbreviated) is a receipt) must not count for the invoice as well.
_NOT_INVOICE = re.compile(r"ใบกำกับภาษีอย่างย่อ|tax\s*inv\w*\s*\(?abb", re.IGNORECASE)
#: Ties go to the kind listed first: a slip names "receipts" less often than a receipt
#: names transfers, and a tax invoice/receipt is paid.
_KIND_ORDER = (MoneyKind.TRANSFER, MoneyKind.RECEIPT, MoneyKind.INVOICE)
_MIN_KIND_POINTS = 3
#: Distinct words that count, by weight: two headings, or three supporting words (a
#: cashier, a total and change make a receipt).
_MAX_CUES = {3: 2, 1: 3}


def document_kind(text: str, qr: PaymentQr | None = None) -> MoneyKind | None:
    points: Counter[MoneyKind] = Counter()
    if qr is not None and qr.kind != PROMPTPAY:
        points[MoneyKind.TRANSFER] += 3
    for kind, weight, pattern in _KIND_WORDS:
        scan = _NOT_INVOICE.sub(" ", text) if kind is MoneyKind.INVOICE else text
        # Distinct words: "total" ten times on a report is one cue, not ten.
        cues = {" ".join(m.lower().split()) for m in pattern.findall(scan)}
        points[kind] += weight * min(len(cues), _MAX_CUES[weight])
    best = max(_KIND_ORDER, key=lambda k: (points[k], -_KIND_ORDER.index(k)))
    return best if points[best] >= _MIN_KIND_POINTS else None


def is_heading(line: str) -> bool:
    return any(p.search(line) for _, weight, p in _KIND_WORDS if weight == 3) or bool(
        re.fullmatch(r"[\W\d_]*(?:tax\s+)?(?:invoice|receipt|bill)[\W\d_]*", line, re.I)
    )
