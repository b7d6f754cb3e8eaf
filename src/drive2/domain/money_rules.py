"""The money record a document's text states, by rules: no model, no I/O.

``extract_money(text, today=None, qr=None) -> Money | None``

1. The kind, from the words that say what the document is: a transfer slip ("โอนเงินสำเร็จ",
   "Transfer successful", a slip QR code), a receipt ("ใบเสร็จรับเงิน", "Receipt", "เงินทอน")
   or an invoice ("Invoice", "ใบแจ้งหนี้", "Due date"). No kind, no record: a report's or a
   contract's numbers are not a payment.
2. The amount: the best-labelled one (domain/money_amounts.py): a grand total or the amount
   due/paid before a transfer's "Amount", before a bare "Total"; never a subtotal, VAT,
   fee, change or cash handed over. Among equals the largest (a total is at least its
   parts). Unlabelled amounts count only when there is one, written as money, on a slip.
3. The currency: a mark beside the amount or in its label, else the document's own marks,
   else THB for a Thai document; none of these, no record.
4. The date: the date the document states (domain/dates.py: a transaction or issue date
   first), or the slip QR code's.
5. Who was paid: a transfer's receiver ("ไปยัง", "To", the second of the two names), a
   receipt's merchant or an invoice's issuer (the business named at the top, above any
   "Bill to").
6. The reference: a slip QR code's transaction reference, else the labelled one.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal

from drive2.domain.dates import arabic_digits, document_date
from drive2.domain.money import (
    MAX_COUNTERPARTY_CHARS,
    Money,
    MoneyKind,
    clean_reference,
    clean_text,
)
from drive2.domain.money_amounts import AmountLabel, FoundAmount, find_amounts, label_class
from drive2.domain.payment_qr import PROMPTPAY, PaymentQr

_THAI_LETTER = re.compile(r"[\u0e01-\u0e2e]")
#: Only the head of a long text is read: a payment document says what it is up front, and
#: the rules stay linear on a 200-page PDF.
MAX_TEXT_CHARS = 20_000


def _pattern(*phrases: str) -> re.Pattern[str]:
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"\s*")
        parts.append(escaped if not phrase.isascii() else rf"(?<![a-z]){escaped}(?![a-z])")
    return re.compile("|".join(parts), re.IGNORECASE)


# --- 1. the kind --------------------------------------------------------------------------

#: (kind, points, words): a heading word says it outright (3), a supporting one hints (1).
_KIND_WORDS: tuple[tuple[MoneyKind, int, re.Pattern[str]], ...] = (
    (
        MoneyKind.TRANSFER,
        3,
        _pattern(
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
        _pattern(
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
        _pattern(
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
        _pattern(
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
        _pattern("invoice", "ใบแจ้งหนี้", "ใบวางบิล", "ใบเรียกเก็บเงิน", "ใบกำกับภาษี", "bill to"),
    ),
    (
        MoneyKind.INVOICE,
        1,
        _pattern(
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


# --- 2. the amount ------------------------------------------------------------------------


_ROUNDING = _pattern("rounding", "round adj", "rounding adj", "ปัดเศษ", "ปรับเศษ", "เศษสตางค์")
#: Cash rounding moves a total by less than this (5 sen in Malaysia, 25 satang in Thailand).
_ROUNDING_STEP = Decimal("0.25")


def _rounded(chosen: FoundAmount, amounts: list[FoundAmount], lines: list[str]) -> FoundAmount:
    """A cash total rounded after it ("Total 60.31 / Rounding adj -0.01 / 60.30"): the
    rounded amount, within a rounding step of the total, on the few lines after the
    rounding line."""
    for number in range(chosen.line + 1, min(chosen.line + 4, len(lines))):
        if not _ROUNDING.search(lines[number]):
            continue
        near = [
            found
            for found in amounts
            if number <= found.line <= number + 2
            and found.value != chosen.value
            and abs(found.value - chosen.value) < _ROUNDING_STEP
        ]
        for found in near:
            # Its own label, or the rounding line above it ("Rounding adj" / "60.30").
            if label_class(found.label) is not AmountLabel.EXCLUDED or (
                found.line > number and _ROUNDING.search(found.label)
            ):
                return found
    return chosen


def choose_amount(
    amounts: list[FoundAmount], kind: MoneyKind, lines: list[str] | None = None
) -> FoundAmount | None:
    """The amount the document is about, or None when no label says which. `lines`: the
    text's lines (FoundAmount.line numbers them), to follow a cash rounding."""
    ranked: dict[AmountLabel, list[FoundAmount]] = {}
    for found in amounts:
        ranked.setdefault(label_class(found.label), []).append(found)
    # A receipt's or invoice's "Amount" is often a column of item prices; a slip's is the
    # transfer itself.
    order = [AmountLabel.TOTAL, AmountLabel.WEAK_TOTAL, AmountLabel.AMOUNT]
    if kind is MoneyKind.TRANSFER:
        order = [AmountLabel.AMOUNT, AmountLabel.TOTAL, AmountLabel.WEAK_TOTAL]
    for tier in order:
        candidates = [a for a in ranked.get(tier, []) if a.money_like or a.currency]
        if candidates:
            chosen = max(candidates, key=lambda a: (a.value, -a.start))
            return _rounded(chosen, amounts, lines) if lines else chosen
    unlabelled = {a.value: a for a in ranked.get(AmountLabel.NONE, []) if a.money_like}
    if kind is MoneyKind.TRANSFER and len(unlabelled) == 1:
        return next(iter(unlabelled.values()))
    return None


def choose_currency(
    chosen: FoundAmount, amounts: list[FoundAmount], text: str, default: str | None = None
) -> str | None:
    """A mark beside the amount or in its label; the document's most used mark; the
    drive's default currency; THB for Thai text; else None."""
    if chosen.currency:
        return chosen.currency
    marks = Counter(a.currency for a in amounts if a.currency)
    if marks:
        return marks.most_common(1)[0][0]
    if default:
        return default
    return "THB" if _THAI_LETTER.search(text) else None


# --- 5. who was paid ----------------------------------------------------------------------


def _at_line_start(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(rf"^[\s\W]*(?:{pattern.pattern})", pattern.flags)


#: At the start of a line only: "to" anywhere else is just a word.
_RECEIVER_LABEL = _at_line_start(
    _pattern(
        "ไปยัง",
        "ผู้รับเงิน",
        "ผู้รับ",
        "ชื่อผู้รับ",
        "บัญชีปลายทาง",
        "ปลายทาง",
        "ชำระให้",
        "จ่ายให้",
        "โอนให้",
        "ร้านค้า",
        "to",
        "receiver",
        "recipient",
        "payee",
        "beneficiary",
        "merchant",
        "biller",
        "pay to",
        "paid to",
    )
)
_PERSON = re.compile(
    r"^(?:นาย|นางสาว|นาง|น\.ส\.|ด\.ช\.|ด\.ญ\.|mr\.?|mrs\.?|ms\.?|miss)\s*\S", re.IGNORECASE
)
_BUSINESS = _pattern(
    "บริษัท",
    "บจก",
    "หจก",
    "ห้างหุ้นส่วน",
    "จำกัด",
    "ร้าน",
    "มหาชน",
    "co., ltd",
    "co.,ltd",
    "co. ltd",
    "company",
    "limited",
    "ltd",
    "inc",
    "llc",
    "plc",
    "sdn bhd",
    "sdn. bhd",
    "enterprise",
    "trading",
    "store",
    "shop",
    "cafe",
    "coffee",
    "restaurant",
    "mart",
    "market",
    "pharmacy",
    "hotel",
)
#: Lines that are not a name: banks, account numbers, headings, addresses, phones, tax ids.
_NOT_A_NAME = _pattern(
    "ธ.",
    "ธนาคาร",
    "bank",
    "บัญชี",
    "account",
    "พร้อมเพย์",
    "promptpay",
    "เลขที่",
    "เลขประจำตัว",
    "tax id",
    "tel",
    "โทร",
    "fax",
    "วันที่",
    "date",
    "สาขา",
    "branch",
    "ถนน",
    "road",
    "street",
    "แขวง",
    "เขต",
    "ตำบล",
    "อำเภอ",
    "จังหวัด",
    "www",
    "http",
    "สำเร็จ",
    "successful",
    "บันทึกช่วยจำ",
    "memo",
    "note",
)
_BILL_TO = _pattern(
    "bill to",
    "billed to",
    "sold to",
    "ship to",
    "customer",
    "client",
    "ลูกค้า",
    "ผู้ซื้อ",
    "นามผู้ซื้อ",
    "ชื่อผู้ซื้อ",
    "ได้รับเงินจาก",
)
_COMPANY_END = re.compile(
    r"(.*?(?:จำกัด\s*\(มหาชน\)|จำกัด|co\.?,?\s*ltd\.?|company limited|limited|sdn\.?\s*bhd\.?"
    r"|pte\.?\s*ltd\.?|inc\.?|llc|plc))\b",
    re.IGNORECASE,
)
_FROM = re.compile(r"(?<![a-z])(?:from|issued by|by)(?![a-z])\s*|จาก\s*", re.IGNORECASE)
#: A word of three letters or more (Thai runs count whole).
_WORDLIKE = re.compile(r"[A-Za-z]{3,}|[\u0e01-\u0e4e]{3,}")
#: A branch or head-office note after a business's name.
_BRANCH = re.compile(r"\s+(?:สาขา|branch(?![a-z]))|\s*\((?:สำนักงานใหญ่|head office)", re.I)
_LABEL_PREFIX = re.compile(r"^[^\w\u0e01-\u0e4e]*[\w\u0e01-\u0e4e .]{0,30}?[:：]\s*")
_HEAD_LINES = 12


def _name(line: str) -> str | None:
    """A line as a counterparty: no label, no branch, letters first; None if it is not one."""
    text = line.strip()
    match = _COMPANY_END.match(text)
    if match:
        text = match.group(1)
    text = _BRANCH.split(text, maxsplit=1)[0]
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if letters < 3 or digits > letters / 3 or not _WORDLIKE.search(text):
        return None  # an account number, or OCR noise ("au 6 ow po w")
    return clean_text(text, MAX_COUNTERPARTY_CHARS)


#: Thai vowel and tone marks above and below the line, which OCR drops most ("บรษท" for
#: "บริษัท"), and SARA AM, which it reads as SARA AA ("จากด" for "จำกัด").
_THAI_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")


def thai_skeleton(text: str) -> str:
    return _THAI_MARKS.sub("", text).replace("\u0e33", "\u0e32")


_BUSINESS_SKELETON = re.compile(
    "|".join(thai_skeleton(w) for w in ("บริษัท", "จำกัด", "ห้างหุ้นส่วน", "มหาชน"))
)


def _is_business(line: str) -> bool:
    return bool(_BUSINESS.search(line) or _BUSINESS_SKELETON.search(thai_skeleton(line)))


def _looks_like_name(line: str) -> bool:
    stripped = line.strip()
    if not stripped or _NOT_A_NAME.search(stripped):
        return False
    return bool(_PERSON.search(stripped) or _is_business(stripped))


def receiver(lines: list[str]) -> str | None:
    """A transfer's receiver: after a receiver label, else the second of the names."""
    for index, line in enumerate(lines):
        match = _RECEIVER_LABEL.search(line)
        if not match:
            continue
        rest = line[match.end() :].strip(" :：-")
        if rest and not _NOT_A_NAME.search(rest):
            name = _name(rest)
            if name:
                return name
        for following in lines[index + 1 : index + 4]:
            if _looks_like_name(following) or (following.strip() and _is_plain_name(following)):
                name = _name(following)
                if name:
                    return name
    names = [line for line in lines if _looks_like_name(line)]
    return _name(names[1]) if len(names) >= 2 else None


def _is_plain_name(line: str) -> bool:
    """Letters only (a merchant's name under "ร้านค้า"), not a bank or an account line."""
    stripped = line.strip()
    return not _NOT_A_NAME.search(stripped) and not re.search(r"\d", stripped)


def issuer(lines: list[str]) -> str | None:
    """A receipt's merchant or an invoice's issuer: a business named at the top, above any
    "Bill to"; else the first line of words there that is not a heading or an address."""
    head: list[str] = []
    for line in lines[:_HEAD_LINES]:
        if _BILL_TO.search(line):
            break
        head.append(line)
    for line in head:
        if _is_business(line) and not _NOT_A_NAME.search(_strip_branch(line)):
            # "Invoice 2025-031 from Acme Consulting Ltd." names Acme.
            named = _FROM.split(_LABEL_PREFIX.sub("", line))[-1]
            name = _name(named)
            if name:
                return name
    for line in head[:5]:
        stripped = line.strip()
        if not stripped or _NOT_A_NAME.search(stripped) or _is_heading(stripped):
            continue
        name = _name(stripped)
        if name and len(name) >= 3:
            return name
    return None


def _strip_branch(line: str) -> str:
    return _BRANCH.split(line, maxsplit=1)[0]


def _is_heading(line: str) -> bool:
    return any(p.search(line) for _, weight, p in _KIND_WORDS if weight == 3) or bool(
        re.fullmatch(r"[\W\d_]*(?:tax\s+)?(?:invoice|receipt|bill)[\W\d_]*", line, re.I)
    )


# --- 6. the reference ---------------------------------------------------------------------

#: Transaction references first, document numbers after.
_REFERENCE_LABELS = (
    _pattern(
        "เลขที่รายการ",
        "รหัสอ้างอิง",
        "เลขที่อ้างอิง",
        "หมายเลขอ้างอิง",
        "เลขอ้างอิง",
        "transaction id",
        "transaction no",
        "transaction ref",
        "trans id",
        "txn id",
        "reference no",
        "reference number",
        "reference",
        "ref no",
        "ref. no",
        "ref",
    ),
    _pattern(
        "invoice no",
        "invoice number",
        "invoice #",
        "receipt no",
        "receipt number",
        "receipt #",
        "document no",
        "doc no",
        "bill no",
        "เลขที่ใบกำกับภาษี",
        "เลขที่ใบกำกับ",
        "เลขที่ใบเสร็จ",
        "เลขที่เอกสาร",
        "เลขที่",
        "no.",
        "r#",
    ),
)
_REFERENCE_VALUE = re.compile(r"[#:：.\s]*([A-Za-z0-9][A-Za-z0-9\-/]{3,39})")


def reference(lines: list[str]) -> str | None:
    for labels in _REFERENCE_LABELS:
        for index, line in enumerate(lines):
            for match in labels.finditer(line):
                value = _reference_after(line[match.end() :])
                if value is None and not line[match.end() :].strip(" :#：."):
                    following = next((x for x in lines[index + 1 : index + 3] if x.strip()), "")
                    value = _reference_after(following)
                if value is not None:
                    return value
    return None


def _reference_after(text: str) -> str | None:
    match = _REFERENCE_VALUE.match(text)
    if not match:
        return None
    value = match.group(1)
    # A reference has digits, and is not a date or an amount.
    if sum(ch.isdigit() for ch in value) < 3 or re.fullmatch(r"[\d,]+\.\d{2}", value):
        return None
    return clean_reference(value)


# --- the record ---------------------------------------------------------------------------


def extract_money(
    text: str,
    today: date | None = None,
    qr: PaymentQr | None = None,
    default_currency: str | None = None,
) -> Money | None:
    """The record the text states, or None when it states none with confidence.

    `default_currency`: the currency of amounts written without one (the drive's)."""
    text = arabic_digits(text[:MAX_TEXT_CHARS])
    kind = document_kind(text, qr)
    if kind is None:
        return None
    amounts = find_amounts(text)
    chosen = choose_amount(amounts, kind, text.splitlines())
    if chosen is not None:
        amount = chosen.value
        currency = choose_currency(chosen, amounts, text, default_currency)
    elif qr is not None and qr.amount is not None:
        amount, currency = qr.amount, qr.currency  # a payment QR code that states it
    else:
        return None
    if currency is None:
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    stated = document_date(text, today=today)
    qr_reference = qr.reference if qr is not None and qr.kind != PROMPTPAY else None
    return Money(
        amount=amount,
        currency=currency,
        kind=kind,
        date=stated.value if stated else (qr.date if qr else None),
        counterparty=receiver(lines) if kind is MoneyKind.TRANSFER else issuer(lines),
        reference=qr_reference or reference(lines),
    )
