"""Is a picture a photo, a screenshot or a picture of a document? Rules over a few facts.

The facts are cheap to measure (pipeline/pictures/features.py) and each rule says why it
fired, so a wrong call can be understood. What each kind tends to look like:

- a screenshot: no camera EXIF, the exact size of a phone or computer screen (or a tall
  phone shape), large areas of exactly one colour (a UI's backgrounds and bars);
- a document: a page of text — OCR reads many words, and most of the picture is bright,
  colourless paper (or the classifier sees a menu, an envelope, a book);
- a photo: everything else; camera EXIF and a noisy, many-coloured picture are typical.

Pictures sent through chat apps lose their EXIF and are re-compressed, so no rule needs EXIF
alone, and flat areas are measured on colours rounded to 32 levels a channel (JPEG noise
does not hide them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from drive2.domain.picture_labels import TEXT_LABELS


class PictureKind(StrEnum):
    PHOTO = "photo"
    SCREENSHOT = "screenshot"
    DOCUMENT = "document"


#: Screen sizes of common phones, tablets and computers (width × height, portrait or not).
SCREEN_SIZES = frozenset(
    {
        (640, 1136), (720, 1280), (720, 1600), (750, 1334), (828, 1792), (1080, 1920),
        (1080, 2160), (1080, 2220), (1080, 2280), (1080, 2340), (1080, 2400), (1080, 2412),
        (1125, 2436), (1170, 2532), (1179, 2556), (1206, 2622), (1242, 2208), (1242, 2688),
        (1284, 2778), (1290, 2796), (1320, 2868), (1440, 2560), (1440, 3040), (1440, 3088),
        (1440, 3120), (1440, 3200), (1536, 2048), (1620, 2160), (1640, 2360), (1668, 2388),
        (2048, 2732), (1280, 720), (1280, 800), (1366, 768), (1440, 900), (1536, 864),
        (1600, 900), (1680, 1050), (1920, 1080), (1920, 1200), (2560, 1440), (2560, 1600),
        (2880, 1800), (2940, 1912), (3024, 1964), (3456, 2234), (3840, 2160), (5120, 2880),
    }
)  # fmt: skip
#: A phone's screen is at least this much taller than wide; few photos are.
PHONE_ASPECT = 1.95
#: Share of pixels in the 8 commonest colours (rounded to 32 levels): UI or paper above it.
FLAT_SHARE = 0.35
#: Letters OCR must read for a picture to count as text (a photo of a street sign has less).
DOCUMENT_LETTERS = 60
#: Share of bright, colourless pixels that says "paper".
PAPER_SHARE = 0.3


@dataclass(frozen=True)
class PictureFacts:
    width: int
    height: int
    has_camera: bool  # EXIF says a camera made it (make, model or exposure)
    flat_share: float  # 0..1: share of pixels in the 8 commonest rounded colours
    paper_share: float  # 0..1: share of bright, colourless pixels
    text_letters: int  # letters OCR read
    labels: list[str] = field(default_factory=list)  # coarse label keys, best first

    @property
    def screen_sized(self) -> bool:
        size = (self.width, self.height)
        return size in SCREEN_SIZES or (self.height, self.width) in SCREEN_SIZES

    @property
    def phone_shaped(self) -> bool:
        short, long = sorted((self.width, self.height))
        return short > 0 and long / short >= PHONE_ASPECT


def decide_kind(facts: PictureFacts) -> tuple[PictureKind, list[str]]:
    """The kind and the reasons that decided it."""
    flat = facts.flat_share >= FLAT_SHARE
    texty = facts.text_letters >= DOCUMENT_LETTERS
    if not facts.has_camera and flat and (facts.screen_sized or facts.phone_shaped):
        shape = "a screen's size" if facts.screen_sized else "a phone screen's shape"
        return PictureKind.SCREENSHOT, [
            "no camera EXIF",
            f"{shape} ({facts.width}×{facts.height})",
            f"flat colours ({facts.flat_share:.0%} in 8 colours)",
        ]
    text_label = next((k for k in facts.labels if k in TEXT_LABELS), None)
    if texty and (facts.paper_share >= PAPER_SHARE or text_label):
        why = (
            f"looks like {text_label}"
            if text_label and facts.paper_share < PAPER_SHARE
            else f"mostly bright, colourless paper ({facts.paper_share:.0%})"
        )
        return PictureKind.DOCUMENT, [f"OCR read {facts.text_letters} letters", why]
    if not facts.has_camera and flat and texty:
        return PictureKind.SCREENSHOT, [
            "no camera EXIF",
            f"flat colours ({facts.flat_share:.0%} in 8 colours)",
            f"OCR read {facts.text_letters} letters",
        ]
    reasons = ["camera EXIF"] if facts.has_camera else []
    if not flat:
        reasons.append(f"many colours ({facts.flat_share:.0%} in 8 colours)")
    if not texty:
        reasons.append("little or no text")
    return PictureKind.PHOTO, reasons or ["not a screenshot or a document"]
