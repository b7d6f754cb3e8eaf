"""Who was paid and the reference, read from a money document's lines.

- ``receiver(lines)``: a transfer's receiver — after a receiver label at a line's start
  ("ไปยัง", "ผู้รับ", "To", "Payee"), else the second of the names on the slip (a K PLUS slip
  lists the sender's name, then the receiver's, with no labels);
- ``issuer(lines)``: a receipt's merchant or an invoice's issuer — a business named at the
  top (บริษัท … จำกัด, Co., Ltd., Sdn Bhd, a shop's words), above any "Bill to";
- ``reference(lines)``: a labelled transaction reference first ("เลขที่รายการ", "รหัสอ้างอิง",
  "Ref"), then a document number ("Invoice No", "เลขที่").

OCR drops Thai vowel marks ("บรษท" for "บริษัท"), so business words are also matched on
their consonant skeleton.
"""

from __future__ import annotations

import re

from drive2.domain.money import MAX_COUNTERPARTY_CHARS, clean_reference, clean_text
from drive2.domain.money_kind import is_heading, phrase_pattern


def _at_line_start(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(rf"^[\s\W]*(?:{pattern.pattern})", pattern.flags)


#: At the start of a line only: "to" anywhere else is just a word.
_RECEIVER_LABEL = _at_line_start(
    phrase_pattern(
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
_BUSINESS = phrase_pattern(
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
_NOT_A_NAME = phrase_pattern(
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
_BILL_TO = phrase_pattern(
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
        if not stripped or _NOT_A_NAME.search(stripped) or is_heading(stripped):
            continue
        name = _name(stripped)
        if name and len(name) >= 3:
            return name
    return None


def _strip_branch(line: str) -> str:
    return _BRANCH.split(line, maxsplit=1)[0]


#: Transaction references first, document numbers after.
_REFERENCE_LABELS = (
    phrase_pattern(
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
    phrase_pattern(
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
