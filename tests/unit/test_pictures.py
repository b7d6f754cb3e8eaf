"""What is in a picture and what kind it is (issue 14): the label table, the real packaged
classifier on real photos, the kind rules on generated screenshots and document photos,
and the sentences, tags and names made from the facts."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest
from PIL import Image

from drive2.adapters.ai.prompt import build_prompt
from drive2.adapters.vision.efficientnet_lite import EfficientNetLiteClassifier, model_input
from drive2.domain.file_passages import embedding_text
from drive2.domain.picture_kind import PictureFacts, PictureKind, decide_kind
from drive2.domain.picture_labels import (
    IMAGENET_CLASSES,
    coarse_labels,
    label_keys,
    label_table,
)
from drive2.domain.picture_summary import (
    PictureView,
    english_sentence,
    name_words,
    picture_fact_lines,
    picture_tags,
    picture_view,
    taken_date,
    thai_sentence,
)
from drive2.domain.places import NearbyPlace, name_place
from drive2.pipeline.pictures.features import colour_stats, has_camera, letters, load_picture
from tests.support import pictures

THAI_LETTERS = set(map(chr, range(0x0E01, 0x0E5C)))


@cache
def classifier() -> EfficientNetLiteClassifier:
    """One model for the module (loading costs about a second)."""
    return EfficientNetLiteClassifier(torch_threads=1)


# --- the label table ---------------------------------------------------------------------


def test_the_label_table_is_consistent() -> None:
    names, by_class = label_table()
    assert len(names) >= 50
    assert all(0 <= index < IMAGENET_CLASSES for index in by_class)
    assert set(by_class.values()) == set(names)  # no label without classes
    for name in names.values():
        assert name.en and name.phrase and name.en.lower() == name.en
        assert set(name.th.replace(" ", "")) <= THAI_LETTERS, name
    # Every cat breed is a cat, every dog breed a dog; a tool like a "screwdriver" is nothing.
    assert {by_class[i] for i in range(281, 286)} == {"cat"}
    assert {by_class[i] for i in range(151, 269)} == {"dog"}
    assert 784 not in by_class


def test_fine_classes_add_up_to_a_coarse_label() -> None:
    # Three cat breeds at 0.3 each: a confident cat; a stray 0.2 "espresso" is dropped.
    labels = coarse_labels([(282, 0.3), (285, 0.3), (281, 0.3), (967, 0.2), (784, 0.5)])
    assert [(lbl.name.en, lbl.name.th, round(lbl.score, 2)) for lbl in labels] == [
        ("cat", "แมว", 0.9)
    ]
    assert coarse_labels([(967, 0.2), (968, 0.2)], min_score=0.35) == []
    two = coarse_labels([(665, 0.5), (817, 0.4)], max_labels=1)
    assert [lbl.name.en for lbl in two] == ["motorcycle"]
    assert label_keys({"labels": [two[0].as_dict(), {"label": "nonsense"}]}) == ["motorcycle"]


# --- the real classifier on real photos ---------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "label"),
    [
        ("cat", "cat"),
        ("coffee", "coffee"),
        ("rocket", "rocket"),
        ("motorcycle", "motorcycle"),
        ("camera", "camera"),
    ],
)
def test_the_packaged_classifier_names_real_photos(subject: str, label: str) -> None:
    scores = classifier().classify(pictures.skimage_photo(subject))
    assert len(scores) == 20 and scores == sorted(scores, key=lambda s: -s[1])
    labels = coarse_labels(scores)
    assert labels and labels[0].name.en == label, (subject, labels, scores[:3])
    assert labels[0].score >= 0.5


def test_a_picture_it_cannot_name_gets_no_label() -> None:
    """ImageNet has no person or space suit: the astronaut's best guesses are weak and
    unrelated (a bobsled, a football helmet), and none is shown."""
    scores = classifier().classify(pictures.skimage_photo("astronaut"))
    assert scores[0][1] < 0.35
    assert coarse_labels(scores) == []


def test_the_model_input_is_a_centre_crop_scaled_to_plus_minus_one() -> None:
    wide = Image.new("RGB", (800, 400), (255, 255, 255))
    wide.paste((0, 0, 0), (0, 0, 200, 400))  # a black band on the left, outside the crop
    batch = model_input(wide)
    assert batch.shape == (1, 3, 224, 224)
    assert float(batch.min()) == pytest.approx(1.0, abs=0.01)  # (255 - 127) / 128
    grey = model_input(Image.new("L", (300, 300), 127))
    assert float(abs(grey).max()) == 0.0


# --- the kind ----------------------------------------------------------------------------


def _facts(path: Path, data: bytes, text_letters: int, camera: bool) -> PictureFacts:
    path.write_bytes(data)
    picture = load_picture(path, 10**8)
    stats = colour_stats(picture.image)
    return PictureFacts(
        picture.width,
        picture.height,
        camera,
        stats.flat_share,
        stats.paper_share,
        text_letters,
    )


def test_a_phone_screenshot_is_a_screenshot(tmp_path: Path) -> None:
    facts = _facts(tmp_path / "s.png", pictures.screenshot_png(), 250, camera=False)
    assert (facts.width, facts.height) == (1170, 2532) and facts.flat_share > 0.8
    kind, reasons = decide_kind(facts)
    assert kind is PictureKind.SCREENSHOT
    assert "a screen's size (1170×2532)" in reasons
    # Re-sent through a chat app: JPEG, an odd size, no EXIF; its shape still says phone.
    resent = _facts(tmp_path / "r.jpg", pictures.screenshot_png((900, 1950), jpeg=True), 0, False)
    assert decide_kind(resent)[0] is PictureKind.SCREENSHOT


def test_a_photo_of_a_receipt_is_a_document(tmp_path: Path) -> None:
    facts = _facts(tmp_path / "d.jpg", pictures.document_photo_jpeg(), 180, camera=True)
    kind, reasons = decide_kind(facts)
    assert kind is PictureKind.DOCUMENT and reasons[0] == "OCR read 180 letters"
    # Without EXIF (sent through LINE) it is still a document, not a screenshot.
    bare = _facts(tmp_path / "b.jpg", pictures.document_photo_jpeg(camera=False), 180, False)
    assert decide_kind(bare)[0] is PictureKind.DOCUMENT
    # The same picture with no text read is not a document.
    assert decide_kind(_facts(tmp_path / "n.jpg", pictures.document_photo_jpeg(), 5, True))[
        0
    ] is not (PictureKind.DOCUMENT)


def test_real_photos_are_photos_with_or_without_exif(tmp_path: Path) -> None:
    for subject in ("cat", "coffee", "rocket", "motorcycle", "astronaut"):
        data = pictures.photo_jpeg(subject, camera=False)
        for camera in (True, False):
            facts = _facts(tmp_path / f"{subject}.jpg", data, 0, camera)
            assert decide_kind(facts)[0] is PictureKind.PHOTO, (subject, facts)
    # A street sign read by OCR does not make a photo a document.
    sign = _facts(tmp_path / "sign.jpg", pictures.photo_jpeg("rocket"), 75, camera=True)
    assert decide_kind(sign)[0] is PictureKind.PHOTO


def test_kind_rules_on_their_own() -> None:
    base = PictureFacts(4032, 3024, True, 0.1, 0.05, 0)
    assert decide_kind(base) == (
        PictureKind.PHOTO,
        ["camera EXIF", "many colours (10% in 8 colours)", "little or no text"],
    )
    screen = PictureFacts(1920, 1080, False, 0.6, 0.5, 0)
    assert decide_kind(screen)[0] is PictureKind.SCREENSHOT
    # A screen-sized photo from a camera stays a photo.
    assert decide_kind(PictureFacts(1920, 1080, True, 0.6, 0.1, 0))[0] is PictureKind.PHOTO
    # A flat, text-heavy picture of no screen size (a cropped screenshot) is a screenshot.
    cropped = PictureFacts(800, 700, False, 0.7, 0.1, 200, labels=["screen"])
    assert decide_kind(cropped)[0] is PictureKind.DOCUMENT  # the classifier saw a screen
    assert decide_kind(PictureFacts(800, 700, False, 0.7, 0.1, 200))[0] is (PictureKind.SCREENSHOT)
    assert decide_kind(PictureFacts(2480, 3508, False, 0.8, 0.9, 900))[0] is (
        PictureKind.DOCUMENT  # an A4 scan
    )


def test_feature_helpers() -> None:
    assert has_camera({"exif": {"camera_make": "Apple"}})
    assert not has_camera({"exif": {"taken_at": "2024-04-13T10:00:00"}})
    assert not has_camera({})
    assert letters("Total 215.00 บาท") == 8  # "Total" and the three Thai consonants


def test_an_exif_turned_photo_reports_its_upright_size(tmp_path: Path) -> None:
    img = Image.new("RGB", (600, 200), (200, 30, 30))
    path = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to show
    img.save(path, "JPEG", exif=exif)
    picture = load_picture(path, 10**8)
    assert (picture.width, picture.height) == (200, 600)
    assert picture.image.size[0] < picture.image.size[1]


# --- sentences, tags, names ----------------------------------------------------------------

CHIANG_MAI = name_place(NearbyPlace("Chiang Mai", "Chiang Mai", "TH", 0.2))
AREZZO = name_place(NearbyPlace("Arezzo", "Tuscany", "IT", 0.6))


def _metadata(kind: str = "photo", place: object = CHIANG_MAI) -> dict[str, object]:
    names = label_table()[0]
    metadata: dict[str, object] = {
        "exif": {"taken_at": "2024-04-13T23:40:00+07:00", "camera_make": "Apple"},
        "picture": {
            "kind": kind,
            "labels": [
                {"label": names["cat"].en, "label_th": names["cat"].th, "score": 0.91},
                {"label": names["flower"].en, "label_th": names["flower"].th, "score": 0.4},
            ],
        },
    }
    if place is not None:
        metadata["place"] = place.as_dict()  # type: ignore[attr-defined]
    return metadata


def test_a_photo_is_described_in_english_and_thai() -> None:
    view = picture_view(_metadata())
    assert view is not None
    assert english_sentence(view) == (
        "Photo of a cat and flowers, taken 13 April 2024 in Chiang Mai, Thailand."
    )
    assert thai_sentence(view) == ("ภาพถ่ายแมว และดอกไม้ ถ่ายเมื่อ 13 เมษายน 2567 ที่เชียงใหม่ ประเทศไทย")
    assert name_words(view) == ["cat", "Chiang Mai"]
    abroad = picture_view(_metadata(place=AREZZO))
    assert abroad is not None
    assert english_sentence(abroad).endswith("in Arezzo, Tuscany, Italy.")
    assert thai_sentence(abroad).endswith("ที่Arezzo ประเทศอิตาลี")


def test_sentences_without_labels_date_or_place() -> None:
    bare = PictureView(PictureKind.PHOTO, [], None, None)
    assert english_sentence(bare) == "Photo."
    assert thai_sentence(bare) == "ภาพถ่าย"
    assert name_words(bare) == ["photo"]
    shot = PictureView(PictureKind.SCREENSHOT, [], None, date(2025, 2, 12))
    assert english_sentence(shot) == "Screenshot, taken 12 February 2025."
    assert thai_sentence(shot) == "ภาพหน้าจอ ถ่ายเมื่อ 12 กุมภาพันธ์ 2568"
    document = PictureView(PictureKind.DOCUMENT, [], CHIANG_MAI, None)
    assert english_sentence(document) == "Photo of a document, taken in Chiang Mai, Thailand."


def test_the_date_taken_is_the_cameras_local_date() -> None:
    """23:40 in Bangkok is 16:40 UTC; the photo's date stays the 13th, whatever the zone."""
    assert taken_date({"exif": {"taken_at": "2024-04-13T23:40:00+07:00"}}) == date(2024, 4, 13)
    assert taken_date({"exif": {"taken_at": "2024-04-13T23:40:00"}}) == date(2024, 4, 13)
    assert taken_date({"exif": {"taken_at": "2024-02-30T10:00:00"}}) is None
    assert taken_date({"exif": {}}) is None and taken_date({}) is None


def test_tags_in_both_languages_and_a_place_without_labels() -> None:
    assert picture_tags(_metadata()) == [
        "cat",
        "แมว",
        "flower",
        "ดอกไม้",
        "chiang mai",
        "เชียงใหม่",
        "thailand",
        "ไทย",
    ]
    shot = picture_tags(_metadata(kind="screenshot", place=None))
    assert shot[-2:] == ["screenshot", "ภาพหน้าจอ"]
    bangkok = name_place(NearbyPlace("Bangkok", "Bangkok", "TH", 0.3))
    # The classifier failed (no picture section) but the place is known: still searchable.
    only_place = picture_tags({"place": bangkok.as_dict()})
    assert only_place == [
        "bangkok",
        "กรุงเทพมหานคร",
        "krung thep",
        "กรุงเทพ",
        "กรุงเทพฯ",
        "thailand",
        "ไทย",
    ]
    assert picture_tags({"exif": {"camera_make": "Apple"}}) == []
    assert picture_view({"picture": {"kind": "drawing"}}) is None


def test_an_llm_gets_the_facts_inside_the_data_block() -> None:
    lines = picture_fact_lines(_metadata())
    assert lines == [
        "picture kind: photo",
        "what an image classifier sees in it: cat (0.91), flower (0.4)",
        "date taken: 2024-04-13",
        "place taken: Chiang Mai, Thailand (เชียงใหม่ ประเทศไทย)",
    ]
    prompt = build_prompt("", "IMG_0001.jpg", _metadata(), 1000, nonce="abc")
    opening, closing = prompt.user.index("<<<DOCUMENT abc>>>"), prompt.user.index("<<<END")
    for line in lines:
        assert opening < prompt.user.index(line) < closing
    assert "Describe a photo from these facts" in prompt.system


def test_a_pictures_vectors_carry_its_description_and_a_documents_only_its_text() -> None:
    photo = {"picture": {"kind": "photo", "labels": [{"label": "cat"}]}}
    described = "Photo of a cat, taken 13 April 2024 in Chiang Mai, Thailand."
    assert embedding_text("", described, photo) == described
    assert embedding_text("MEOW", described, photo) == f"{described}\n\nMEOW"
    # A document's summary is already made of its text: embedding it again adds nothing.
    assert embedding_text("Invoice 42", "An invoice.", {"pdf": {}}) == "Invoice 42"
    assert embedding_text("Invoice 42", None, photo) == "Invoice 42"
