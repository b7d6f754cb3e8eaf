"""How far each embedding model's cosines can be trusted, measured per model.

Cosine similarities mean different things for different models: all-MiniLM-L6-v2 spreads them
over roughly 0.0 (unrelated) to 0.7 (a paraphrase), multilingual-e5-small squeezes them into
roughly 0.75 to 0.92. Fusion and the relevance floor read a semantic hit through its model's
calibration, never through one fixed number. A model missing from the table falls back to the
most cautious reading (semantic hits count only when they are clearly strong).

How they were chosen (bench/retrieval.py prints the figures each run): multilingual-e5-small
on the tuning set only, iapp-wiki-qa's validation split (Thai; right answers' cosines p5 0.84,
median 0.92; the best wrong file's median 0.83; off-topic questions' best cosines 0.77-0.84),
with a grid over zero, strong and weight for MRR@10. e5-small's cosines cannot tell an
answer in another language (0.80-0.84 once lifted by the cross-script gap) from an off-topic
question in the documents' own language (up to 0.84): its floor, 0.80, keeps cross-language
answers and drops English nonsense over English files ("xyzzy nonsense" 0.78), but a Thai
question about nothing may still list a few Thai files. all-MiniLM-L6-v2, which reads no Thai,
on the English half of tests/integration/test_search_relevance.py (right answers p5 0.31,
median 0.47; the best wrong file's median 0.21; "xyzzy nonsense" 0.28). Never on the sets
the bench reports.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Script(StrEnum):
    LATIN = "latin"
    THAI = "thai"
    OTHER = "other"


@dataclass(frozen=True)
class ModelCalibration:
    #: The cosine at which a chunk starts to count in fusion: about the median best cosine of
    #: a file that does not answer the question.
    zero: float
    #: The relevance floor: a file found by meaning alone is shown only from this cosine on
    #: (a query about nothing in the drive reaches below it: about the highest best cosine of
    #: off-topic questions). Files that share the query's words are not held to it.
    floor: float
    #: The cosine from which a hit counts fully: about the median cosine of the right answer.
    strong: float
    #: The semantic side's share in hybrid fusion (the keyword side has the rest).
    weight: float
    #: Added to the cosine of a chunk in another script than the query's: a multilingual
    #: model puts a question nearer to any text in its own language than to the right answer
    #: in another (e5: a Thai question about an English invoice scored a Thai bill 0.843, the
    #: invoice 0.832; right answers across languages ran about 0.04 below the same-language
    #: ones). Without it, cross-language answers lose to same-language noise and fall under
    #: the floor.
    cross_script: float
    #: Scripts whose queries the model reads; a query in another script gets no semantic
    #: side at all (MiniLM turns Thai into unknown tokens: its "nearest" files are noise).
    scripts: frozenset[Script]


CALIBRATIONS: dict[str, ModelCalibration] = {
    "all-MiniLM-L6-v2": ModelCalibration(
        zero=0.15,
        floor=0.30,
        strong=0.55,
        weight=0.5,
        cross_script=0.0,
        scripts=frozenset({Script.LATIN, Script.OTHER}),
    ),
    "multilingual-e5-small": ModelCalibration(
        zero=0.78,
        floor=0.80,
        strong=0.90,
        weight=0.6,
        cross_script=0.04,
        scripts=frozenset({Script.LATIN, Script.THAI, Script.OTHER}),
    ),
}
#: An unknown model: cosines are read as MiniLM's (the wider scale, so fewer noise hits pass)
#: and only Latin queries are trusted to it.
CAUTIOUS = ModelCalibration(
    zero=0.2,
    floor=0.35,
    strong=0.6,
    weight=0.4,
    cross_script=0.0,
    scripts=frozenset({Script.LATIN}),
)


def calibration_for(model_name: str) -> ModelCalibration:
    return CALIBRATIONS.get(model_name, CAUTIOUS)


def query_script(query: str) -> Script:
    """The script most of the query's letters are in."""
    thai = latin = other = 0
    for ch in query:
        if not ch.isalpha() and unicodedata.category(ch) != "Mn":
            continue
        if "\u0e00" <= ch <= "\u0e7f":
            thai += 1
        elif ch.isascii() or unicodedata.name(ch, "").startswith("LATIN"):
            latin += 1
        else:
            other += 1
    if thai >= max(latin, other) and thai:
        return Script.THAI
    if latin >= other:
        return Script.LATIN
    return Script.OTHER
