"""The money record by rules (domain/money*.py), the payment QR payloads, the checks an
LLM's proposal is held to, and how the record is settled onto the AI result."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from drive2.domain.models import AiMetadata
from drive2.domain.money import (
    Money,
    MoneyKind,
    amount_spellings,
    describe,
    money_filename,
    money_from_mapping,
    parse_amount,
    search_words,
)
from drive2.domain.money_amounts import AmountLabel, find_amounts, label_class
from drive2.domain.money_kind import document_kind
from drive2.domain.money_rules import extract_money
from drive2.domain.payment_qr import (
    PROMPTPAY,
    SLIP_VERIFY,
    TRUEMONEY_SLIP,
    PaymentQr,
    crc16,
    read_payment_qr,
    with_crc,
)
from drive2.pipeline.money.record import QR_SECTION, settle_money
from tests.support.documents import INVOICE_EN, LEASE_TH, RECEIPT_EN, RECEIPT_TH, REPORT_EN, SLIP_TH
from tests.support.money_docs import slip_qr, truemoney_qr

TODAY = date(2025, 7, 1)


# --- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1,250.00", "1250.00"),
        ("1250", "1250.00"),
        ("฿ 1,250.5", "1250.50"),
        ("1250.00 บาท", "1250.00"),
        (1250, "1250.00"),
        (99.999, "100.00"),
        ("12,50.00", None),
        ("0.00", None),
        ("-5.00", None),
        ("1e9", None),
        ("NaN", None),
        ("9999999999999.00", None),
        (True, None),
        (None, None),
        ("", None),
    ],
)
def test_parse_amount(written: object, expected: str | None) -> None:
    value = parse_amount(written)
    assert (f"{value:f}" if value is not None else None) == expected


def test_amounts_their_currency_and_what_is_not_an_amount() -> None:
    text = (
        "Date 12/02/2025 14:35 Tel 053-123-456\n"
        "Account xxx-x-x1234-x VAT 7%\n"
        "Amount ฿1,250.00\n"
        "Total THB1250\n"
        "Paid 45.50 USD\n"
        "Term 5.00\n"
        "Total (RM): 9.00\n"
        "รวม ๑,๒๕๐.๐๐ บาท\n"
    )
    found = [(str(a.value), a.currency) for a in find_amounts(text)]
    assert found == [
        ("1250.00", "THB"),
        ("1250.00", "THB"),
        ("45.50", "USD"),
        ("5.00", None),
        ("9.00", "MYR"),
        ("1250.00", "THB"),
    ]


def test_a_number_alone_on_its_line_is_labelled_by_the_line_above() -> None:
    found = find_amounts("จำนวน:\n1,250.00 บาท\nค่าธรรมเนียม:\n5.00 บาท")
    assert [(a.label, label_class(a.label)) for a in found] == [
        ("จำนวน:", AmountLabel.AMOUNT),
        ("ค่าธรรมเนียม:", AmountLabel.EXCLUDED),
    ]


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("grand total", AmountLabel.TOTAL),
        ("total due", AmountLabel.TOTAL),
        ("total (incl. vat)", AmountLabel.TOTAL),
        ("จำนวนเงินรวมทั้งสิ้น", AmountLabel.TOTAL),
        ("ยอดสุทธิ 5 ชิ้น", AmountLabel.TOTAL),
        ("subtotal", AmountLabel.EXCLUDED),
        ("vat 7%", AmountLabel.EXCLUDED),
        ("ภาษีมูลค่าเพิ่ม 7%", AmountLabel.EXCLUDED),
        ("เงินทอน", AmountLabel.EXCLUDED),
        ("cash", AmountLabel.EXCLUDED),
        ("fee", AmountLabel.EXCLUDED),
        ("จำนวนเงิน", AmountLabel.AMOUNT),
        ("total", AmountLabel.WEAK_TOTAL),
        ("รวมเงิน", AmountLabel.WEAK_TOTAL),
        ("flat white 2", AmountLabel.NONE),
    ],
)
def test_labels(label: str, kind: AmountLabel) -> None:
    assert label_class(label) is kind


# --- the rules on documents ---------------------------------------------------------------


def test_a_thai_slip() -> None:
    money = extract_money(SLIP_TH, today=TODAY)
    assert money is not None
    assert money.as_dict() == {
        "amount": "12500.00",
        "currency": "THB",
        "date": "2025-06-02",
        "counterparty": "บริษัท สยามพร็อพเพอร์ตี้ จำกัด",
        "reference": "015153143512ATF05123",
        "kind": "transfer",
    }


def test_a_thai_receipt_names_its_merchant_without_the_branch() -> None:
    money = extract_money(RECEIPT_TH, today=TODAY)
    assert money is not None
    assert (money.kind, money.amount, money.date) == (
        MoneyKind.RECEIPT,
        Decimal("195.00"),
        date(2025, 3, 14),
    )
    assert money.counterparty == "บริษัท สยามคอฟฟี่ จำกัด"


def test_an_english_invoice_takes_the_total_due_not_the_subtotal_or_vat() -> None:
    money = extract_money(INVOICE_EN, today=TODAY, default_currency="THB")
    assert money is not None
    assert money.as_dict() == {
        "amount": "154080.00",
        "currency": "THB",
        "date": "2025-03-14",
        "counterparty": "ACME CONSULTING LTD",
        "reference": "INV-2025-0314",
        "kind": "invoice",
    }


def test_an_english_receipt_without_a_currency_mark_needs_a_default() -> None:
    assert extract_money(RECEIPT_EN, today=TODAY) is None
    money = extract_money(RECEIPT_EN, today=TODAY, default_currency="THB")
    assert money is not None and (money.amount, money.reference) == (Decimal("355.00"), "000482")
    assert money.counterparty == "CHIANG MAI COFFEE ROASTERS"


@pytest.mark.parametrize("text", [REPORT_EN, LEASE_TH], ids=["sales-report", "lease"])
def test_documents_that_are_not_payments_get_no_record(text: str) -> None:
    assert extract_money(text, today=TODAY, default_currency="THB") is None


def test_an_invoice_from_a_business_names_the_business() -> None:
    text = (
        "Invoice 2025-031 from Acme Consulting Ltd.\n"
        "Consulting services for March 2025: 40 hours at 2,000 THB.\n"
        "Total due: 80,000 THB by 30 April 2025."
    )
    money = extract_money(text, today=TODAY)
    assert money is not None
    assert (money.amount, money.counterparty, money.kind) == (
        Decimal("80000.00"),
        "Acme Consulting Ltd",
        MoneyKind.INVOICE,
    )


def test_a_receipt_with_change_and_vat_lines() -> None:
    text = """7-ELEVEN
CP ALL PUBLIC COMPANY LIMITED
ใบเสร็จรับเงิน/ใบกำกับภาษีอย่างย่อ
1 น้ำดื่ม 600ML 7.00
2 กาแฟกระป๋อง 50.00
ยอดสุทธิ 3 ชิ้น 57.00
เงินสด 100.00
เงินทอน 43.00
VATABLE 53.27
VAT 7% 3.73
R#0001234 12/02/25 14:35
"""
    money = extract_money(text, today=TODAY)
    assert money is not None
    assert (money.amount, money.kind, money.date, money.reference) == (
        Decimal("57.00"),
        MoneyKind.RECEIPT,
        date(2025, 2, 12),
        "0001234",
    )


def test_an_unlabelled_slip_amount_counts_only_when_it_is_alone() -> None:
    alone = "โอนเงินสำเร็จ\n12 ก.พ. 68 14:35 น.\n1,250.00 บาท\n"
    money = extract_money(alone, today=TODAY)
    assert money is not None and money.amount == Decimal("1250.00")
    two = "โอนเงินสำเร็จ\n12 ก.พ. 68 14:35 น.\n1,250.00 บาท\n980.00 บาท\n"
    assert extract_money(two, today=TODAY) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "โอนเงินสำเร็จ\n12 ก.พ. 68\nเลขที่รายการ: 0150431435",  # no amount
        "เมนู\nอเมริกาโน่ 55.00\nลาเต้ 65.00\nชาเขียว 60.00",  # many amounts, no kind
        "Receipt\n12.00 13.00 14.00 15.00\n",  # a receipt whose amounts say nothing
        "ใบเสร็จ ใบเสร็จ ใบเสร็จ\n" + "฿฿฿ 00,000.0 ..,, ;;\n" * 50,  # garbage OCR
        "%$#@!" * 2000,
        "1,250.00 " * 5000,
    ],
    ids=["empty", "no-amount", "price-list", "unlabelled", "garbage", "symbols", "numbers"],
)
def test_no_record_rather_than_a_wrong_one(text: str) -> None:
    assert extract_money(text, today=TODAY, default_currency="THB") is None


def test_kind_words() -> None:
    assert document_kind("ใบกำกับภาษี/ใบเสร็จรับเงิน") is MoneyKind.RECEIPT  # tax invoice/receipt: paid
    assert document_kind("ใบกำกับภาษี\nครบกำหนดชำระ 14 มี.ค. 2568") is MoneyKind.INVOICE
    assert document_kind("ใบกำกับภาษีอย่างย่อ") is MoneyKind.RECEIPT
    assert document_kind("Transfer successful") is MoneyKind.TRANSFER
    assert document_kind("Quarterly report") is None


# --- payment QR codes ---------------------------------------------------------------------


def test_crc16_is_ccitt_false() -> None:
    assert crc16("123456789") == "29B1"  # the standard check value


def test_slip_verify_payload() -> None:
    qr = read_payment_qr(slip_qr("004", "015043143510ATF01234"))
    assert qr == PaymentQr(kind=SLIP_VERIFY, reference="015043143510ATF01234", bank_code="004")
    assert qr.bank == "Kasikornbank"
    assert PaymentQr.from_metadata(qr.as_metadata()) == qr


def test_truemoney_payload() -> None:
    qr = read_payment_qr(truemoney_qr("50001234567890", "20022025"))
    assert qr is not None and qr.kind == TRUEMONEY_SLIP
    assert (qr.reference, qr.date) == ("50001234567890", date(2025, 2, 20))


def test_promptpay_payload_with_an_amount() -> None:
    target = "0066812345678"
    tag29 = f"0016A00000067701011101{len(target):02d}{target}"
    payload = with_crc(
        "000201010212" + f"29{len(tag29):02d}{tag29}" + "5303764540550.255802TH", "63"
    )
    qr = read_payment_qr(payload)
    assert qr is not None and qr.kind == PROMPTPAY
    assert (qr.target, qr.amount, qr.currency) == (target, Decimal("50.25"), "THB")


@pytest.mark.parametrize(
    "payload",
    [
        slip_qr("004", "015043143510ATF01234")[:-1] + "0",  # a wrong CRC
        "https://example.com/0006000001",
        "00990000",
        "0004abc",
        "",
        "x" * 10_000,
        "๑๒๓๔",
    ],
)
def test_what_is_not_a_payment_qr(payload: str) -> None:
    assert read_payment_qr(payload) is None


def test_the_slip_qr_reference_beats_the_ocr_one() -> None:
    qr = read_payment_qr(slip_qr("014", "2025021214352712345"))
    text = SLIP_TH.replace("015153143512ATF05123", "O15I53I435I2ATFO5I23")  # OCR confusions
    money = extract_money(text, today=TODAY, qr=qr)
    assert money is not None and money.reference == "2025021214352712345"


# --- validating a proposal, spellings, the name ---------------------------------------------


def test_a_proposal_is_held_to_the_schema() -> None:
    good = {
        "amount": "1,250.00",
        "currency": "thb",
        "date": "2025-02-12",
        "counterparty": " นาง สมหญิง\u202e รักดี ",
        "reference": "015043143510ATF01234",
        "kind": "transfer",
    }
    money = money_from_mapping(good, today=TODAY)
    assert money is not None
    assert money.as_dict() == {
        "amount": "1250.00",
        "currency": "THB",
        "date": "2025-02-12",
        "counterparty": "นาง สมหญิง รักดี",
        "reference": "015043143510ATF01234",
        "kind": "transfer",
    }
    assert money_from_mapping({**good, "currency": "BAHT"}) is None
    assert money_from_mapping({**good, "currency": "XYZ"}) is None
    assert money_from_mapping({**good, "amount": "about a thousand"}) is None
    assert money_from_mapping({**good, "kind": "gift"}) is None
    # A bad date, reference or counterparty costs that field, not the record.
    partial = money_from_mapping(
        {**good, "date": "2568-02-12", "reference": "../../etc", "counterparty": 12}, today=TODAY
    )
    assert partial is not None
    assert (partial.date, partial.reference, partial.counterparty) == (None, None, None)
    assert money_from_mapping({**good, "date": "2025-02-30"}, today=TODAY).date is None  # type: ignore[union-attr]


def test_spellings_and_search_words() -> None:
    money = Money(Decimal("1250.00"), "THB", MoneyKind.TRANSFER, reference="ABC12345")
    assert amount_spellings(money.amount) == ["1250.00", "1,250.00", "1250", "1,250"]
    words = search_words(money).split()
    for word in ("transfer", "โอนเงิน", "1250", "1,250.00", "THB", "baht", "บาท", "ABC12345"):
        assert word in words
    assert amount_spellings(Decimal("99.50")) == ["99.50"]


def test_describe_in_both_languages() -> None:
    money = Money(
        Decimal("1250"), "THB", MoneyKind.TRANSFER, date(2025, 2, 12), "นาง สมหญิง รักดี", "R123"
    )
    english, thai = describe(money).split("\n")
    assert english == "Transfer of 1,250.00 THB to นาง สมหญิง รักดี on 12 Feb 2025, reference R123."
    assert thai == "โอนเงิน 1,250.00 บาท ให้ นาง สมหญิง รักดี วันที่ 12 ก.พ. 2568 เลขที่อ้างอิง R123"


@pytest.mark.parametrize(
    ("money", "original", "expected"),
    [
        (
            Money(
                Decimal("1250"), "THB", MoneyKind.TRANSFER, date(2025, 2, 12), "นาย Somchai Jaidee"
            ),
            "IMG_0001.JPG",
            "2025-02-12_transfer_1250-THB_somchai-jaidee.jpg",
        ),
        (
            Money(
                Decimal("10700.5"), "THB", MoneyKind.INVOICE, None, "Bright Pixel Studio Co., Ltd."
            ),
            "scan.pdf",
            "2025-03-01_invoice_10700.50-THB_bright-pixel-studio.pdf",
        ),
        (
            Money(
                Decimal("132"), "THB", MoneyKind.RECEIPT, date(2025, 2, 12), "บริษัท สยามคอฟฟี่ จำกัด"
            ),
            "../../x/receipt.png\u202e",
            "2025-02-12_receipt_132-THB_สยามคอฟฟี่.png",
        ),
        (
            Money(Decimal("5"), "USD", MoneyKind.RECEIPT, date(2025, 2, 12), "/../ CON"),
            "a.exe.",
            "2025-02-12_receipt_5-USD_con.exe",
        ),
    ],
)
def test_money_filename(money: Money, original: str, expected: str) -> None:
    assert money_filename(money, date(2025, 3, 1), original) == expected


# --- settling the record onto the AI result --------------------------------------------------


def _ai(provider: str = "local", money: Money | None = None, language: str = "th") -> AiMetadata:
    return AiMetadata(
        suggested_filename="2025-07-01_slip.jpg",
        summary="โอนเงินสำเร็จ",
        tags=["โอนเงินสำเร็จ"],
        language=language,
        provider=provider,
        model="m",
        money=money,
    )


def _settle(ai: AiMetadata, text: str, metadata: dict[str, object] | None = None) -> AiMetadata:
    return settle_money(
        ai,
        text,
        metadata or {},
        original_filename="slip.jpg",
        dated=date(2025, 6, 2),
        today=TODAY,
        default_currency="THB",
    )


def test_the_rules_give_the_local_provider_its_record_name_tags_and_summary() -> None:
    settled = _settle(_ai(), SLIP_TH)
    assert settled.money is not None and settled.money.amount == Decimal("12500.00")
    assert settled.suggested_filename == "2025-06-02_transfer_12500-THB_สยามพร็อพเพอร์ตี้.jpg"
    assert settled.tags[-2:] == ["transfer", "โอนเงิน"]
    assert settled.summary is not None and settled.summary.startswith("โอนเงิน 12,500.00 บาท ให้")


def test_a_grounded_llm_proposal_wins_and_is_completed_by_the_rules() -> None:
    proposal = Money(Decimal("12500"), "THB", MoneyKind.TRANSFER, counterparty="Siam Property")
    settled = _settle(_ai("gemini", proposal, "en"), SLIP_TH)
    assert settled.money is not None
    assert settled.money.counterparty == "Siam Property"  # the LLM's
    assert settled.money.date == date(2025, 6, 2)  # filled by the rules
    assert settled.money.reference == "015153143512ATF05123"
    # An LLM's name, summary and tags are its own.
    assert (settled.suggested_filename, settled.summary, settled.tags) == (
        "2025-07-01_slip.jpg",
        "โอนเงินสำเร็จ",
        ["โอนเงินสำเร็จ"],
    )


def test_an_ungrounded_llm_proposal_is_dropped_for_the_rules() -> None:
    invented = Money(Decimal("99999"), "USD", MoneyKind.INVOICE)
    settled = _settle(_ai("gemini", invented), SLIP_TH)
    assert settled.money is not None
    assert (settled.money.amount, settled.money.kind) == (Decimal("12500.00"), MoneyKind.TRANSFER)


def test_no_record_leaves_the_ai_result_alone() -> None:
    ai = _ai("ollama", Money(Decimal("5"), "THB", MoneyKind.RECEIPT))
    settled = _settle(ai, REPORT_EN)
    assert settled.money is None
    assert (settled.suggested_filename, settled.tags) == (ai.suggested_filename, ai.tags)


def test_the_slip_qr_in_metadata_gives_the_reference() -> None:
    qr = read_payment_qr(slip_qr("004", "015999999999ATF00001"))
    assert qr is not None
    settled = _settle(_ai(), SLIP_TH, {QR_SECTION: [qr.as_metadata()], "other": 1})
    assert settled.money is not None and settled.money.reference == "015999999999ATF00001"


def test_the_record_survives_a_round_trip_through_the_stored_json() -> None:
    settled = _settle(_ai(), SLIP_TH)
    again = AiMetadata.from_dict(settled.as_dict())
    assert again == settled
    assert AiMetadata.from_dict({**settled.as_dict(), "money": {"amount": "x"}}).money is None  # type: ignore[union-attr]


def test_an_llm_answer_carries_a_checked_money_proposal() -> None:
    import json

    from drive2.adapters.ai.prompt import INSTRUCTIONS, validate_answer

    assert '"money"' in INSTRUCTIONS and "transfer|receipt|invoice" in INSTRUCTIONS
    answer = {
        "suggested_filename": "2025-02-12 transfer.png",
        "summary": "A transfer slip.",
        "tags": ["transfer"],
        "language": "en",
        "money": {
            "amount": "1,250.00",
            "currency": "THB",
            "kind": "transfer",
            "date": "2025-02-12",
        },
    }
    validated = validate_answer(json.dumps(answer), "slip.png")
    assert validated.money is not None and validated.money.amount == Decimal("1250.00")
    assert validated.to_metadata("gemini", "m").money == validated.money
    # A bad proposal costs the proposal, never the answer.
    for bad in ({"amount": "lots", "currency": "THB", "kind": "transfer"}, "1250 baht", [1]):
        kept = validate_answer(json.dumps({**answer, "money": bad}), "slip.png")
        assert kept.money is None and kept.summary == "A transfer slip."
    assert validate_answer(json.dumps({**answer, "money": None}), "slip.png").money is None


def test_the_rerun_settler_keeps_the_record_the_stored_text_no_longer_yields() -> None:
    from dataclasses import replace as with_

    from drive2.pipeline.money.record import MoneySettler
    from tests.support.media import file_record

    previous = Money(Decimal("3500"), "THB", MoneyKind.TRANSFER, date(2025, 2, 12), "X", "R1234")
    qr = read_payment_qr(slip_qr("014", "2025021214352712345"))
    assert qr is not None
    record = with_(
        file_record("slip.png"),
        metadata={QR_SECTION: [qr.as_metadata()]},
        ai=_ai(money=previous),
        document_date=date(2025, 2, 12),
    )
    settle = MoneySettler(default_currency="THB")
    # The stored text lost the amount the rows reading had: the rules find none in it.
    kept = settle(_ai("gemini"), record, "โอนเงินสำเร็จ\nจำนวนเงิน\nรหัสอ้างอิง:")
    assert kept.money is not None and kept.money.amount == Decimal("3500.00")
    assert kept.provider == "gemini"
    # Where the text states it, the rules' record (with the QR code's reference) wins.
    fresh = settle(_ai(), record, SLIP_TH)
    assert fresh.money is not None and fresh.money.amount == Decimal("12500.00")
    assert fresh.money.reference == "2025021214352712345"


def test_a_due_date_is_not_the_record_date() -> None:
    text = "ใบแจ้งหนี้\nวันที่ 12 A.W. 2568\nครบกำหนดชำระ 14 มี.ค. 2568\nจำนวนเงินรวมทั้งสิ้น 5,350.00"
    money = extract_money(text, today=TODAY)  # OCR lost the issue date's month
    assert money is not None and money.amount == Decimal("5350.00") and money.date is None


def test_rows_read_with_wide_gaps_keep_their_labels() -> None:
    gap = " " * 45
    text = (
        f"ใบกำกับภาษี / ใบแจ้งหนี้\nวันที่{gap}12 ก.พ. 2568\n"
        f"ครบกำหนดชำระ{gap}14 มี.ค. 2568\nจำนวนเงินรวมทั้งสิ้น{gap}5,350.00"
    )
    money = extract_money(text, today=TODAY)
    assert money is not None and money.date == date(2025, 2, 12)
    no_issue_date = text.replace("12 ก.พ. 2568", "12 A.W. 2568")  # OCR lost the month
    again = extract_money(no_issue_date, today=TODAY)
    assert again is not None and again.date is None  # not the due date
