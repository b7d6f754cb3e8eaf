"""What is in a picture, in coarse labels people search for, in English and Thai.

An ImageNet classifier names 1,000 fine classes ("tiger cat", "Egyptian cat", "tabby"); a
person asks for "cat" or "แมว". The curated table in data/picture_labels.json groups the
classes worth showing into coarse labels; a label's score is the sum of its classes'
probabilities, so three cat breeds at 0.3 each make a confident "cat". Classes in no label
(most tools, odd objects) are never shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

IMAGENET_CLASSES = 1000
#: A label below this summed probability is dropped: too likely wrong to show or search.
DEFAULT_MIN_SCORE = 0.35
DEFAULT_MAX_LABELS = 3
#: Labels that say the picture shows text on paper or a screen (the kind rules use them).
TEXT_LABELS = frozenset({"document", "book", "screen"})


@dataclass(frozen=True)
class LabelName:
    key: str
    en: str  # the tag: "cat"
    phrase: str  # in a sentence: "a cat"
    th: str  # "แมว"


@dataclass(frozen=True)
class PictureLabel:
    name: LabelName
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.name.en, "label_th": self.name.th, "score": round(self.score, 3)}


def _expand(items: Iterable[int | str]) -> list[int]:
    """[281, "285-287"] -> [281, 285, 286, 287]."""
    out: list[int] = []
    for item in items:
        if isinstance(item, str):
            first, last = item.split("-")
            out.extend(range(int(first), int(last) + 1))
        else:
            out.append(int(item))
    return out


@cache
def label_table() -> tuple[dict[str, LabelName], dict[int, str]]:
    """(labels by key, label key by ImageNet class index), read once per process."""
    text = resources.files("drive2.domain").joinpath("data/picture_labels.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    names: dict[str, LabelName] = {}
    by_class: dict[int, str] = {}
    for key, entry in data["labels"].items():
        names[key] = LabelName(key=key, en=entry["en"], phrase=entry["phrase"], th=entry["th"])
        for index in _expand(entry["classes"]):
            if index in by_class or not 0 <= index < IMAGENET_CLASSES:
                raise ValueError(f"class {index} is listed twice or out of range")
            by_class[index] = key
    return names, by_class


def coarse_labels(
    class_scores: Iterable[tuple[int, float]],
    min_score: float = DEFAULT_MIN_SCORE,
    max_labels: int = DEFAULT_MAX_LABELS,
) -> list[PictureLabel]:
    """The coarse labels of (ImageNet class, probability) pairs, best first."""
    names, by_class = label_table()
    totals: dict[str, float] = {}
    for index, score in class_scores:
        key = by_class.get(index)
        if key is not None and score > 0:
            totals[key] = totals.get(key, 0.0) + score
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [PictureLabel(names[k], min(s, 1.0)) for k, s in ranked if s >= min_score][:max_labels]


def label_keys(picture: object) -> list[str]:
    """The label keys stored in metadata.picture.labels (by their English tag)."""
    if not isinstance(picture, dict):
        return []
    by_tag = {name.en: key for key, name in label_table()[0].items()}
    labels = picture.get("labels")
    found = []
    for entry in labels if isinstance(labels, list) else []:
        tag = entry.get("label") if isinstance(entry, dict) else None
        if isinstance(tag, str) and tag in by_tag:
            found.append(by_tag[tag])
    return found
