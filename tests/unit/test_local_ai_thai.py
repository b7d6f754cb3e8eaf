"""Tags that are whole words and summaries without tables or boilerplate, on realistic Thai
and English documents, with the real packaged MiniLM and pythainlp."""

from __future__ import annotations

import functools
import re
from datetime import date

import numpy as np
import numpy.typing as npt
import pytest

from drive2.adapters.ai import segment
from drive2.adapters.ai.boilerplate import content_text, is_table_row
from drive2.adapters.ai.keyphrases import GENERIC_WORDS, THAI_GENERIC
from drive2.adapters.ai.local import LocalAiProvider
from drive2.adapters.ai.minilm import MiniLmEmbedder
from drive2.adapters.ai.segment import is_whole_thai_word, normalise, word_tokens
from drive2.domain.models import AiMetadata
from drive2.ports.embedder import reads_thai
from tests.support import documents as docs

TODAY = date(2025, 6, 20)
THAI = re.compile(r"[\u0e01-\u0e4e]")

#: Words of each Thai document that no tag may cut (checked by hand; newmm alone cuts some
#: of them: "ติด|ตั้งไฟ", "คอ|ฟ|ฟี่").
WHOLE_WORDS = {
    "slip_th": ["กสิกรไทย", "พร็อพเพอร์ตี้", "บันทึกช่วยจำ", "ค่าเช่า", "ไทยพาณิชย์", "สมชาย"],
    "lease_th": ["ผู้ให้เช่า", "ผู้เช่า", "ห้องชุด", "เงินประกัน", "ค่าไฟฟ้า", "ค่าน้ำประปา", "อาคารชุด"],
    "receipt_th": ["ใบเสร็จรับเงิน", "คอฟฟี่", "ครัวซองต์", "ภาษีมูลค่าเพิ่ม", "เคาน์เตอร์"],
    "article_th": ["ติดตั้ง", "จักรยาน", "กรุงเทพมหานคร", "ฝุ่นละออง", "สถานีรถไฟฟ้า", "ส่องสว่าง"],
    "meeting_th": ["งบประมาณ", "ออนไลน์", "ยอดขาย", "เชียงใหม่", "ขอนแก่น", "คณะกรรมการ"],
}
#: Tags that were wrong before and must never come back (fragments, labels, table words).
NEVER = {
    "chiang",
    "days",
    "due",
    "q4 total",
    "branch q3 total",
    "description hours amount",
    "ุพ",
    "เงินประกันสอง",
    "สำหรับห้องชุดเลขที่",
    "ข้อ",
    "วันที่",
    "ตั้งไฟส่องสว่าง",
    "ขอบคุณ",
}


@functools.cache
def embedder() -> MiniLmEmbedder:
    model = MiniLmEmbedder()
    model.embed(["warm up"])
    return model


@pytest.fixture(scope="module")
def provider() -> LocalAiProvider:
    return LocalAiProvider(embedder(), today=lambda: TODAY)


@functools.cache
def analysed(name: str) -> tuple[str, AiMetadata]:
    text = dict((n, t) for n, t, _ in docs.DOCUMENTS)[name]
    return text, LocalAiProvider(embedder(), today=lambda: TODAY).analyse(text, name + ".pdf", {})


def _occurrences(tag: str, text: str) -> list[tuple[int, int]]:
    pattern = r"\s+".join(re.escape(part) for part in tag.split())
    return [(m.start(), m.end()) for m in re.finditer(pattern, text.lower())]


NAMES = [name for name, _, _ in docs.DOCUMENTS]


@pytest.mark.parametrize("name", NAMES)
def test_tags_are_whole_words_of_the_text(name: str) -> None:
    text, result = analysed(name)
    tokens = word_tokens(text)
    starts = {t.start for t in tokens}
    ends = {t.end for t in tokens}
    phrases = [t for t in result.tags if not re.fullmatch(r"\d{4}", t)]
    assert 3 <= len(phrases) <= 8, result.tags
    for tag in phrases:
        assert tag not in NEVER, tag
        spots = _occurrences(tag, text)
        assert spots, f"{tag!r} is not in the text"
        gold = [g for word in WHOLE_WORDS.get(name, []) for g in _occurrences(word, text)]
        # A place where the tag is exactly a run of whole tokens of the text and cuts no
        # word the document is known to contain.
        whole = [
            (s, e)
            for s, e in spots
            if s in starts and e in ends and not any(ws < s < we or ws < e < we for ws, we in gold)
        ]
        assert whole, (tag, result.tags)
        if THAI.search(tag):
            assert is_whole_thai_word(tag), tag
            s, e = whole[0]
            inside = [t.text for t in tokens if s <= t.start and t.end <= e]
            # Never a label, a unit or a number word at either end ("เงินประกันสอง").
            assert inside[0] not in THAI_GENERIC and inside[-1] not in THAI_GENERIC, inside
        else:
            words = tag.split()
            assert words[0] not in GENERIC_WORDS and words[-1] not in GENERIC_WORDS, tag
            assert not any(ch.isdigit() for ch in tag), tag


@pytest.mark.parametrize("name", NAMES)
def test_summaries_skip_tables_and_boilerplate(name: str) -> None:
    text, result = analysed(name)
    assert result.summary, name
    summary = result.summary.lower()
    for phrase in ("paid by card", "thank you", "page 1", "confidential", "ขอบคุณ", "สแกน"):
        assert phrase not in summary, (name, result.summary)
    for header in ("description hours amount", "q3 total", "branch q3", "subtotal"):
        assert header not in summary, (name, result.summary)
    amounts = re.findall(r"\d[\d,]*\.\d\d(?!\d)", result.summary)
    assert len(amounts) <= 1, result.summary  # no rows of figures
    flat = normalise(text)
    for piece in re.split(r"(?<=[.!?])\s+", result.summary):
        # Every piece is the document's own words (a sentence, or a line of a form).
        assert piece.split()[0] in flat


def test_expected_tags_and_names() -> None:
    """What a person would tag these documents with is among the tags."""
    expectations = {
        "slip_th": ("2025-06-02_", {"กสิกรไทย", "บันทึกช่วยจำ"}),
        "lease_th": ("2025-03-01_สัญญา", {"ผู้เช่า", "ห้องชุด"}),
        "receipt_th": ("2025-03-14_ใบเสร็จรับเงิน", {"กาแฟลาเต้เย็น", "ครัวซองต์เนยสด"}),
        "article_th": ("2025-02-12_", {"เส้นทางจักรยาน", "ไฟส่องสว่าง"}),
        "meeting_th": ("2024-03-03_บันทึกการประชุม", {"งบประมาณการตลาด"}),
        "invoice_en": ("2025-03-14_tax-invoice", {"cloud hosting", "acme consulting"}),
        "receipt_en": ("2025-06-02_receipt", {"chiang mai coffee roasters"}),
        "report_en": ("2025-01-08_", {"chiang mai", "home delivery service"}),
        "article_en": ("2025-04-07_", {"night bus routes"}),
    }
    for name, (prefix, tags) in expectations.items():
        _, result = analysed(name)
        assert result.suggested_filename and result.suggested_filename.startswith(prefix), (
            name,
            result.suggested_filename,
        )
        assert tags <= set(result.tags), (name, result.tags)
        year = prefix[:4]
        assert year in result.tags  # the date tag comes from the date the content states


def test_the_thai_segmenter_keeps_words_whole() -> None:
    assert segment._thai_words("ติดตั้งไฟส่องสว่าง")[:2] == ["ติดตั้ง", "ไฟ"]
    assert "เงินประกัน" in segment._thai_words("ผู้เช่าได้วางเงินประกันสองเดือน")
    assert "คอฟฟี่" in segment._thai_words("ร้านกาแฟสยามคอฟฟี่")
    # OCR leaves stray marks: no token starts with one or ends on a leading vowel.
    for text in ("ใบเสร็จ ุพ ร้านกาแฟ", "ร้านกาแฟ่ ้ค่าเช่า", "เ ค่าไฟ"):
        for token in word_tokens(text):
            if THAI.search(token.text):
                assert not 0x0E31 <= ord(token.text[0]) <= 0x0E3A, token
                assert not 0x0E47 <= ord(token.text[0]) <= 0x0E4E, token
    assert not is_whole_thai_word("ุพ") and not is_whole_thai_word("เ")
    assert is_whole_thai_word("พาณิชย์") and is_whole_thai_word("ค่าเช่า")


def test_ocr_noise_never_becomes_a_tag(provider: LocalAiProvider) -> None:
    noisy = docs.SLIP_TH.replace("ธ.กสิกรไทย", "ธ.กสิกรไทย ุพ ่") + "\n ุพ ุพ ุพ ุพ\n"
    result = provider.analyse(noisy, "slip.jpg", {})
    for tag in result.tags:
        assert is_whole_thai_word(tag), result.tags


def test_boilerplate_lines() -> None:
    assert is_table_row("Flat white                2    120.00")
    assert is_table_row("Branch        Q3 total     Q4 total    Change")
    assert is_table_row("| a | b | c |")
    assert not is_table_row("The Chiang Mai branch benefited from the new delivery service.")
    cleaned = content_text(docs.REPORT_EN)
    assert len(cleaned) == len(docs.REPORT_EN)  # offsets kept
    assert "Confidential" not in cleaned and "Page 1 of 2" not in cleaned
    assert "Sales in the northern region grew" in cleaned
    receipt = content_text(docs.RECEIPT_EN)
    assert "Paid by card" not in receipt and "Please come again" not in receipt
    assert "single-origin beans" in receipt


def test_a_multilingual_embedder_embeds_thai(monkeypatch: pytest.MonkeyPatch) -> None:
    """With an embedder that reads Thai, Thai sentences are embedded, not weighed lexically;
    with MiniLM they are not sent to it."""
    assert not reads_thai(embedder())

    class Multilingual:
        multilingual = True
        model_name = "multilingual-test"

        def __init__(self, inner: MiniLmEmbedder) -> None:
            self.inner = inner
            self.dimension = inner.dimension
            self.embedded: list[str] = []

        def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
            self.embedded.extend(texts)
            return self.inner.embed(texts)

        def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
            return self.inner.embed_queries(texts)

        def count_tokens(self, text: str) -> int:
            return self.inner.count_tokens(text)

        def split_tokens(self, text: str, max_tokens: int, overlap: int) -> list[str]:
            return self.inner.split_tokens(text, max_tokens, overlap)

    wrapped = Multilingual(embedder())
    assert reads_thai(wrapped)
    result = LocalAiProvider(wrapped, today=lambda: TODAY).analyse(docs.ARTICLE_TH, "a.txt", {})
    assert any(THAI.search(t) for t in wrapped.embedded)
    assert result.summary and THAI.search(result.summary)

    class NamedOnly:
        model_name = "intfloat/multilingual-e5-small"

    assert reads_thai(NamedOnly())  # type: ignore[arg-type]
