"""Hybrid ranking: one score per file from its keyword (BM25) and semantic (cosine) evidence.

Calibrated score combination (CombSUM), chosen over reciprocal rank fusion, per-query
min-max / z-score normalisation and peak-dependent weights by measurement (bench/retrieval.py
prints every scheme tried, on the same two rankings):

- the keyword side is read relative to the query's best BM25 score (BM25 has no absolute
  scale: it grows with the query's length and its words' rarity);
- the semantic side is read on its model's absolute scale (search_calibration): a cosine at
  the model's zero point counts 0, one at its "strong" mark 1. A file found by meaning alone
  must reach the model's relevance floor, so a query about nothing in the drive finds
  nothing instead of the nearest files;
- a query in a script the model does not read gets no semantic side (MiniLM on Thai): the
  keyword order stands;
- a chunk in another script than the query's has its cosine raised by the model's measured
  cross-language gap, so that a Thai question finds the English answer before Thai text
  that is merely in Thai.

Rank fusion throws the scores away: a file first by a hair on one side and absent on the
other ties with a clear winner (an exact file name came second that way), and a side that is
noise (MiniLM on Thai) pulls as hard as one that is right.
"""

from __future__ import annotations

from dataclasses import dataclass

from drive2.services.search_calibration import ModelCalibration, Script, query_script

KEYWORD = "keyword"
SEMANTIC = "semantic"
#: A file matched by meaning alone is kept beside word matches when it scores at least this
#: share of the best result.
MEANING_ONLY_SHARE = 0.5
#: The semantic side's share when the best file by meaning is in another language than the
#: query: its words cannot match the query's, so the word side only finds borrowed names and
#: numbers (XQuAD English questions over Thai paragraphs: hybrid 0.71 at the model's weight,
#: 0.81 here; meaning alone 0.81).
CROSS_LANGUAGE_WEIGHT = 0.9
#: A query that was only a date ("เมษายน 2567"): the files of those days, latest first.
DATE = "date"


@dataclass(frozen=True)
class Hit:
    file_id: str
    score: float


@dataclass(frozen=True)
class Fused:
    file_id: str
    score: float  # 0..1
    keyword: float | None  # raw BM25, when the words matched
    semantic: float | None  # raw cosine of the best chunk, when it counted
    matched: tuple[str, ...]


def across_scripts(
    hits: list[Hit], chunks: dict[str, str], cal: ModelCalibration, script: Script
) -> list[Hit]:
    """Cosines of chunks in another script than the query's, raised by the model's
    cross-script gap (best first again)."""
    if not cal.cross_script:
        return hits
    crossed = in_other_script(hits, chunks, script)
    lifted = [
        Hit(h.file_id, h.score + cal.cross_script) if h.file_id in crossed else h for h in hits
    ]
    return sorted(lifted, key=lambda h: -h.score)


def in_other_script(hits: list[Hit], chunks: dict[str, str], script: Script) -> frozenset[str]:
    """The files whose best chunk is in another script than the query's."""
    return frozenset(
        h.file_id
        for h in hits
        if h.file_id in chunks and query_script(chunks[h.file_id]) is not script
    )


def semantic_strength(cosine: float, cal: ModelCalibration) -> float:
    """0 at the model's zero point, 1 from its "strong" mark on."""
    return min(1.0, max(0.0, (cosine - cal.zero) / (cal.strong - cal.zero)))


def trusted_semantic(hits: list[Hit], cal: ModelCalibration, script: Script) -> list[Hit]:
    """The semantic hits that stand on their own: the model reads the query and the hit
    reaches the relevance floor."""
    if script not in cal.scripts:
        return []
    return [h for h in hits if h.score >= cal.floor]


def fuse(
    keyword: list[Hit],
    semantic: list[Hit],
    cal: ModelCalibration,
    script: Script,
    weight: float | None = None,
    crossed: frozenset[str] = frozenset(),
) -> list[Fused]:
    """Both sides' hits (best first each) as one ranking, best first. A semantic hit counts
    from the model's zero point for a file that shares the query's words, from its floor for
    one that does not; none counts when the model cannot read the query. `crossed`: the
    files whose best chunk is in another script than the query's; when the best trusted
    hit by meaning is one of them, the question is across languages and meaning leads."""
    w = cal.weight if weight is None else weight
    best_meaning = next((h for h in semantic if h.score >= cal.floor), None)
    if weight is None and best_meaning is not None and best_meaning.file_id in crossed:
        w = max(w, CROSS_LANGUAGE_WEIGHT)
    words = {h.file_id: h.score for h in keyword}
    top = keyword[0].score if keyword and keyword[0].score > 0 else 0.0
    meaning = {}
    if script in cal.scripts:
        meaning = {
            h.file_id: h.score
            for h in semantic
            if h.score >= (cal.zero if h.file_id in words else cal.floor)
        }
    out = []
    for fid in dict.fromkeys([*words, *meaning]):
        k = words[fid] / top if fid in words and top else 0.0
        s = semantic_strength(meaning[fid], cal) if fid in meaning else 0.0
        matched = tuple(
            m
            for m, yes in (
                (KEYWORD, fid in words),
                (SEMANTIC, meaning.get(fid, 0.0) >= cal.floor),
            )
            if yes
        )
        out.append(Fused(fid, (1 - w) * k + w * s, words.get(fid), meaning.get(fid), matched))
    out.sort(key=lambda f: (-f.score, -(f.semantic or 0.0), f.file_id))
    # A file found by meaning alone, far below the best file the query's words found, is
    # the nearest of what is left rather than an answer. With no word match at all (a
    # question in the other language) meaning alone decides and nothing is cut.
    if any(KEYWORD in f.matched for f in out):
        best = out[0].score
        out = [f for f in out if KEYWORD in f.matched or f.score >= MEANING_ONLY_SHARE * best]
    return out
