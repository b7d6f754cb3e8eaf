"""What a Thai payment QR code says: EMVCo-style TLV payloads, read without I/O.

Three kinds are read (``read_payment_qr(text) -> PaymentQr | None``):

- the slip-verify "mini QR" every Thai bank app prints on a transfer slip: template 00 =
  {00: API id "000001", 01: the sending bank's code, 02: the transaction reference}, 51 =
  country "TH", CRC in tag 91;
- TrueMoney Wallet's slip QR: template 00 = {00: "01", 01: "01", 02: event type,
  03: transaction id, 04: date DDMMYYYY}, CRC in tag 91;
- a PromptPay payment QR (EMVCo merchant-presented): tag 29 (credit transfer: 01 phone,
  02 national or tax id, 03 e-wallet) or 30 (bill payment: 01 biller id, 02 reference 1),
  53 currency (ISO 4217 numeric), 54 amount, 59 merchant name, CRC in tag 63.

A payload whose CRC (CRC-16/CCITT-FALSE over everything before the CRC's value) does not
match is not read: a QR code that only looks like one says nothing reliable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from drive2.domain.money import clean_reference, clean_text, parse_amount, plain_amount

#: Thai bank codes (the Bank of Thailand's), as slip QR codes give the sending bank.
THAI_BANKS = {
    "002": "Bangkok Bank",
    "004": "Kasikornbank",
    "006": "Krungthai Bank",
    "011": "TMBThanachart Bank",
    "014": "Siam Commercial Bank",
    "017": "Citibank",
    "022": "CIMB Thai",
    "024": "UOB",
    "025": "Bank of Ayudhya (Krungsri)",
    "030": "Government Savings Bank",
    "033": "Government Housing Bank",
    "034": "BAAC",
    "066": "Islamic Bank of Thailand",
    "067": "TISCO Bank",
    "069": "Kiatnakin Phatra Bank",
    "070": "ICBC (Thai)",
    "071": "Thai Credit Bank",
    "073": "LH Bank",
}
#: ISO 4217 numeric codes seen in Thai payment QR codes.
NUMERIC_CURRENCIES = {"764": "THB", "840": "USD", "978": "EUR", "156": "CNY", "392": "JPY"}
PROMPTPAY_AIDS = ("A000000677010111", "A000000677010112", "A000000677010113")
MAX_PAYLOAD_CHARS = 512

SLIP_VERIFY = "slip_verify"
TRUEMONEY_SLIP = "truemoney_slip"
PROMPTPAY = "promptpay"


@dataclass(frozen=True)
class PaymentQr:
    kind: str  # SLIP_VERIFY, TRUEMONEY_SLIP or PROMPTPAY
    reference: str | None = None
    bank_code: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    #: A PromptPay target: phone, national or tax id, e-wallet or biller id.
    target: str | None = None
    merchant: str | None = None
    date: date | None = None

    @property
    def bank(self) -> str | None:
        return THAI_BANKS.get(self.bank_code or "")

    def as_metadata(self) -> dict[str, str]:
        """The file's metadata entry (section "payment_qr"): strings only, empty left out."""
        values = {
            "kind": self.kind,
            "reference": self.reference,
            "bank_code": self.bank_code,
            "bank": self.bank,
            "amount": plain_amount(self.amount) if self.amount is not None else None,
            "currency": self.currency,
            "target": self.target,
            "merchant": self.merchant,
            "date": self.date.isoformat() if self.date else None,
        }
        return {key: value for key, value in values.items() if value}

    @classmethod
    def from_metadata(cls, data: object) -> PaymentQr | None:
        if not isinstance(data, dict) or data.get("kind") not in (
            SLIP_VERIFY,
            TRUEMONEY_SLIP,
            PROMPTPAY,
        ):
            return None
        day = data.get("date")
        try:
            when = date.fromisoformat(day) if isinstance(day, str) else None
        except ValueError:
            when = None
        return cls(
            kind=str(data["kind"]),
            reference=clean_reference(data.get("reference")),
            bank_code=_digits(data.get("bank_code")),
            amount=parse_amount(data.get("amount")),
            currency=data.get("currency") if data.get("currency") in ("THB", "USD") else None,
            target=_digits(data.get("target")),
            merchant=clean_text(data.get("merchant"), 80),
            date=when,
        )


def _digits(value: object) -> str | None:
    return value if isinstance(value, str) and value.isdigit() and len(value) <= 20 else None


# --- TLV ----------------------------------------------------------------------------------


def parse_tlv(payload: str) -> dict[str, str] | None:
    """Tag -> value of a flat TLV string ("00" "02" "01" ...); None if it is not one."""
    out: dict[str, str] = {}
    index = 0
    while index < len(payload):
        head = payload[index : index + 4]
        if len(head) < 4 or not head.isdigit():
            return None
        length = int(head[2:])
        value = payload[index + 4 : index + 4 + length]
        if len(value) != length:
            return None
        out.setdefault(head[:2], value)
        index += 4 + length
    return out


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, initial 0xFFFF), four upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def with_crc(payload: str, tag: str) -> str:
    """The payload with its CRC tag appended (how a QR generator finishes one)."""
    head = f"{payload}{tag}04"
    return head + crc16(head)


def _crc_ok(payload: str, tags: dict[str, str], tag: str) -> bool:
    value = tags.get(tag)
    if value is None or not payload.endswith(f"{tag}04{value}"):
        return False
    return crc16(payload[:-4]).upper() == value.upper()


# --- the three kinds ----------------------------------------------------------------------


def read_payment_qr(text: str) -> PaymentQr | None:
    """What a decoded QR code's text says about a payment, or None."""
    payload = text.strip()
    if not payload or len(payload) > MAX_PAYLOAD_CHARS or not payload.isascii():
        return None
    tags = parse_tlv(payload)
    if tags is None:
        return None
    if "91" in tags and _crc_ok(payload, tags, "91"):
        return _slip(tags)
    if "63" in tags and _crc_ok(payload, tags, "63"):
        return _promptpay(tags)
    return None


def _slip(tags: dict[str, str]) -> PaymentQr | None:
    inner = parse_tlv(tags.get("00", ""))
    if not inner:
        return None
    if inner.get("00") == "000001" and tags.get("51") == "TH":
        reference = clean_reference(inner.get("02"))
        bank = inner.get("01")
        if reference is None or bank is None or not bank.isdigit():
            return None
        return PaymentQr(kind=SLIP_VERIFY, reference=reference, bank_code=bank)
    if inner.get("00") == "01" and inner.get("01") == "01":
        reference = clean_reference(inner.get("03"))
        if reference is None:
            return None
        return PaymentQr(kind=TRUEMONEY_SLIP, reference=reference, date=_ddmmyyyy(inner.get("04")))
    return None


def _ddmmyyyy(value: str | None) -> date | None:
    if not value or len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        return None


def _promptpay(tags: dict[str, str]) -> PaymentQr | None:
    target = None
    reference = None
    for template in ("29", "30"):
        inner = parse_tlv(tags.get(template, ""))
        if not inner or inner.get("00") not in PROMPTPAY_AIDS:
            continue
        if template == "29":
            target = next((inner[k] for k in ("01", "02", "03") if k in inner), None)
        else:
            target = inner.get("01")
            reference = clean_reference(inner.get("02"))
        break
    else:
        return None
    return PaymentQr(
        kind=PROMPTPAY,
        reference=reference,
        amount=parse_amount(tags.get("54")),
        currency=NUMERIC_CURRENCIES.get(tags.get("53", "")),
        target=_digits(target),
        merchant=clean_text(tags.get("59"), 80),
    )
