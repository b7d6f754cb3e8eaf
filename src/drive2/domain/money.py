"""The money a document records (``ai.money``): its shape, its checks and how it is spelled.

``Money`` is what a receipt, an invoice or a bank-transfer slip says was paid: amount,
ISO 4217 currency, the day, who was paid (the receiver of a transfer, the merchant of a
receipt, the issuer of an invoice), the transaction or document reference, and the kind.
It is made by the rules in domain/money_rules.py, or proposed by an LLM and then held to
``money_from_mapping``; stored as a dict of strings (``as_dict``).

Also here, because every consumer needs them alike: the amount's common spellings for the
keyword index (``search_words``), a sentence for the summary and the semantic index
(``describe``), and the suggested filename (``money_filename``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from pathlib import PurePosixPath

from drive2.domain.names import safe_filename

#: Amounts at or above this are misreadings (an account or phone number read as money).
MAX_AMOUNT = Decimal("1000000000000")
CENT = Decimal("0.01")
MAX_COUNTERPARTY_CHARS = 120
MAX_REFERENCE_CHARS = 64
#: How far ahead of today a stated date may be (an invoice's date is never far ahead).
MAX_FUTURE_YEARS = 2

#: Active ISO 4217 codes (and XAU/XAG/XDR, which documents do quote).
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
    JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XAG XAU XCD XDR
    XOF XPF YER ZAR ZMW ZWG""".split()
)


class MoneyKind(StrEnum):
    TRANSFER = "transfer"  # a bank or wallet transfer slip, a PromptPay payment
    RECEIPT = "receipt"  # paid: a shop's receipt, a tax invoice/receipt
    INVOICE = "invoice"  # to be paid: an invoice or bill with a total due


#: The kind in Thai, for tags, sentences and Thai searches.
KIND_THAI = {
    MoneyKind.TRANSFER: "โอนเงิน",
    MoneyKind.RECEIPT: "ใบเสร็จ",
    MoneyKind.INVOICE: "ใบแจ้งหนี้",
}
#: How people write a currency in words, for search ("1250 baht", "1,250 บาท").
CURRENCY_WORDS = {
    "THB": ("baht", "บาท"),
    "USD": ("dollar", "usd"),
    "EUR": ("euro",),
    "GBP": ("pound",),
    "JPY": ("yen", "เยน"),
    "CNY": ("yuan", "rmb", "หยวน"),
    "MYR": ("ringgit", "rm"),
    "SGD": ("dollar", "sgd"),
    "LAK": ("kip", "กีบ"),
}


@dataclass(frozen=True)
class Money:
    amount: Decimal  # quantised to cents
    currency: str  # ISO 4217
    kind: MoneyKind
    date: date | None = None
    counterparty: str | None = None
    reference: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "amount": plain_amount(self.amount),
            "currency": self.currency,
            "date": self.date.isoformat() if self.date else None,
            "counterparty": self.counterparty,
            "reference": self.reference,
            "kind": self.kind.value,
        }

    @classmethod
    def from_dict(cls, data: object) -> Money | None:
        """A stored record read back (None when it is not one)."""
        return money_from_mapping(data) if isinstance(data, Mapping) else None


# --- amounts ------------------------------------------------------------------------------

#: A number with at most a short currency mark or code before or after it ("฿", "บาท", "THB").
_AMOUNT_TEXT = re.compile(
    r"\s*[^\d\s.,+\-]{0,4}\s*(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
    r"\s*[^\d\s.,+\-]{0,4}\s*"
)


def parse_amount(value: object) -> Decimal | None:
    """A positive amount below MAX_AMOUNT, to the cent, from a number or a string written
    "1,250.00", "1250", "฿ 1,250.5" or "1250.00 บาท"; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        text = repr(value)
    elif isinstance(value, str):
        match = _AMOUNT_TEXT.fullmatch(value)
        if match is None:
            return None
        text = match.group(1).replace(",", "")
    else:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        return None
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def plain_amount(amount: Decimal) -> str:
    """ "1250.00": two decimals, no grouping (the stored form)."""
    return f"{amount.quantize(CENT):f}"


def grouped_amount(amount: Decimal) -> str:
    """ "1,250.00": as receipts and slips print it."""
    return f"{amount.quantize(CENT):,.2f}"


# --- validation ---------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/#.]*")


def clean_text(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", value)).split())
    text = text.strip(" :;,.-|")
    if not text or not any(ch.isalpha() for ch in text):
        return None
    return text[:limit].rstrip()


def clean_reference(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip().replace(" ", "")
    if not 4 <= len(text) <= MAX_REFERENCE_CHARS or not _REFERENCE.fullmatch(text):
        return None
    return text if any(ch.isdigit() for ch in text) else None


def clean_date(value: object, today: date | None = None) -> date | None:
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    latest = (today or date.today()).year + MAX_FUTURE_YEARS
    return day if 1900 <= day.year <= latest else None


def clean_currency(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if code in ISO_4217 else None


def money_from_mapping(data: Mapping[str, object], today: date | None = None) -> Money | None:
    """A record whose amount parses, whose currency is ISO 4217 and whose kind is known;
    a bad date, counterparty or reference is dropped, not the record."""
    amount = parse_amount(data.get("amount"))
    currency = clean_currency(data.get("currency"))
    kind = data.get("kind")
    if amount is None or currency is None or kind not in set(MoneyKind):
        return None
    return Money(
        amount=amount,
        currency=currency,
        kind=MoneyKind(str(kind)),
        date=clean_date(data.get("date"), today),
        counterparty=clean_text(data.get("counterparty"), MAX_COUNTERPARTY_CHARS),
        reference=clean_reference(data.get("reference")),
    )


# --- spellings ----------------------------------------------------------------------------


def amount_spellings(amount: Decimal) -> list[str]:
    """ "1250.00", "1,250.00", and without the cents when there are none ("1250", "1,250")."""
    spellings = [plain_amount(amount), grouped_amount(amount)]
    if amount == amount.to_integral_value():
        whole = int(amount)
        spellings += [str(whole), f"{whole:,}"]
    return list(dict.fromkeys(spellings))


def search_words(money: Money) -> str:
    """Words for the keyword index: the kind in English and Thai, the amount as people type
    it, the currency by code and in words, and the reference (a QR code's reference may
    not be in the OCR text)."""
    parts = [money.kind.value, KIND_THAI[money.kind], *amount_spellings(money.amount)]
    parts += [money.currency, *CURRENCY_WORDS.get(money.currency, ())]
    if money.kind is MoneyKind.TRANSFER:
        parts += ["payment", "slip", "สลิป"]
    if money.reference:
        parts.append(money.reference)
    return " ".join(parts)


_THAI_MONTHS_SHORT = "ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค.".split()
_ENGLISH = {
    MoneyKind.TRANSFER: ("Transfer of", "to"),
    MoneyKind.RECEIPT: ("Receipt for", "from"),
    MoneyKind.INVOICE: ("Invoice for", "from"),
}
_THAI = {
    MoneyKind.TRANSFER: ("โอนเงิน", "ให้"),
    MoneyKind.RECEIPT: ("ใบเสร็จ", "จาก"),
    MoneyKind.INVOICE: ("ใบแจ้งหนี้", "จาก"),
}


def describe(money: Money) -> str:
    """One line in English and one in Thai: "Transfer of 1,250.00 THB to X on 12 Feb
    2025, reference R." (the summary's first line and a passage for semantic search)."""
    amount = grouped_amount(money.amount)
    verb, towards = _ENGLISH[money.kind]
    english = f"{verb} {amount} {money.currency}"
    thai_verb, thai_towards = _THAI[money.kind]
    currency_th = "บาท" if money.currency == "THB" else money.currency
    thai = f"{thai_verb} {amount} {currency_th}"
    if money.counterparty:
        english += f" {towards} {money.counterparty}"
        thai += f" {thai_towards} {money.counterparty}"
    if money.date:
        english += f" on {money.date.day} {money.date:%b %Y}"
        month = _THAI_MONTHS_SHORT[money.date.month - 1]
        thai += f" วันที่ {money.date.day} {month} {money.date.year + 543}"
    if money.reference:
        english += f", reference {money.reference}"
        thai += f" เลขที่อ้างอิง {money.reference}"
    return f"{english}.\n{thai}"


# --- the suggested filename ---------------------------------------------------------------

_TITLES = re.compile(
    r"^(?:นางสาว|นาง|นาย|น\.ส\.|ด\.ช\.|ด\.ญ\.|บริษัท|บจก\.?|หจก\.?|ห้างหุ้นส่วนจำกัด|ร้าน"
    r"|mr|mrs|ms|miss|dr)\.?\s*",
    re.IGNORECASE,
)
_COMPANY_TAIL = re.compile(
    r"\s*(?:จำกัด\s*\(มหาชน\)|จำกัด|\(มหาชน\)|co\.?,?\s*ltd\.?|company limited|limited|ltd\.?"
    r"|inc\.?|llc|plc|pte\.?\s*ltd\.?|sdn\.?\s*bhd\.?)\s*$",
    re.IGNORECASE,
)
_SLUG_UNSAFE = re.compile(r"[^a-z0-9\u0e01-\u0e4e\u0e50-\u0e59]+")
FILENAME_PARTY_CHARS = 30


def _slug(value: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFKD", value.lower()):
        if not unicodedata.combining(ch) or "\u0e00" <= ch <= "\u0e7f":
            out.append(ch)
    return _SLUG_UNSAFE.sub("-", unicodedata.normalize("NFC", "".join(out))).strip("-")


def party_slug(counterparty: str) -> str:
    """ "นาย สมชาย ใจดี" -> "สมชาย-ใจดี"; "ACME Consulting Co., Ltd." -> "acme-consulting"."""
    name = _COMPANY_TAIL.sub("", _TITLES.sub("", counterparty.strip()))
    piece = _slug(name)
    if len(piece) > FILENAME_PARTY_CHARS:
        cut = piece.rfind("-", 0, FILENAME_PARTY_CHARS)
        piece = piece[: cut if cut > 0 else FILENAME_PARTY_CHARS]
    return piece.strip("-")


def money_filename(money: Money, dated: date | None, original: str) -> str:
    """``2025-02-12_transfer_1250-THB_somchai.jpg``: the document's date (the record's, else
    `dated`), the kind, the amount (cents only when there are some) and the counterparty,
    with the original's extension; made safe by the drive's filename rules."""
    day = money.date or dated
    amount = plain_amount(money.amount)
    if amount.endswith(".00"):
        amount = amount[:-3]
    parts = [day.isoformat()] if day else []
    parts += [money.kind.value, f"{amount}-{money.currency}"]
    party = party_slug(money.counterparty) if money.counterparty else ""
    if party:
        parts.append(party)
    suffix = PurePosixPath(safe_filename(original)).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = ""
    return safe_filename("_".join(parts) + suffix)
