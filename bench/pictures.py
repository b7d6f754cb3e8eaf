"""Pictures benchmark (issue 14): ms per picture for each new stage and the whole pipeline,
worker memory with the classifier loaded, and the picture stage against the raw classifier
call on the same images, in the same run. Also the preview format (JPEG against WebP: size,
SSIM against the source, encode time).

    .venv/bin/python bench/pictures.py [--threads 1] [--repeat 3]

The pictures are real photos that ship in scikit-image's and scikit-learn's wheels (a cat,
coffee, a rocket, a motorcycle, an astronaut, a camera man, a temple, a flower) with real
EXIF (camera, date taken, GPS in Thailand and abroad) written by piexif, the same photos
scaled up to a 12-megapixel camera size, a phone screenshot and a photo of a receipt.

Phase 1 loads what a worker loads (classifier, geocoder) and reports the memory each adds.
Phase 2 times the raw classifier call (PIL open + convert + classify: the least code that
labels a file) against the picture stage (decode small, upright, colour facts, classify,
coarse labels, kind) on each picture. Goal: stage ≤ 1.2× raw. Phase 3 runs the real
pipeline runner (every stage, embedded parts) over the pictures and reports ms per picture
for each stage. Phase 4 compares preview formats.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_RATIO = 1.2


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def corpus() -> dict[str, bytes]:
    from PIL import Image
    from sklearn.datasets import load_sample_images
    from tests.support import pictures as p

    spots = [p.CHIANG_MAI, p.BANGKOK, p.PHUKET, p.AREZZO, p.TOKYO]
    found: dict[str, bytes] = {}
    for i, subject in enumerate(p.SKIMAGE_PHOTOS):
        found[f"{subject}.jpg"] = p.photo_jpeg(subject, spots[i % len(spots)])
    for name, array in zip(("temple", "flower"), load_sample_images().images, strict=True):
        buf = io.BytesIO()
        exif = p.exif_bytes(gps=p.gps_ifd(p.BANGKOK.latitude, p.BANGKOK.longitude))
        Image.fromarray(array).save(buf, "JPEG", quality=92, exif=exif)
        found[f"{name}.jpg"] = buf.getvalue()
    for subject in ("cat", "coffee"):  # camera-sized: 4000×3000-ish
        found[f"{subject}-12mp.jpg"] = p.photo_jpeg(subject, p.CHIANG_MAI, scale=8.9)
    found["screenshot.png"] = p.screenshot_png()
    found["receipt.jpg"] = p.document_photo_jpeg(spot=p.CHIANG_MAI)
    return found


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """The median of `repeat` runs, in ms."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def settings(data_dir: Path, threads: int) -> Any:
    from drive2.config import Settings

    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        DRIVE2_DATA_DIR=data_dir,
        JWT_SECRET="bench-" + "b" * 40,
        STORAGE_FSYNC=False,
        LOG_LEVEL="WARNING",
        TORCH_THREADS=threads,
    )


def phase_memory(threads: int) -> tuple[Any, Any, dict[str, float]]:
    from PIL import Image

    from drive2.adapters.places.geonames import GeoNamesGeocoder
    from drive2.adapters.vision.efficientnet_lite import EfficientNetLiteClassifier

    memory = {"start": rss_mb()}
    import torch  # a worker has it already: the embedder runs on it

    torch.set_num_threads(threads)
    memory["with torch"] = rss_mb()
    start = time.perf_counter()
    classifier = EfficientNetLiteClassifier(torch_threads=threads)
    classifier.classify(Image.new("RGB", (224, 224)))
    memory["classifier_load_s"] = time.perf_counter() - start
    memory["with classifier"] = rss_mb()
    start = time.perf_counter()
    geocoder = GeoNamesGeocoder()
    geocoder.nearest(13.75, 100.5)
    memory["geocoder_load_s"] = time.perf_counter() - start
    memory["with geocoder"] = rss_mb()
    return classifier, geocoder, memory


def phase_stage_vs_raw(
    classifier: Any, geocoder: Any, files: dict[Path, bytes], cfg: Any, repeat: int
) -> list[tuple[str, float, float, float]]:
    from PIL import Image

    from drive2.domain.models import FileRecord, FileStatus
    from drive2.pipeline.context import ProcessingContext
    from drive2.pipeline.metadata.image import read_image_metadata
    from drive2.pipeline.stages.picture import PictureStage
    from drive2.pipeline.stages.place import PlaceStage

    stage = PictureStage(classifier)
    place = PlaceStage(geocoder)
    rows = []
    for path in files:
        metadata = read_image_metadata(path, cfg.image_max_pixels)
        mime = "image/png" if path.suffix == ".png" else "image/jpeg"

        def raw(path: Path = path) -> None:
            with Image.open(path) as img:
                classifier.classify(img.convert("RGB"))

        def context(
            path: Path = path, metadata: dict[str, Any] = metadata, mime: str = mime
        ) -> ProcessingContext:
            now = datetime.now(UTC)
            record = FileRecord(
                id="bench", user_id="u", filename=path.name, content_type=mime, size_bytes=0,
                checksum_sha256="", storage_key="", thumbnail_key=None,
                status=FileStatus.PROCESSING, progress=0, stage=None, attempts=1, error=None,
                uploaded_at=now, updated_at=now, processed_at=None, metadata={},
                text_excerpt=None, ai=None,
            )  # fmt: skip
            return ProcessingContext(
                record, 1, path, path.parent, cfg, mime, metadata=dict(metadata)
            )

        raw_ms = timed(raw, repeat)
        stage_ms = timed(lambda ctx=context: stage.run(ctx()), repeat)
        has_gps = place.applies(context())
        place_ms = timed(lambda ctx=context: place.run(ctx()), repeat) if has_gps else 0.0
        rows.append((path.name, raw_ms, stage_ms, place_ms))
    return rows


def phase_pipeline(cfg: Any, files: dict[Path, bytes]) -> tuple[dict[str, list[int]], list[float]]:
    from drive2.adapters.db.migrate import upgrade
    from drive2.bootstrap import build_container
    from drive2.domain.models import NewFile
    from drive2.domain.object_keys import original_key
    from drive2.pipeline.runner import RunOutcome

    cfg.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(cfg.resolved_database_url)
    container = build_container(cfg)
    user = container.auth.register("bench@example.com", "password123")
    per_stage: dict[str, list[int]] = defaultdict(list)
    totals: list[float] = []
    try:
        for warm in (True, False):
            for path, data in files.items():
                file_id = str(uuid.uuid4())
                key = original_key(user.id, file_id)
                container.blobs.put_file(key, path)
                mime = "image/png" if path.suffix == ".png" else "image/jpeg"
                digest = uuid.uuid4().hex * 2  # distinct: the same bytes twice are a duplicate
                container.repo.add_file(
                    NewFile(file_id, user.id, path.name, mime, len(data), digest, key)
                )
                start = time.perf_counter()
                assert container.runner.run(file_id) is RunOutcome.COMPLETED
                if warm:
                    continue  # the first pass loads the models
                totals.append((time.perf_counter() - start) * 1000)
                for record in container.repo.stage_records(file_id):
                    per_stage[record.name].append(record.duration_ms)
    finally:
        container.close()
    return per_stage, totals


def phase_preview_formats(files: dict[Path, bytes], size: int = 1440) -> list[str]:
    import numpy as np
    from PIL import Image
    from skimage.metrics import structural_similarity

    results: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for path in files:
        with Image.open(path) as img:
            source = img.convert("RGB")
        source.thumbnail((size, size), Image.Resampling.LANCZOS)
        reference = np.asarray(source.convert("L"))
        for fmt, options in (
            ("JPEG q82", {"format": "JPEG", "quality": 82, "progressive": True, "optimize": True}),
            ("JPEG q75", {"format": "JPEG", "quality": 75, "progressive": True, "optimize": True}),
            ("WebP q80", {"format": "WEBP", "quality": 80, "method": 4}),
        ):
            buf = io.BytesIO()
            start = time.perf_counter()
            source.save(buf, **options)
            encode_ms = (time.perf_counter() - start) * 1000
            with Image.open(io.BytesIO(buf.getvalue())) as decoded:
                ssim = structural_similarity(reference, np.asarray(decoded.convert("L")))
            results[fmt].append((len(buf.getvalue()), float(ssim), encode_ms))
    lines = []
    for fmt, rows in results.items():
        size_kb = statistics.mean(r[0] for r in rows) / 1024
        ssim = statistics.mean(r[1] for r in rows)
        ms = statistics.median(r[2] for r in rows)
        lines.append(f"  {fmt:9s} mean {size_kb:6.1f} KB  SSIM {ssim:.4f}  encode {ms:6.1f} ms")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 or 2)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    work = Path(tempfile.mkdtemp(prefix="drive2-bench-pictures-"))
    files = {}
    for name, data in corpus().items():
        path = work / name
        path.write_bytes(data)
        files[path] = data
    cfg = settings(work / "data", args.threads)
    print(f"{len(files)} pictures, torch threads {args.threads}, {os.cpu_count()} cores")

    classifier, geocoder, memory = phase_memory(args.threads)
    print("\n[1] memory (RSS of this process, as a worker holds them)")
    print(f"  before: {memory['start']:.0f} MB")
    print(f"  + torch imported (every worker has it): {memory['with torch']:.0f} MB")
    print(
        f"  + classifier (EfficientNet-Lite0): {memory['with classifier']:.0f} MB "
        f"(+{memory['with classifier'] - memory['with torch']:.0f}), "
        f"loaded in {memory['classifier_load_s']:.1f} s"
    )
    print(
        f"  + geocoder (GeoNames, 155k places): {memory['with geocoder']:.0f} MB "
        f"(+{memory['with geocoder'] - memory['with classifier']:.0f}), "
        f"loaded in {memory['geocoder_load_s']:.1f} s"
    )

    rows = phase_stage_vs_raw(classifier, geocoder, files, cfg, args.repeat)
    print("\n[2] picture stage against the raw classifier call (median ms)")
    print(f"  {'picture':22s} {'raw':>8s} {'stage':>8s} {'ratio':>6s} {'place':>7s}")
    for name, raw_ms, stage_ms, place_ms in rows:
        ratio = stage_ms / raw_ms
        print(f"  {name:22s} {raw_ms:8.1f} {stage_ms:8.1f} {ratio:6.2f} {place_ms:7.2f}")
    raw_total = sum(r[1] for r in rows)
    stage_total = sum(r[2] for r in rows)
    ratio = stage_total / raw_total
    verdict = "within" if ratio <= GOAL_RATIO else "OVER"
    print(
        f"  all: raw {raw_total:.0f} ms, stage {stage_total:.0f} ms: {ratio:.2f}× "
        f"({verdict} the {GOAL_RATIO}× goal)"
    )

    per_stage, totals = phase_pipeline(cfg, files)
    print("\n[3] the whole pipeline, per picture (median ms of the stage records; warm models)")
    for name, values in per_stage.items():
        print(f"  {name:14s} median {statistics.median(values):7.0f}  max {max(values):7.0f}")
    print(f"  whole run      median {statistics.median(totals):7.0f}  max {max(totals):7.0f}")
    print(f"  RSS after the pipeline (classifier, geocoder, the embedder): {rss_mb():.0f} MB")

    print("\n[4] preview formats at 1440 px (mean size, SSIM against the scaled source)")
    for line in phase_preview_formats(files):
        print(line)


if __name__ == "__main__":
    main()
