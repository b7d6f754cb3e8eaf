"""Money on slips, receipts and invoices through the real pipeline and the API.

Pictures rendered with Thai fonts (PNG and JPEG), PDFs with a text layer and a scanned PDF
go through upload -> tesseract OCR -> document date -> local AI -> money -> embedding
(container.runner.run, as the worker runs it); the API then shows ``ai.money``, the
suggested name, the tags, the stage record, and finds the files by Thai and English
searches. Documents that record no payment get no record.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drive2.api.app import create_app
from drive2.config import Settings
from tests.integration.test_search_api import add, find, ids, make_container
from tests.support import documents as docs
from tests.support import money_docs as m
from tests.support.api import register_and_login
from tests.support.files import pdf_with_text
from tests.support.images import THAI_FONT, render_text
from tests.support.images import png_bytes as plain_png
from tests.support.services import fresh_postgres_database

#: (file name, document, how it is stored)
UPLOADS: list[tuple[str, m.MoneyDoc, str]] = [
    ("kbank.png", m.kbank_slip(), "png"),
    ("scb.jpg", m.scb_slip(), "jpeg"),
    ("krungthai.png", m.krungthai_slip(), "png"),
    ("promptpay.jpg", m.promptpay_payment(), "jpeg"),
    ("truemoney.png", m.truemoney_slip(), "png"),
    ("7-eleven.jpg", m.seven_eleven_receipt(), "jpeg"),
    ("invoice.pdf", m.english_invoice(), "pdf"),
    ("tax-invoice.pdf", m.thai_tax_invoice(), "pdf"),
    ("scb-scan.pdf", m.scb_slip(), "scanned-pdf"),
]


def _bytes(doc: m.MoneyDoc, how: str) -> bytes:
    if how == "png":
        return m.png_bytes(doc)
    if how == "jpeg":
        return m.jpeg_bytes(doc)
    if how == "pdf":
        return m.pdf_bytes(doc)
    return m.scanned_pdf_bytes(doc)


def _settings(root: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DRIVE2_DATA_DIR": root / "data",
        "JWT_SECRET": "test-secret-" + "x" * 40,
        "STORAGE_FSYNC": False,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


#: What a bad photo of a receipt reads as: money words and marks, numbers that say nothing.
NOISE = ["ใบเสร็จ ฿฿ 00,0 .. total ,,", "x9 ;; 1,2.3 ยอด ..,", "Receipt 12.00 13.00 14.00"]

Library = tuple[TestClient, dict[str, str], dict[str, str]]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    container = make_container(_settings(tmp_path_factory.mktemp("money")))
    with TestClient(create_app(container)) as client:
        headers = register_and_login(client)
        files = {name: add(client, headers, name, _bytes(doc, how)) for name, doc, how in UPLOADS}
        hostile = {
            "no-amount.png": m.png_bytes(m.no_amount_slip()),
            "price-list.png": m.png_bytes(m.price_list()),
            "noise.png": plain_png(render_text(NOISE, font=THAI_FONT)),
            "report.pdf": pdf_with_text(docs.REPORT_EN),
            "lease.txt": docs.LEASE_TH.encode(),
        }
        for name, data in hostile.items():
            files[name] = add(client, headers, name, data)
        yield client, headers, files
    container.close()


def _file(client: TestClient, headers: dict[str, str], file_id: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/files/{file_id}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize(("name", "doc", "how"), UPLOADS, ids=[u[0] for u in UPLOADS])
def test_the_file_gets_its_money_record(
    library: Library, name: str, doc: m.MoneyDoc, how: str
) -> None:
    client, headers, files = library
    body = _file(client, headers, files[name])
    money = body["ai"]["money"]
    assert money is not None, body["text_excerpt"]
    assert {key: money[key] for key in doc.expected} == doc.expected
    for word in doc.party_words:
        assert word.lower() in (money["counterparty"] or "").lower()
    expected = doc.expected
    whole = str(expected["amount"]).removesuffix(".00")
    assert body["ai"]["suggested_filename"].startswith(
        f"{expected['date']}_{expected['kind']}_{whole}-THB_"
    )
    assert body["document_date"] == expected["date"]
    assert expected["kind"] in body["tags"]
    stages = {
        s["name"]: s
        for s in client.get(f"/api/v1/files/{files[name]}/status", headers=headers).json()["stages"]
    }
    assert stages["money"]["outcome"] == "done"
    assert stages["money"]["duration_ms"] >= 0


def test_slip_qr_codes_are_read_into_the_metadata(library: Library) -> None:
    client, headers, files = library
    kbank = _file(client, headers, files["kbank.png"])["metadata"]["payment_qr"]
    assert kbank == [
        {
            "kind": "slip_verify",
            "reference": "015043143510ATF01234",
            "bank_code": "004",
            "bank": "Kasikornbank",
        }
    ]
    truemoney = _file(client, headers, files["truemoney.png"])["metadata"]["payment_qr"]
    assert truemoney[0]["kind"] == "truemoney_slip" and truemoney[0]["date"] == "2025-02-20"
    assert "payment_qr" not in _file(client, headers, files["krungthai.png"])["metadata"]


@pytest.mark.parametrize(
    "name", ["no-amount.png", "price-list.png", "noise.png", "report.pdf", "lease.txt"]
)
def test_no_record_where_no_payment_is_stated(library: Library, name: str) -> None:
    client, headers, files = library
    body = _file(client, headers, files[name])
    assert body["status"] == "completed"
    assert body["ai"] is None or body["ai"].get("money") is None


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("1250", "kbank.png"),
        ("1,250.00", "kbank.png"),
        ("โอนเงิน 1,250 บาท", "kbank.png"),
        ("transfer 1250 baht", "kbank.png"),
        ("5350", "tax-invoice.pdf"),
        ("invoice 10700", "invoice.pdf"),
        ("ใบเสร็จ 132 บาท", "7-eleven.jpg"),
        ("780.50", "krungthai.png"),
        ("slip 500 baht", "truemoney.png"),
    ],
)
def test_searches_in_thai_and_english_find_the_document(
    library: Library, query: str, wanted: str
) -> None:
    """The keyword side: the amount as people type it, the kind and the currency in both
    languages are indexed (the hybrid ranking also depends on the embedder in use)."""
    client, headers, files = library
    found = ids(find(client, headers, query, mode="keyword"))
    names = {file_id: name for name, file_id in files.items()}
    assert found and found[0] == files[wanted], [names[f] for f in found[:5]]


def test_the_money_description_reaches_semantic_search(library: Library) -> None:
    client, headers, files = library
    # The English line of the description the money stage embeds with the slip.
    found = ids(find(client, headers, "Transfer of 1,250.00 THB to นาง สมหญิง รักดี", mode="semantic"))
    assert found[0] == files["kbank.png"]
    money_files = {files[name] for name, _, _ in UPLOADS}
    # A slip whose amount cannot be read is still a transfer slip by meaning.
    slips = money_files | {files["no-amount.png"]}
    names = {file_id: name for name, file_id in files.items()}
    top = ids(find(client, headers, "money transfer slip", mode="semantic"))[:3]
    assert set(top) <= slips, [names[f] for f in top]


@pytest.mark.services
def test_money_words_are_indexed_on_postgresql(tmp_path: Path) -> None:
    with fresh_postgres_database() as url:
        container = make_container(_settings(tmp_path, DATABASE_URL=url))
        try:
            with TestClient(create_app(container)) as client:
                headers = register_and_login(client)
                slip = add(client, headers, "kbank.png", m.png_bytes(m.kbank_slip()))
                invoice = add(client, headers, "invoice.pdf", m.pdf_bytes(m.english_invoice()))
                other = add(client, headers, "report.pdf", pdf_with_text(docs.REPORT_EN))
                assert _file(client, headers, slip)["ai"]["money"]["amount"] == "1250.00"
                assert ids(find(client, headers, "1250", mode="keyword")) == [slip]
                assert ids(find(client, headers, "transfer 1250 baht", mode="keyword"))[0] == slip
                assert ids(find(client, headers, "10700", mode="keyword")) == [invoice]
                assert other not in ids(find(client, headers, "1250", mode="keyword"))
        finally:
            container.close()
