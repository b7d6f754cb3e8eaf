"""Hybrid fusion schemes that bench/retrieval.py measures side by side on the same rankings.

Each takes both sides' raw rankings of one query (best first: BM25 scores, cosines) and
returns file ids best first. "calibrated, model's w (service)" is what SearchService does
(drive2.services.search_fusion); the others are the alternatives it was chosen over.
"gated": semantic hits only where they stand on their own (the model reads the query's
script, the cosine reaches the model's floor), as in the service.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from drive2.services.search_calibration import ModelCalibration, Script
from drive2.services.search_fusion import Hit, fuse, semantic_strength, trusted_semantic

Scheme = Callable[[list[Hit], list[Hit], ModelCalibration, Script], list[str]]


def _ranked(scores: dict[str, float]) -> list[str]:
    return [fid for fid, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]


def rrf(k: int = 60, w_keyword: float = 1.0, gate: bool = False) -> Scheme:
    """Reciprocal rank fusion; gate: semantic hits only when they are evidence (floor and
    script, as in the service)."""

    def scheme(kw: list[Hit], sem: list[Hit], cal: ModelCalibration, script: Script) -> list[str]:
        semantic = trusted_semantic(sem, cal, script) if gate else sem
        scores: dict[str, float] = {}
        for weight, side in ((w_keyword, kw), (1.0, semantic)):
            for rank, hit in enumerate(side, start=1):
                scores[hit.file_id] = scores.get(hit.file_id, 0.0) + weight / (k + rank)
        return _ranked(scores)

    return scheme


def _minmax(values: dict[str, float]) -> dict[str, float]:
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    return {k: (v - low) / (high - low) if high > low else 1.0 for k, v in values.items()}


def _zscore(values: dict[str, float]) -> dict[str, float]:
    if len(values) < 2:
        return dict.fromkeys(values, 1.0)
    mean, spread = statistics.fmean(values.values()), statistics.pstdev(values.values())
    return {k: (v - mean) / spread if spread else 0.0 for k, v in values.items()}


def combsum(norm: str, w_semantic: float = 0.5) -> Scheme:
    """Per-query normalised scores (min-max or z-score) summed, gated like the service."""
    normalise = _minmax if norm == "minmax" else _zscore

    def scheme(kw: list[Hit], sem: list[Hit], cal: ModelCalibration, script: Script) -> list[str]:
        k = normalise({h.file_id: h.score for h in kw})
        s = normalise({h.file_id: h.score for h in trusted_semantic(sem, cal, script)})
        floor_k = min(k.values(), default=0.0)
        floor_s = min(s.values(), default=0.0)
        scores = {
            fid: (1 - w_semantic) * k.get(fid, floor_k) + w_semantic * s.get(fid, floor_s)
            for fid in {*k, *s}
        }
        return _ranked(scores)

    return scheme


def calibrated(w_semantic: float | None = None) -> Scheme:
    """The service's fusion (weight: the model's own unless given)."""

    def scheme(kw: list[Hit], sem: list[Hit], cal: ModelCalibration, script: Script) -> list[str]:
        return [f.file_id for f in fuse(kw, sem, cal, script, w_semantic)]

    return scheme


def _peakedness(values: list[float]) -> float:
    """How far the best stands above the next three, 0..1."""
    if len(values) < 2 or values[0] <= 0:
        return 1.0 if values else 0.0
    rest = values[1:4]
    return max(0.0, min(1.0, (values[0] - sum(rest) / len(rest)) / values[0]))


def calibrated_peak(mix: float) -> Scheme:
    """The service's normalisation, each side's share scaled by how peaked its scores are
    (mix 0: fixed shares; 1: all by peakedness)."""

    def scheme(kw: list[Hit], sem: list[Hit], cal: ModelCalibration, script: Script) -> list[str]:
        sem = [h for h in sem if h.score >= cal.zero] if script in cal.scripts else []
        top = kw[0].score if kw and kw[0].score > 0 else 1.0
        k = {h.file_id: h.score / top for h in kw}
        s = {h.file_id: semantic_strength(h.score, cal) for h in sem}
        k_peak = _peakedness(list(k.values()))
        s_peak = _peakedness([h.score - cal.zero for h in sem])
        wk = (1 - cal.weight) * (1 - mix + mix * k_peak)
        ws = cal.weight * (1 - mix + mix * s_peak)
        share = ws / (wk + ws) if wk + ws > 0 else cal.weight
        scores = {f: (1 - share) * k.get(f, 0.0) + share * s.get(f, 0.0) for f in {*k, *s}}
        return _ranked(scores)

    return scheme


#: The service's own fusion; bench/retrieval.py asks SearchService.fuse for it (the rule for
#: questions across languages needs the chunks' scripts).
SERVICE_SCHEME = "calibrated, model's w (service)"

SCHEMES: dict[str, Scheme] = {
    "rrf60 (before)": rrf(),
    "rrf60 gated": rrf(gate=True),
    "rrf60 gated, keyword x2": rrf(w_keyword=2.0, gate=True),
    "combsum minmax gated": combsum("minmax"),
    "combsum zscore gated": combsum("zscore"),
    "calibrated w=0.3": calibrated(0.3),
    "calibrated w=0.5": calibrated(0.5),
    "calibrated w=0.7": calibrated(0.7),
    "calibrated+peak mix=0.5": calibrated_peak(0.5),
    "calibrated+peak mix=1": calibrated_peak(1.0),
    SERVICE_SCHEME: calibrated(),
}
