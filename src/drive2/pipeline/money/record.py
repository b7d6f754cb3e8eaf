"""The money record a file gets, settled between an LLM's proposal and the rules.

``settle_money(ai, text, metadata, ...) -> AiMetadata`` is called by the money stage after
the AI stage, and by the AI re-run job after a new answer, so a file keeps its record
whichever provider answered:

- an LLM (Gemini, Ollama) may propose ``money``; the prompt's checks already held it to the
  schema (amount parses, ISO currency, known kind, valid date). Here it must also be
  grounded: its amount must be written in the document (or in its payment QR code). A
  proposal that is not is dropped for the rules' record;
- the rules' record (domain/money_rules.py) is the fallback, and fills what a proposal
  left out; a slip QR code's transaction reference beats any reference read from the text;
- with a record and the local provider's answer, the suggested filename is
  ``DATE_KIND_AMOUNT-CUR_PARTY.ext``, the kind is tagged in English and Thai, and the
  summary starts with the record in the document's language. An LLM's name, summary and
  tags are left as it wrote them (its prompt asks for the date first in such a name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from drive2.domain.models import AiMetadata, FileRecord
from drive2.domain.money import KIND_THAI, Money, clean_currency, describe, money_filename
from drive2.domain.money_amounts import find_amounts
from drive2.domain.money_rules import MAX_TEXT_CHARS, extract_money
from drive2.domain.payment_qr import PROMPTPAY, PaymentQr

#: The metadata section the money stage writes the payment QR codes it read to.
QR_SECTION = "payment_qr"
#: The summary this provider writes is extractive: it gets the record as its first line.
LOCAL_PROVIDER = "local"
SUMMARY_CHARS = 600


def payment_qr(metadata: Mapping[str, object]) -> PaymentQr | None:
    """The first payment QR code the file's metadata records (a slip's before any other)."""
    section = metadata.get(QR_SECTION)
    codes = [PaymentQr.from_metadata(x) for x in section] if isinstance(section, list) else []
    found = sorted((c for c in codes if c is not None), key=lambda c: c.kind == PROMPTPAY)
    return found[0] if found else None


def grounded(proposal: Money, text: str, qr: PaymentQr | None) -> bool:
    """The proposed amount is written in the document or stated by its QR code."""
    if qr is not None and qr.amount == proposal.amount:
        return True
    return any(found.value == proposal.amount for found in find_amounts(text[:MAX_TEXT_CHARS]))


def choose_money(
    proposal: Money | None, rules: Money | None, text: str, qr: PaymentQr | None
) -> Money | None:
    if proposal is None or not grounded(proposal, text, qr):
        return rules
    slip_reference = qr.reference if qr is not None and qr.kind != PROMPTPAY else None
    fallback = rules if rules is not None and rules.kind is proposal.kind else None
    return replace(
        proposal,
        date=proposal.date or (fallback.date if fallback else None),
        counterparty=proposal.counterparty or (fallback.counterparty if fallback else None),
        reference=slip_reference
        or proposal.reference
        or (fallback.reference if fallback else None),
    )


def settle_money(
    ai: AiMetadata,
    text: str,
    metadata: Mapping[str, object],
    *,
    original_filename: str,
    dated: date | None,
    today: date,
    default_currency: str | None,
    rows: str | None = None,
    previous: Money | None = None,
) -> AiMetadata:
    """`ai` with its money record settled (or removed), and the name, tags and summary that
    follow from it. `dated`: the file's document date, for a record without its own;
    `rows`: the first page read as rows (pipeline/money/rows.py), read by the rules before
    `text`; `previous`: the record the file had, kept when the rules find none now (the
    re-run job has only the stored text)."""
    qr = payment_qr(metadata)
    currency = clean_currency(default_currency)
    rules = None
    for candidate in (rows, text):
        if candidate and rules is None:
            rules = extract_money(candidate, today=today, qr=qr, default_currency=currency)
    grounding = f"{rows}\n{text}" if rows else text
    money = choose_money(ai.money, rules or previous, grounding, qr)
    if money is None:
        return replace(ai, money=None)
    if ai.provider != LOCAL_PROVIDER:
        # An LLM's name, summary and tags are its own answer (the prompt asks it to start a
        # money document's name with its date); only the record is settled here.
        return replace(ai, money=money)
    english, thai = describe(money).split("\n")
    line = thai if ai.language == "th" else english
    return replace(
        ai,
        money=money,
        suggested_filename=money_filename(money, dated, original_filename),
        tags=list(dict.fromkeys([*ai.tags, money.kind.value, KIND_THAI[money.kind]])),
        summary=f"{line} {ai.summary}"[:SUMMARY_CHARS] if ai.summary else line,
    )


@dataclass(frozen=True)
class MoneySettler:
    """settle_money for a stored file (the AI re-run job): its text, metadata (the payment
    QR codes the money stage read), name and document date."""

    timezone: str = "Asia/Bangkok"
    default_currency: str | None = "THB"

    def __call__(self, ai: AiMetadata, record: FileRecord, text: str) -> AiMetadata:
        return settle_money(
            ai,
            text,
            record.metadata,
            original_filename=record.filename,
            dated=record.document_date,
            today=datetime.now(ZoneInfo(self.timezone)).date(),
            default_currency=self.default_currency,
            previous=record.ai.money if record.ai else None,
        )
