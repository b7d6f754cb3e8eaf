"""Hybrid fusion and the per-model calibration it reads (pure functions, no I/O)."""

from __future__ import annotations

import pytest

from drive2.services.search_calibration import (
    CALIBRATIONS,
    CAUTIOUS,
    Script,
    calibration_for,
    query_script,
)
from drive2.services.search_fusion import Hit, fuse, semantic_strength, trusted_semantic

MINILM = CALIBRATIONS["all-MiniLM-L6-v2"]
E5 = CALIBRATIONS["multilingual-e5-small"]


@pytest.mark.parametrize(
    ("query", "script"),
    [
        ("sourdough bread", Script.LATIN),
        ("ค่าไฟฟ้าเดือนนี้", Script.THAI),
        ("ใบเสร็จ 7-Eleven", Script.THAI),  # more Thai letters than Latin ones
        ("IMG_5195", Script.LATIN),
        ("1234", Script.LATIN),
        ("счёт за электричество", Script.OTHER),
        ("café crème", Script.LATIN),
    ],
)
def test_query_script(query: str, script: Script) -> None:
    assert query_script(query) is script


def test_each_model_has_its_own_scale_and_unknown_models_are_read_cautiously() -> None:
    assert E5.floor > MINILM.strong  # e5's cosines sit far higher than MiniLM's
    assert Script.THAI in E5.scripts and Script.THAI not in MINILM.scripts
    assert calibration_for("some-new-model") is CAUTIOUS
    assert CAUTIOUS.scripts == frozenset({Script.LATIN})
    for cal in (*CALIBRATIONS.values(), CAUTIOUS):
        assert 0 < cal.zero < cal.floor < cal.strong < 1 and 0 < cal.weight < 1
        assert semantic_strength(cal.zero, cal) == 0.0
        assert 0 < semantic_strength(cal.floor, cal) < 1
        assert semantic_strength(cal.strong, cal) == 1.0
        assert semantic_strength(0.99, cal) == 1.0


def test_semantic_hits_below_the_floor_or_in_an_unread_script_are_not_evidence() -> None:
    hits = [Hit("a", MINILM.floor + 0.2), Hit("b", MINILM.floor - 0.01)]
    assert [h.file_id for h in trusted_semantic(hits, MINILM, Script.LATIN)] == ["a"]
    assert trusted_semantic(hits, MINILM, Script.THAI) == []
    # Nothing about the query anywhere: nothing found.
    assert fuse([], [Hit("x", MINILM.floor - 0.01)], MINILM, Script.LATIN) == []


def test_below_the_floor_meaning_still_ranks_files_that_share_the_words() -> None:
    near = E5.floor - 0.01  # above the zero point, below the floor
    keyword = [Hit("a", 5.0), Hit("b", 5.0)]
    fused = fuse(keyword, [Hit("b", near), Hit("c", near)], E5, Script.LATIN)
    assert [f.file_id for f in fused] == ["b", "a"]  # c: by meaning alone, under the floor
    assert fused[0].matched == ("keyword",) and fused[0].semantic == near


def test_noise_from_a_model_that_cannot_read_the_query_leaves_the_keyword_order() -> None:
    keyword = [Hit("k1", 9.0), Hit("k2", 4.0), Hit("k3", 1.0)]
    noise = [Hit("k3", 0.9), Hit("n1", 0.85), Hit("k2", 0.8)]  # high cosines, but Thai
    fused = fuse(keyword, noise, MINILM, Script.THAI)
    assert [f.file_id for f in fused] == ["k1", "k2", "k3"]
    assert all(f.matched == ("keyword",) and f.semantic is None for f in fused)


def test_agreement_beats_a_single_side_and_matched_says_which_sides() -> None:
    keyword = [Hit("only-words", 10.0), Hit("both", 9.5)]
    semantic = [Hit("both", 0.62), Hit("only-meaning", 0.61)]
    fused = fuse(keyword, semantic, MINILM, Script.LATIN)
    assert fused[0].file_id == "both"
    assert fused[0].matched == ("keyword", "semantic")
    assert fused[0].keyword == 9.5 and fused[0].semantic == 0.62
    by_id = {f.file_id: f for f in fused}
    assert by_id["only-words"].matched == ("keyword",)
    assert by_id["only-meaning"].matched == ("semantic",)
    assert [f.score for f in fused] == sorted((f.score for f in fused), reverse=True)
    assert all(0.0 <= f.score <= 1.0 for f in fused)


def test_a_clear_keyword_winner_beats_a_file_barely_nearer_by_meaning() -> None:
    keyword = [Hit("clear", 20.0), Hit("b", 2.0), Hit("c", 1.9), Hit("d", 1.8)]
    semantic = [Hit("c", 0.86), Hit("d", 0.859), Hit("b", 0.858), Hit("clear", 0.855)]
    assert fuse(keyword, semantic, E5, Script.LATIN)[0].file_id == "clear"


def test_a_clear_semantic_winner_beats_a_file_barely_ahead_by_words() -> None:
    keyword = [Hit("a", 10.0), Hit("clear", 9.5)]
    semantic = [Hit("clear", 0.92), Hit("a", 0.79)]
    assert fuse(keyword, semantic, E5, Script.THAI)[0].file_id == "clear"


def test_only_one_side_answering_gives_that_sides_order() -> None:
    semantic = [Hit("a", 0.9), Hit("b", 0.86), Hit("c", 0.84), Hit("d", 0.79)]
    assert [f.file_id for f in fuse([], semantic, E5, Script.THAI)] == ["a", "b", "c"]
    keyword = [Hit("x", 3.0), Hit("y", 2.0)]
    assert [f.file_id for f in fuse(keyword, [], E5, Script.THAI)] == ["x", "y"]


def test_an_answer_in_another_language_is_read_with_the_models_cross_language_gap() -> None:
    from drive2.services.search_fusion import across_scripts

    # A Thai question: a Thai bill is nearer by raw cosine than the English invoice it asks for.
    hits = [Hit("thai-bill", 0.843), Hit("english-invoice", 0.832), Hit("nothing", 0.70)]
    chunks = {"thai-bill": "ใบแจ้งค่าไฟฟ้า", "english-invoice": "Invoice for tax advice"}
    lifted = across_scripts(hits, chunks, E5, Script.THAI)
    assert [h.file_id for h in lifted] == ["english-invoice", "thai-bill", "nothing"]
    assert lifted[0].score == pytest.approx(0.832 + E5.cross_script)
    # MiniLM has no such gap to correct (and reads no Thai at all).
    assert across_scripts(hits, chunks, MINILM, Script.THAI) == hits


def test_meaning_alone_far_below_the_best_word_match_is_left_out() -> None:
    keyword = [Hit("words", 8.0)]
    faint, strong = E5.floor + 0.01, E5.strong
    fused = fuse(keyword, [Hit("words", strong), Hit("faint", faint)], E5, Script.LATIN)
    assert [f.file_id for f in fused] == ["words"]
    # Strong enough by meaning, it stays beside the word match.
    fused = fuse(keyword, [Hit("close", strong), Hit("words", faint)], E5, Script.LATIN)
    assert {f.file_id for f in fused} == {"words", "close"}
    # With no word match at all, meaning alone decides: nothing is cut.
    assert [f.file_id for f in fuse([], [Hit("faint", faint)], E5, Script.LATIN)] == ["faint"]


def test_across_languages_meaning_leads_and_borrowed_words_follow() -> None:
    from drive2.services.search_fusion import in_other_script

    # An English question over Thai files: the words match only a name another Thai file
    # borrows; the answer, by meaning, is a Thai file.
    keyword = [Hit("borrowed-name", 6.0)]
    semantic = [Hit("answer", 0.88), Hit("borrowed-name", 0.81)]
    chunks = {"answer": "แพนเธอร์สชนะ 24 ต่อ 10", "borrowed-name": "ทีมเดนเวอร์ บรองโกส์ (Broncos)"}
    crossed = in_other_script(semantic, chunks, Script.LATIN)
    assert crossed == {"answer", "borrowed-name"}
    assert fuse(keyword, semantic, E5, Script.LATIN)[0].file_id == "borrowed-name"
    fused = fuse(keyword, semantic, E5, Script.LATIN, crossed=crossed)
    assert [f.file_id for f in fused] == ["answer", "borrowed-name"]
    # In one language the model's own weight stands: the word match keeps first place.
    same = fuse(keyword, semantic, E5, Script.LATIN, crossed=frozenset({"borrowed-name"}))
    assert same[0].file_id == "borrowed-name"
