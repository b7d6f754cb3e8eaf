"""Sentences, tags and filename words for a picture, from its facts in the metadata.

The facts are what the picture stages found: metadata.picture (kind and labels),
metadata.place (names in English and Thai) and metadata.exif.taken_at. Nothing here reads
the picture's text, so nothing in a picture can make these sentences say anything else.

"Photo of a cat, taken 13 April 2024 in Chiang Mai, Thailand."
"ภาพถ่ายแมว ถ่ายเมื่อ 13 เมษายน 2567 ที่เชียงใหม่ ประเทศไทย"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from drive2.domain.picture_kind import PictureKind
from drive2.domain.picture_labels import LabelName, label_keys, label_table
from drive2.domain.places import Place

ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
#: The Buddhist era Thai dates are written in: 2024 CE is 2567 BE.
BUDDHIST_ERA_OFFSET = 543
KIND_WORDS = {
    PictureKind.PHOTO: ("Photo", "ภาพถ่าย", "photo"),
    PictureKind.SCREENSHOT: ("Screenshot", "ภาพหน้าจอ", "screenshot"),
    PictureKind.DOCUMENT: ("Photo of a document", "ภาพถ่ายเอกสาร", "document"),
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class PictureView:
    kind: PictureKind
    labels: list[LabelName]
    place: Place | None
    taken: date | None


def taken_date(metadata: Mapping[str, object]) -> date | None:
    """The date on the camera's clock where the photo was taken (EXIF keeps local time;
    converting it to another zone could move a late-evening photo to the next day)."""
    exif = metadata.get("exif")
    value = exif.get("taken_at") if isinstance(exif, Mapping) else None
    match = _ISO_DATE.match(value) if isinstance(value, str) else None
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def picture_view(metadata: Mapping[str, object]) -> PictureView | None:
    """The facts of a picture; None when no picture stage found anything. A picture with a
    place but no kind (its classifier failed) is taken for a photo: GPS comes from cameras."""
    picture = metadata.get("picture")
    place_data = metadata.get("place")
    place = Place.from_dict(place_data) if isinstance(place_data, Mapping) else None
    if not isinstance(picture, dict):
        if place is None:
            return None
        picture = {"kind": PictureKind.PHOTO.value}
    try:
        kind = PictureKind(str(picture.get("kind")))
    except ValueError:
        return None
    names = label_table()[0]
    return PictureView(
        kind=kind,
        labels=[names[key] for key in label_keys(picture)],
        place=place,
        taken=taken_date(metadata),
    )


def _english_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def english_date(day: date) -> str:
    return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"


def thai_date(day: date) -> str:
    return f"{day.day} {THAI_MONTHS[day.month - 1]} {day.year + BUDDHIST_ERA_OFFSET}"


def english_sentence(view: PictureView) -> str:
    head = KIND_WORDS[view.kind][0]
    if view.kind is PictureKind.PHOTO and view.labels:
        head += " of " + _english_list([label.phrase for label in view.labels])
    when = f" {english_date(view.taken)}" if view.taken else ""
    where = f" in {view.place.english()}" if view.place else ""
    if when or where:
        return f"{head}, taken{when}{where}."
    return f"{head}."


def thai_sentence(view: PictureView) -> str:
    head = KIND_WORDS[view.kind][1]
    if view.kind is PictureKind.PHOTO and view.labels:
        head += " และ".join(label.th for label in view.labels)
    parts = [head]
    if view.taken:
        parts.append(f"ถ่ายเมื่อ {thai_date(view.taken)}")
    where = view.place.thai() if view.place else None
    if where:
        parts.append(f"ที่{where}")
    return " ".join(parts)


def name_words(view: PictureView) -> list[str]:
    """Words for the suggested filename after the date: what, then where."""
    words = [view.labels[0].en] if view.labels else [KIND_WORDS[view.kind][2]]
    if view.place:
        words.append(view.place.name)
    return words


def picture_tags(metadata: Mapping[str, object]) -> list[str]:
    """Tags from the picture's facts, in English and Thai: what is in it, the kind, where."""
    view = picture_view(metadata)
    if view is None:
        return []
    tags: list[str] = []
    for label in view.labels:
        tags += [label.en, label.th]
    if view.kind is not PictureKind.PHOTO:
        tags += [KIND_WORDS[view.kind][2], KIND_WORDS[view.kind][1]]
    if view.place:
        tags += view.place.tags()
    return list(dict.fromkeys(t.lower() for t in tags))


def picture_fact_lines(metadata: Mapping[str, object]) -> list[str]:
    """The picture's facts as lines for an LLM prompt (they travel with the document's
    data, never as instructions)."""
    view = picture_view(metadata)
    if view is None:
        return []
    lines = [f"picture kind: {view.kind.value}"]
    picture = metadata.get("picture")
    scores = {
        entry.get("label"): entry.get("score")
        for entry in (picture.get("labels") or [] if isinstance(picture, dict) else [])
        if isinstance(entry, dict)
    }
    if view.labels:
        seen = ", ".join(f"{label.en} ({scores.get(label.en, '?')})" for label in view.labels)
        lines.append(f"what an image classifier sees in it: {seen}")
    if view.taken:
        lines.append(f"date taken: {view.taken.isoformat()}")
    if view.place:
        thai = view.place.thai()
        lines.append(f"place taken: {view.place.english()}" + (f" ({thai})" if thai else ""))
    return lines
