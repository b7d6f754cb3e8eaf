"""The money record a document's text states, by rules: no model, no I/O.

``extract_money(text, today=None, qr=None) -> Money | None``

1. The kind (domain/money_kind.py): a transfer slip, a receipt or an invoice. No kind, no
   record: a report's or a contract's numbers are not a payment.
2. The amount: the best-labelled one (domain/money_amounts.py): a grand total or the amount
   due/paid before a transfer's "Amount", before a bare "Total"; never a subtotal, VAT,
   fee, change or cash handed over. Among equals the largest (a total is at least its
   parts). Unlabelled amounts count only when there is one, written as money, on a slip.
3. The currency: a mark beside the amount or in its label, else the document's own marks,
   else THB for a Thai document; none of these, no record.
4. The date: the date the document states (domain/dates.py: a transaction or issue date
   first), or the slip QR code's; never a due date or a period.
5. Who was paid (domain/money_parties.py): a transfer's receiver, a receipt's merchant or
   an invoice's issuer.
6. The reference: a slip QR code's transaction reference, else the labelled one
   (domain/money_parties.py).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal

from drive2.domain.dates import DateRole, arabic_digits, document_date
from drive2.domain.money import Money, MoneyKind
from drive2.domain.money_amounts import AmountLabel, FoundAmount, find_amounts, label_class
from drive2.domain.money_kind import document_kind, phrase_pattern
from drive2.domain.money_parties import issuer, receiver, reference
from drive2.domain.payment_qr import PROMPTPAY, PaymentQr

_THAI_LETTER = re.compile(r"[\u0e01-\u0e2e]")
#: Only the head of a long text is read: a payment document says what it is up front, and
#: the rules stay linear on a 200-page PDF.
MAX_TEXT_CHARS = 20_000
_SPACE_RUNS = re.compile(r"[ \t\u00a0]{2,}")


# --- 2. the amount ------------------------------------------------------------------------


_ROUNDING = phrase_pattern("rounding", "round adj", "rounding adj", "ปัดเศษ", "ปรับเศษ", "เศษสตางค์")
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


# --- the record ---------------------------------------------------------------------------


def extract_money(
    text: str,
    today: date | None = None,
    qr: PaymentQr | None = None,
    default_currency: str | None = None,
) -> Money | None:
    """The record the text states, or None when it states none with confidence.

    `default_currency`: the currency of amounts written without one (the drive's)."""
    # A row read with its columns apart has long runs of spaces between label and value;
    # labels are looked for a few characters before a value.
    text = _SPACE_RUNS.sub(" ", arabic_digits(text[:MAX_TEXT_CHARS]))
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
    if stated is not None and stated.role in (DateRole.DUE, DateRole.PERIOD):
        stated = None  # the day it was issued or paid, not when it falls due: none rather
    qr_reference = qr.reference if qr is not None and qr.kind != PROMPTPAY else None
    return Money(
        amount=amount,
        currency=currency,
        kind=kind,
        date=stated.value if stated else (qr.date if qr else None),
        counterparty=receiver(lines) if kind is MoneyKind.TRANSFER else issuer(lines),
        reference=qr_reference or reference(lines),
    )
