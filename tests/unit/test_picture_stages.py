"""The picture stages in the real pipeline (issue 14): GPS read with reasons, the date taken
with its offset, place and picture stages optional and safe, the preview beside the
thumbnail (one object per file, removed with it), and every new stage's duration recorded."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

from PIL import Image

from drive2.adapters.ai.local import LocalAiProvider
from drive2.adapters.places.geonames import GeoNamesGeocoder
from drive2.bootstrap import Container
from drive2.domain.models import FileStatus, NewFile, StageOutcome
from drive2.domain.object_keys import original_key
from drive2.domain.places import NULL_ISLAND_REASON
from drive2.pipeline.metadata.image import read_image_metadata
from drive2.pipeline.registry import default_stages
from drive2.pipeline.runner import PipelineRunner, RunOutcome
from tests.support import pictures
from tests.unit.test_local_ai import packaged_embedder
from tests.unit.test_pictures import classifier as packaged_classifier

_GEOCODER = GeoNamesGeocoder()


def _metadata(tmp_path: Path, data: bytes) -> dict[str, Any]:
    path = tmp_path / f"{uuid.uuid4().hex}.jpg"
    path.write_bytes(data)
    return read_image_metadata(path, 10**8)


# --- what the metadata reader gives the place stage ----------------------------------------


def test_gps_without_a_hemisphere_or_at_zero_is_no_position(tmp_path: Path) -> None:
    no_refs = pictures.gps_ifd(18.7883, 98.9853, refs=False)
    gps = _metadata(tmp_path, pictures.photo_jpeg("cat", gps=no_refs))["gps"]
    assert gps == {"problem": "the GPS latitude has no N/S reference"}
    zero = pictures.gps_ifd(0.0, 0.0)
    gps = _metadata(tmp_path, pictures.photo_jpeg("cat", gps=zero))["gps"]
    assert gps == {"problem": NULL_ISLAND_REASON}
    far = pictures.gps_ifd(18.0, 98.0) | {2: ((95, 1), (0, 1), (0, 1))}  # latitude 95°
    assert _metadata(tmp_path, pictures.photo_jpeg("cat", gps=far))["gps"] == {
        "problem": "the GPS latitude 95 is out of range"
    }


def test_the_date_taken_keeps_its_offset(tmp_path: Path) -> None:
    # Recorded by the camera.
    exif = _metadata(tmp_path, pictures.photo_jpeg("cat", offset="+09:00"))["exif"]
    assert exif["taken_at"] == "2024-04-13T15:20:00+09:00"
    # Not recorded, but the GPS clock (UTC) shows it: 15:20 local at 08:20 UTC is +07:00.
    gps = pictures.gps_ifd(18.7883, 98.9853, utc=("2024:04:13", (8, 20, 3)))
    exif = _metadata(tmp_path, pictures.photo_jpeg("cat", gps=gps))["exif"]
    assert exif["taken_at"] == "2024-04-13T15:20:00+07:00"
    # West of Greenwich, and across midnight UTC.
    gps = pictures.gps_ifd(40.7, -74.0, utc=("2024:04:13", (19, 20, 0)))
    exif = _metadata(tmp_path, pictures.photo_jpeg("cat", gps=gps))["exif"]
    assert exif["taken_at"] == "2024-04-13T15:20:00-04:00"
    # A GPS clock from another week gives no offset rather than a wrong one.
    gps = pictures.gps_ifd(18.7883, 98.9853, utc=("2024:04:20", (8, 20, 0)))
    exif = _metadata(tmp_path, pictures.photo_jpeg("cat", gps=gps))["exif"]
    assert exif["taken_at"] == "2024-04-13T15:20:00"


# --- the stages in the runner ----------------------------------------------------------------


def _add(container: Container, tmp_path: Path, data: bytes, name: str, mime: str) -> str:
    user = container.repo.get_user_by_email("pictures@example.com") or container.auth.register(
        "pictures@example.com", "password123"
    )
    file_id = str(uuid.uuid4())
    key = original_key(user.id, file_id)
    source = tmp_path / f"src-{file_id}"
    source.write_bytes(data)
    container.blobs.put_file(key, source)
    container.repo.add_file(NewFile(file_id, user.id, name, mime, len(data), "0" * 64, key))
    return file_id


def _runner(container: Container, image_classifier: Any = None) -> PipelineRunner:
    provider = LocalAiProvider(packaged_embedder(), timezone=container.settings.timezone)
    stages = default_stages(
        provider,
        container.blobs,
        geocoder=_GEOCODER,
        classifier=image_classifier or packaged_classifier(),
    )
    return PipelineRunner(container.repo, container.blobs, stages, container.settings)


def _stages(container: Container, file_id: str) -> dict[str, Any]:
    return {s.name: s for s in container.repo.stage_records(file_id)}


def test_a_photo_gets_its_place_labels_preview_and_name(
    container: Container, tmp_path: Path
) -> None:
    data = pictures.photo_jpeg("cat", pictures.CHIANG_MAI, scale=4)  # 1804×1200
    file_id = _add(container, tmp_path, data, "IMG_2041.JPG", "image/jpeg")
    runner = _runner(container)
    assert runner.run(file_id) is RunOutcome.COMPLETED
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.COMPLETED
    assert record.metadata["place"]["name_th"] == "เชียงใหม่"
    assert record.metadata["picture"]["kind"] == "photo"
    assert record.metadata["picture"]["labels"][0]["label_th"] == "แมว"
    assert record.ai is not None
    assert record.ai.suggested_filename == "2024-04-13_cat_chiang-mai.jpg"
    assert record.ai.summary == (
        "Photo of a cat, taken 13 April 2024 in Chiang Mai, Thailand. "
        "ภาพถ่ายแมว ถ่ายเมื่อ 13 เมษายน 2567 ที่เชียงใหม่ ประเทศไทย"
    )
    assert {"cat", "แมว", "chiang mai", "เชียงใหม่", "thailand", "ไทย"} <= set(record.tags)

    stages = _stages(container, file_id)
    order = [s.name for s in container.repo.stage_records(file_id)]
    assert order.index("place") < order.index("picture") < order.index("ai_analysis")
    for name in ("place", "picture", "thumbnail"):
        assert stages[name].outcome is StageOutcome.DONE
        assert stages[name].duration_ms >= 0
    assert stages["picture"].duration_ms > 0  # the classifier ran

    assert record.preview_key == f"previews/{record.user_id}/{file_id}.jpg"
    with Image.open(io.BytesIO(b"".join(container.blobs.iter_range(record.preview_key)))) as p:
        assert p.format == "JPEG" and p.size == (1440, 958)
        assert not p.getexif()  # no GPS or camera data in a picture that may be shared

    # Run again: the same single preview and thumbnail objects.
    assert container.repo.mark_pending_for_reprocess(file_id)
    assert runner.run(file_id) is RunOutcome.COMPLETED
    assert container.blobs.list_keys("previews/") == [record.preview_key]
    assert len(container.blobs.list_keys("thumbnails/")) == 1

    # Deleting the file removes every object it had.
    again = container.repo.get_file(file_id)
    assert again is not None and len(again.object_keys()) == 3
    user = container.repo.get_user(record.user_id)
    assert user is not None
    container.trash.delete_for_good(user, file_id)
    for prefix in ("originals/", "thumbnails/", "previews/"):
        assert container.blobs.list_keys(prefix) == []


def test_bad_gps_skips_the_place_with_the_reason(container: Container, tmp_path: Path) -> None:
    data = pictures.photo_jpeg("coffee", gps=pictures.gps_ifd(0.0, 0.0))
    file_id = _add(container, tmp_path, data, "coffee.jpg", "image/jpeg")
    assert _runner(container).run(file_id) is RunOutcome.COMPLETED
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.COMPLETED
    place = _stages(container, file_id)["place"]
    assert place.outcome is StageOutcome.SKIPPED and place.detail == NULL_ISLAND_REASON
    assert record.metadata["skipped_stages"]["place"] == NULL_ISLAND_REASON
    assert "place" not in record.metadata
    assert record.ai is not None and record.ai.summary is not None
    assert record.ai.summary.startswith("Photo of coffee, taken 13 April 2024.")


class BrokenClassifier:
    model_name = "broken"

    def classify(self, image: Image.Image, top: int = 20) -> list[tuple[int, float]]:
        raise RuntimeError("the weights are corrupt")


def test_a_classifier_failure_skips_labels_not_the_file(
    container: Container, tmp_path: Path
) -> None:
    data = pictures.photo_jpeg("cat", pictures.BANGKOK)
    file_id = _add(container, tmp_path, data, "cat.jpg", "image/jpeg")
    assert _runner(container, BrokenClassifier()).run(file_id) is RunOutcome.COMPLETED
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.COMPLETED
    picture = _stages(container, file_id)["picture"]
    assert picture.outcome is StageOutcome.SKIPPED
    assert "the image classifier failed (RuntimeError: the weights are corrupt)" in (
        picture.detail or ""
    )
    # The kind was still decided, and the place still names and tags the photo.
    assert record.metadata["picture"] == {
        "kind": "photo",
        "kind_reasons": record.metadata["picture"]["kind_reasons"],
        "labels": [],
    }
    assert record.metadata["place"]["admin1_th"] == "กรุงเทพมหานคร"
    assert {"bangkok", "กรุงเทพมหานคร", "กรุงเทพ"} <= set(record.tags)
    assert record.ai is not None and record.ai.suggested_filename is not None
    assert record.ai.suggested_filename.startswith("2024-04-13_photo_")


def test_a_damaged_picture_completes_without_renditions(
    container: Container, tmp_path: Path
) -> None:
    data = pictures.photo_jpeg("rocket", pictures.TOKYO)
    file_id = _add(container, tmp_path, data[: len(data) // 3], "rocket.jpg", "image/jpeg")
    assert _runner(container).run(file_id) is RunOutcome.COMPLETED
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.COMPLETED
    stages = _stages(container, file_id)
    assert stages["picture"].outcome is StageOutcome.SKIPPED
    assert "damaged" in (stages["picture"].detail or "")
    assert stages["thumbnail"].outcome is StageOutcome.SKIPPED
    assert record.preview_key is None and record.thumbnail_key is None
    assert container.blobs.list_keys("previews/") == []
    # The EXIF block came before the cut: the place is still known.
    assert record.metadata["place"]["country_th"] == "ญี่ปุ่น"


def test_a_pdf_gets_a_preview_of_its_first_page(container: Container, tmp_path: Path) -> None:
    from tests.support.files import pdf_with_text

    pdf = pdf_with_text("Page one", "Two")
    file_id = _add(container, tmp_path, pdf, "a.pdf", "application/pdf")
    assert _runner(container).run(file_id) is RunOutcome.COMPLETED
    record = container.repo.get_file(file_id)
    assert record is not None and record.preview_key is not None
    with Image.open(io.BytesIO(b"".join(container.blobs.iter_range(record.preview_key)))) as p:
        assert max(p.size) == 1440
    assert "picture" not in record.metadata  # pictures only
    assert "picture" not in _stages(container, file_id)


def test_the_picture_stages_can_be_switched_off(make_settings: Any, tmp_path: Path) -> None:
    from drive2.adapters.db.migrate import upgrade
    from drive2.bootstrap import build_container

    settings = make_settings(PICTURE_ANALYSIS_ENABLED=False, PLACE_NAMES_ENABLED=False)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    try:
        names = [stage.name for stage in container.runner.stages]
        assert "place" not in names and "picture" in names
        data = pictures.photo_jpeg("cat", pictures.CHIANG_MAI)
        file_id = _add(container, tmp_path, data, "cat.jpg", "image/jpeg")
        container.runner.stages = [s for s in container.runner.stages if s.name != "embed"]
        assert container.runner.run(file_id) is RunOutcome.COMPLETED
        record = container.repo.get_file(file_id)
        assert record is not None
        assert "place" not in record.metadata and "picture" not in record.metadata
        assert container.image_classifier._model is None  # never loaded
    finally:
        container.close()
