"""Pipeline benchmark: files per minute for one worker, time per stage, and the pipeline's own
overhead against calling the same tools directly on the same files, in the same run.

    .venv/bin/python bench/pipeline.py [--files 60] [--celery] [--keep]

Phase 1 runs the real pipeline runner in this process, file after file (one worker, one
slot), against the embedded parts (SQLite, local folder). Phase 2 calls the tools the stages
use — pypdfium2, tesseract, Pillow, ffprobe/ffmpeg, zip+XML — directly on the same files.
With --celery, phase 3 also pushes the corpus through a real `celery worker --pool solo` over
the SQLite broker and reports end-to-end files per minute. Goal: pipeline ≤ 1.2× raw tools.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from corpus import CorpusFile, build_corpus  # noqa: E402

GOAL_RATIO = 1.2
MODEL_STAGES = ("ai_analysis", "embed")


def _settings(data_dir: Path) -> Any:
    from drive2.config import Settings

    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        DRIVE2_DATA_DIR=data_dir,
        JWT_SECRET="bench-" + "b" * 40,
        STORAGE_FSYNC=False,
        LOG_LEVEL="WARNING",
    )


def _store(container: Any, user_id: str, item: CorpusFile) -> str:
    import hashlib

    from drive2.domain.models import NewFile
    from drive2.domain.object_keys import original_key
    from drive2.pipeline.sniff import detect_file

    file_id = str(uuid.uuid4())
    key = original_key(user_id, file_id)
    container.blobs.put_file(key, item.path)
    data = item.path.read_bytes()
    container.repo.add_file(
        NewFile(
            file_id,
            user_id,
            item.name,
            detect_file(item.path, item.name),
            len(data),
            hashlib.sha256(data).hexdigest(),
            key,
        )
    )
    return file_id


def run_pipeline(container: Any, corpus: list[CorpusFile]) -> dict[str, Any]:
    user = container.auth.register(f"bench-{uuid.uuid4().hex[:6]}@example.com", "benchpassword")
    ids = [(item, _store(container, user.id, item)) for item in corpus]
    per_file: list[dict[str, Any]] = []
    stage_ms: dict[str, list[int]] = defaultdict(list)
    started = time.perf_counter()
    for item, file_id in ids:
        t0 = time.perf_counter()
        outcome = container.runner.run(file_id)
        elapsed = time.perf_counter() - t0
        record = container.repo.get_file(file_id)
        stages = container.repo.stage_records(file_id)
        for stage in stages:
            stage_ms[stage.name].append(stage.duration_ms)
        per_file.append(
            {
                "name": item.name,
                "kind": item.kind,
                "seconds": elapsed,
                "outcome": str(outcome),
                "status": record.status.value,
                "error": record.error,
                "skipped": record.metadata.get("skipped_stages", {}),
                "stages_ms": sum(s.duration_ms for s in stages),
            }
        )
    total = time.perf_counter() - started
    return {"total_s": total, "files": per_file, "stage_ms": dict(stage_ms)}


def _tesseract(path: Path, langs: str, dpi: int | None = None) -> None:
    # The stage's own arguments, so both sides do the same work.
    extra = ["--dpi", str(dpi)] if dpi else []
    subprocess.run(
        [
            "tesseract",
            str(path),
            "stdout",
            "-l",
            langs,
            "--psm",
            "3",
            "-c",
            "preserve_interword_spaces=1",
            *extra,
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        timeout=120,
    )


def _thumb(image: Any, out: Path) -> None:
    image = image.convert("RGB")
    image.thumbnail((300, 300))
    image.save(out, "JPEG", quality=85)


def raw_tools(item: CorpusFile, work: Path, settings: Any) -> None:
    """The same tools the stages call, called directly, with no pipeline around them."""
    import pypdfium2 as pdfium
    from PIL import Image

    kind, path = item.kind, item.path
    if kind in {"txt", "md", "csv", "json", "html"}:
        path.read_bytes().decode("utf-8")
    elif kind.startswith("pdf"):
        pdf = pdfium.PdfDocument(str(path))
        texts = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded())
            if kind == "pdf-scan" and not texts[-1].strip():
                png = work / f"page{index}.png"
                page.render(scale=settings.ocr_dpi / 72).to_pil().convert("L").save(png)
                _tesseract(png, settings.ocr_languages, settings.ocr_dpi)
            textpage.close()
            page.close()
        _thumb(pdf[0].render(scale=600 / max(pdf[0].get_size())).to_pil(), work / "t.jpg")
        pdf.close()
    elif kind in {"png-text", "jpeg-photo"}:
        _tesseract(path, settings.ocr_languages)
        with Image.open(path) as image:
            image.draft("RGB", (600, 600))
            _thumb(image, work / "t.jpg")
    elif kind in {"docx", "xlsx"}:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".xml") and ("word/" in name or "xl/" in name):
                    ElementTree.fromstring(zf.read(name))
    elif kind == "mp4":
        probe = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        duration = float(json.loads(probe.stdout)["format"]["duration"])
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-ss",
                f"{duration / 10:.2f}",
                "-i",
                str(path),
                "-frames:v",
                "1",
                "-vf",
                "scale=300:300:force_original_aspect_ratio=decrease",
                str(work / "frame.jpg"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )


def run_raw(corpus: list[CorpusFile], settings: Any) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="drive2-raw-"))
    per_kind: dict[str, float] = defaultdict(float)
    started = time.perf_counter()
    try:
        for item in corpus:
            t0 = time.perf_counter()
            raw_tools(item, work, settings)
            per_kind[item.kind] += time.perf_counter() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"total_s": time.perf_counter() - started, "per_kind_s": dict(per_kind)}


def run_celery(data_dir: Path, corpus: list[CorpusFile]) -> dict[str, Any]:
    """End to end through a real solo worker on the SQLite broker."""
    from drive2.bootstrap import build_container

    env = {
        **os.environ,
        "DRIVE2_DATA_DIR": str(data_dir),
        "JWT_SECRET": "bench-" + "b" * 40,
        "STORAGE_FSYNC": "false",
        "LOG_LEVEL": "INFO",  # the worker says "ready" at INFO
    }
    from drive2.adapters.db.migrate import upgrade

    settings = _settings(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build_container(settings)
    user = container.auth.register(f"celery-{uuid.uuid4().hex[:6]}@example.com", "benchpassword")
    log = open(data_dir / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "drive2.worker.celery_app",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while b" ready." not in (data_dir / "worker.log").read_bytes():
            if time.monotonic() > deadline or worker.poll() is not None:
                tail = (data_dir / "worker.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"worker did not start:\n{tail}")
            time.sleep(0.2)
        started = time.perf_counter()
        ids = []
        for item in corpus:
            file_id = _store(container, user.id, item)
            container.queue.dispatch_processing(file_id, user.id)
            ids.append(file_id)
        pending = set(ids)
        while pending:
            for file_id in list(pending):
                record = container.repo.get_file(file_id)
                if record.status.value in {"completed", "failed"}:
                    pending.discard(file_id)
            time.sleep(0.2)
        total = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()
        container.close()
    return {"total_s": total, "files_per_minute": len(corpus) / total * 60}


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--celery", action="store_true", help="also run through a real worker")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    args = parser.parse_args()

    from drive2.adapters.db.migrate import upgrade
    from drive2.bootstrap import build_container

    base = Path(tempfile.mkdtemp(prefix="drive2-bench-pipeline-"))
    try:
        print(f"generating {args.files} files …", flush=True)
        t0 = time.perf_counter()
        corpus = build_corpus(base / "corpus", args.files)
        print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
        data_dir = base / "data"
        settings = _settings(data_dir)
        data_dir.mkdir(parents=True)
        upgrade(settings.resolved_database_url)
        container = build_container(settings)
        # Warm both paths once (imports, font caches) so neither pays first-call costs.
        warm = corpus[: min(len(corpus), 12)]
        run_raw(warm, settings)
        run_pipeline(container, warm)
        print("phase 1: pipeline runner, one worker slot …", flush=True)
        pipe = run_pipeline(container, corpus)
        print("phase 2: the same tools called directly …", flush=True)
        raw = run_raw(corpus, settings)
        container.close()
        celery = run_celery(base / "celery", corpus) if args.celery else None
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)

    n = len(corpus)
    # The AI and embed stages run a model, not one of the tools the raw side calls; they are
    # measured against plain sentence-transformers by bench/embedding.py. The goal compares
    # the rest of the pipeline with the raw tools.
    model_s = sum(sum(pipe["stage_ms"].get(name, [])) for name in MODEL_STAGES) / 1000
    content_s = pipe["total_s"] - model_s
    ratio = content_s / raw["total_s"]
    failed = [f for f in pipe["files"] if f["status"] != "completed"]
    print()
    print(f"files: {n}   completed: {n - len(failed)}   failed: {len(failed)}")
    for f in failed:
        print(f"  failed {f['name']}: {f['error']}")
    skipped = [(f["name"], f["skipped"]) for f in pipe["files"] if f["skipped"]]
    for name, why in skipped:
        print(f"  skipped stages in {name}: {why}")
    print(
        f"pipeline (1 worker, in process): {pipe['total_s']:.2f} s  "
        f"= {n / pipe['total_s'] * 60:.1f} files/min"
    )
    if celery:
        print(
            f"pipeline through Celery (solo worker, SQLite broker): {celery['total_s']:.2f} s  "
            f"= {celery['files_per_minute']:.1f} files/min"
        )
    print(f"raw tools on the same files:     {raw['total_s']:.2f} s")
    verdict = "PASS" if ratio <= GOAL_RATIO else "MISS"
    print(f"  of which AI + embed stages (model work): {model_s:.2f} s")
    print(f"pipeline without the model stages: {content_s:.2f} s")
    print(
        f"pipeline (without model stages) / raw = {ratio:.2f}×  (goal ≤ {GOAL_RATIO}×)  {verdict}"
    )
    print()
    rows = [("stage", "runs", "total s", "mean ms", "p50 ms", "max ms")]
    for stage, values in pipe["stage_ms"].items():
        rows.append(
            (
                stage,
                str(len(values)),
                f"{sum(values) / 1000:.2f}",
                f"{statistics.mean(values):.1f}",
                f"{statistics.median(values):.0f}",
                str(max(values)),
            )
        )
    print(_table(rows))
    print()
    kinds: dict[str, float] = defaultdict(float)
    for f in pipe["files"]:
        kinds[f["kind"]] += f["seconds"]
    rows = [("kind", "pipeline s", "raw s", "ratio")]
    for kind, seconds in kinds.items():
        raw_s = raw["per_kind_s"].get(kind, 0.0)
        rows.append(
            (kind, f"{seconds:.2f}", f"{raw_s:.2f}", f"{seconds / raw_s:.2f}" if raw_s else "-")
        )
    print(_table(rows))
    results = ROOT / "results"
    results.mkdir(exist_ok=True)
    out = results / f"pipeline-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "files": n,
                "pipeline": pipe,
                "raw": raw,
                "celery": celery,
                "ratio": ratio,
                "model_stages_s": model_s,
                "goal": GOAL_RATIO,
            },
            indent=1,
            default=str,
        )
    )
    print(f"\nfigures written to {out.relative_to(ROOT.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
