"""Zip download benchmark: the API server's memory while it streams a zip of 1 GiB of files.

Starts the Drive2 API (embedded mode, fresh temp data dir, no worker), signs a user in,
uploads 1 GiB of files (seven of 128 MiB of random bytes, stored as they are in the zip, and
one of 128 MiB of text, deflated), then measures over loopback, sampling the server's RSS
every 50 ms:

* baseline: the same files downloaded one by one (GET /files/{id}/download) — the cost of
  just moving these bytes through the server;
* zip: POST /files/archive with all of them — the streamed zip.

For each: bytes received, MB/s (MB = 10^6 bytes), the server's peak RSS growth over its RSS
before the phase, and its CPU seconds. The zip is written to disk and checked afterwards
(every CRC and size). The goal: RSS growth under 64 MB for the zip of 1 GiB.

    .venv/bin/python bench/archive.py [--quick] [--keep]

--quick uses 128 MiB in all (for a smoke run). The exit code is 0 whenever the measurement
ran (a missed goal is a result, not an error).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from upload import (
    API,
    GIB,
    MB,
    MIB,
    Body,
    Content,
    ProcessSampler,
    Server,
    environment,
    sign_in,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
GOAL_RSS_GROWTH_MB = 64.0
RECEIVE_CHUNK = 1 * MIB


class TextContent(Content):
    """Compressible bodies: lines of words (deflate shrinks them), still each unique."""

    def __init__(self) -> None:
        super().__init__()
        words = b"invoice receipt meeting budget Chiang Mai consulting quarterly report "
        lines = [b"%06d " % i + words * (1 + i % 3) + b"\n" for i in range(40_000)]
        pool = b"".join(lines)
        self.pool = memoryview((pool * (8 * MIB // len(pool) + 1))[: 8 * MIB])


def upload_all(url: str, token: str, total: int, log: Any) -> list[tuple[str, int]]:
    """(file id, size) of the uploaded files: 7/8 random bytes, 1/8 text."""
    each = total // 8
    plans = [(Content(), f"random-{i}.bin") for i in range(7)] + [(TextContent(), "notes.txt")]
    files: list[tuple[str, int]] = []
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=600) as c:
        for content, name in plans:
            body = Body(content, each, name)
            r = c.post(
                f"{API}/files/upload",
                content=body.stream(),
                headers={**auth, **body.headers()},
            )
            if r.status_code != 202:
                raise RuntimeError(f"upload of {name} answered {r.status_code}: {r.text}")
            files.append((r.json()["file_id"], each))
            log(f"  uploaded {name} ({each // MIB} MiB)")
    return files


def phase(
    sampler: ProcessSampler, label: str, requests: list[httpx.Request], sink: Path
) -> dict[str, Any]:
    """Send the requests one after another, streaming each answer into `sink`."""
    time.sleep(0.5)  # let the sampler see the server at rest
    rss_before = sampler.rss()
    cpu_before = sampler.cpu_seconds()
    client_cpu_before = time.process_time()
    received = 0
    digest = hashlib.sha256()
    start_t = time.monotonic()
    started = time.perf_counter()
    with httpx.Client(timeout=600) as c, open(sink, "wb") as out:
        for request in requests:
            r = c.send(request, stream=True)
            try:
                if r.status_code != 200:
                    raise RuntimeError(f"{label}: {r.status_code} {r.read()[:300]!r}")
                for chunk in r.iter_raw(RECEIVE_CHUNK):
                    received += len(chunk)
                    digest.update(chunk)
                    out.write(chunk)
            finally:
                r.close()
    seconds = time.perf_counter() - started
    end_t = time.monotonic()
    time.sleep(0.2)
    peak = sampler.peak(start_t, end_t + 0.2)
    return {
        "label": label,
        "requests": len(requests),
        "bytes": received,
        "seconds": round(seconds, 2),
        "mb_per_s": round(received / MB / seconds, 1),
        "server_rss_before_mb": round(rss_before / MIB, 1),
        "server_rss_growth_mb": round(max(0, peak - rss_before) / MIB, 1),
        "server_cpu_seconds": round(sampler.cpu_seconds() - cpu_before, 2),
        # The client shares the cores: its CPU (chunked decoding, hashing) is part of the time.
        "client_cpu_seconds": round(time.process_time() - client_cpu_before, 2),
        "sha256": digest.hexdigest(),
    }


def check_zip(path: Path, files: list[tuple[str, int]]) -> dict[str, Any]:
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        infos = z.infolist()
        sizes = sorted(i.file_size for i in infos)
        stored = sum(1 for i in infos if i.compress_type == zipfile.ZIP_STORED)
        deflated = [i for i in infos if i.compress_type == zipfile.ZIP_DEFLATED]
    return {
        "entries": len(infos),
        "crc_ok": bad is None,
        "sizes_ok": sizes == sorted(size for _, size in files),
        "stored_entries": stored,
        "deflate_ratio": round(deflated[0].compress_size / deflated[0].file_size, 3)
        if deflated
        else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="128 MiB in all instead of 1 GiB")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir")
    args = parser.parse_args(argv)
    total = 128 * MIB if args.quick else GIB

    def log(message: str) -> None:
        print(message, flush=True)

    work = Path(tempfile.mkdtemp(prefix="drive2-bench-archive-"))
    if shutil.disk_usage(work).free < 4 * total:
        print(f"benchmark failed: needs {4 * total // GIB} GiB free", file=sys.stderr)
        return 1
    server = Server(work)
    sampler: ProcessSampler | None = None
    try:
        log(f"Drive2 zip benchmark ({total // MIB} MiB); work dir {work}")
        server.start()
        sampler = ProcessSampler(server.pid)
        sampler.start()
        token = sign_in(server.url)
        files = upload_all(server.url, token, total, log)
        auth = {"Authorization": f"Bearer {token}"}
        singles = [
            httpx.Request("GET", f"{server.url}{API}/files/{fid}/download", headers=auth)
            for fid, _ in files
        ]
        zipped = [
            httpx.Request(
                "POST",
                f"{server.url}{API}/files/archive",
                headers=auth,
                json={"file_ids": [fid for fid, _ in files]},
            )
        ]
        log("baseline: one download per file ...")
        baseline = phase(sampler, "baseline: downloads one by one", singles, work / "singles.bin")
        log("zip: one streamed archive ...")
        zipped_phase = phase(sampler, "zip: POST /files/archive", zipped, work / "all.zip")
        check = check_zip(work / "all.zip", files)
        results = {
            "started_at": datetime.now().astimezone().isoformat(),
            "total_bytes": total,
            "files": len(files),
            "environment": environment(),
            "baseline": baseline,
            "zip": zipped_phase,
            "zip_check": check,
            "goal": {
                "zip_rss_growth_mb_under": GOAL_RSS_GROWTH_MB,
                "met": zipped_phase["server_rss_growth_mb"] < GOAL_RSS_GROWTH_MB
                and check["crc_ok"]
                and check["sizes_ok"],
            },
        }
        log("")
        for p in (baseline, zipped_phase):
            log(
                f"{p['label']:<34} {p['bytes'] / MIB:8.0f} MiB  {p['mb_per_s']:7.1f} MB/s  "
                f"RSS +{p['server_rss_growth_mb']:6.1f} MB  (before {p['server_rss_before_mb']} MB)"
                f"  CPU server {p['server_cpu_seconds']} s, client {p['client_cpu_seconds']} s"
            )
        log(f"zip check: {check}")
        verdict = "met" if results["goal"]["met"] else "MISSED"
        log(f"goal: zip RSS growth < {GOAL_RSS_GROWTH_MB:.0f} MB for {total // MIB} MiB: {verdict}")
        RESULTS_DIR.mkdir(exist_ok=True)
        out = RESULTS_DIR / f"archive-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.json"
        out.write_text(json.dumps(results, indent=2))
        log(f"results: {out}")
        return 0
    except Exception as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        print(f"--- server log (tail) ---\n{server.tail()}", file=sys.stderr)
        return 1
    finally:
        if sampler is not None:
            sampler.stop()
        server.stop()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
