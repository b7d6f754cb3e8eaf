"""Thumbnails and metadata through the HTTP API and the real runner (embedded parts; the
pipeline is run directly, no worker)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from drive2.bootstrap import Container
from drive2.pipeline.runner import RunOutcome
from tests.support import media
from tests.support.api import register_and_login, upload


def _process(container: Container, file_id: str) -> None:
    assert container.runner.run(file_id) is RunOutcome.COMPLETED


def test_thumbnail_served_idempotent_and_deleted(client: TestClient, container: Container) -> None:
    headers = register_and_login(client)
    r = upload(client, headers, "holiday.jpg", media.camera_jpeg(size=(1200, 800), orientation=6))
    assert r.status_code == 202, r.text
    file_id = r.json()["file_id"]
    assert client.get(f"/api/v1/files/{file_id}/thumbnail", headers=headers).status_code == 404

    _process(container, file_id)
    r = client.get(f"/api/v1/files/{file_id}/thumbnail", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(r.content)) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) == 300
        assert thumb.size == (200, 300)  # 1200×800 turned upright by EXIF orientation 6

    f = client.get(f"/api/v1/files/{file_id}", headers=headers).json()
    assert f["status"] == "completed" and f["has_thumbnail"] is True
    assert f["metadata"]["image"]["width"] == 1200
    assert f["metadata"]["exif"]["camera_model"] == "Canon EOS R5"
    assert f["metadata"]["gps"]["latitude"] == pytest.approx(13.75625, abs=1e-6)
    stages = client.get(f"/api/v1/files/{file_id}/status", headers=headers).json()["stages"]
    assert {s["name"]: s["outcome"] for s in stages}["thumbnail"] == "done"

    # Reprocessing makes the thumbnail again, over the same object.
    assert container.repo.mark_pending_for_reprocess(file_id)
    _process(container, file_id)
    assert len(container.blobs.list_keys("thumbnails/")) == 1
    assert client.get(f"/api/v1/files/{file_id}/thumbnail", headers=headers).status_code == 200

    r = client.delete(f"/api/v1/files/{file_id}", headers=headers, params={"permanent": "true"})
    assert r.status_code == 204
    assert container.blobs.list_keys("thumbnails/") == []
    assert container.blobs.list_keys("originals/") == []


def test_pdf_and_video_get_thumbnails_and_metadata(
    client: TestClient, container: Container, tmp_path: Path
) -> None:
    headers = register_and_login(client)
    pdf_id = upload(client, headers, "report.pdf", media.pdf_with_properties()).json()["file_id"]
    files = [pdf_id]
    if media.have_ffmpeg():
        video = media.make_video(tmp_path / "clip.mp4").read_bytes()
        files.append(upload(client, headers, "clip.mp4", video).json()["file_id"])
    for file_id in files:
        _process(container, file_id)
        r = client.get(f"/api/v1/files/{file_id}/thumbnail", headers=headers)
        assert r.status_code == 200, file_id
        with Image.open(io.BytesIO(r.content)) as thumb:
            assert max(thumb.size) == 300
    pdf = client.get(f"/api/v1/files/{pdf_id}", headers=headers).json()
    assert pdf["metadata"]["pdf"]["title"] == "Quarterly report"
    assert pdf["metadata"]["encrypted"] is False
    if len(files) > 1:
        clip = client.get(f"/api/v1/files/{files[1]}", headers=headers).json()
        assert clip["metadata"]["media"]["duration_seconds"] == pytest.approx(3.0, abs=0.1)


def test_a_damaged_image_completes_and_says_why_it_has_no_thumbnail(
    client: TestClient, container: Container
) -> None:
    headers = register_and_login(client)
    file_id = upload(client, headers, "cut.jpg", media.truncated_jpeg()).json()["file_id"]
    _process(container, file_id)
    status = client.get(f"/api/v1/files/{file_id}/status", headers=headers).json()
    assert status["status"] == "completed" and status["error"] is None
    thumb = next(s for s in status["stages"] if s["name"] == "thumbnail")
    assert thumb["outcome"] == "skipped"
    assert "cannot make a thumbnail" in thumb["detail"]
    assert client.get(f"/api/v1/files/{file_id}/thumbnail", headers=headers).status_code == 404
    f = client.get(f"/api/v1/files/{file_id}", headers=headers).json()
    assert f["has_thumbnail"] is False
    assert "cannot make a thumbnail" in f["metadata"]["skipped_stages"]["thumbnail"]
