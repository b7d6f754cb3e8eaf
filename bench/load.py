"""Load benchmark: 500 uploads from 50 concurrent clients, then the time until every file is
processed — in the embedded deployment and with PostgreSQL + Redis (when they answer).

Each deployment is `drive2 serve` (API, a worker with 2 processes, Beat) in a fresh temp folder.
The baseline, in the same run and on the same server, is one client uploading 50 files one
after another: the 50-client latencies are compared with it. Every file must reach
`completed`, none lost or duplicated (the run says so if not).

    .venv/bin/python bench/load.py [--files 500] [--clients 50] [--only embedded|server]

Figures go to stdout and bench/results/load-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from tests.support.load import run_load  # noqa: E402
from tests.support.serve import serving  # noqa: E402
from tests.support.services import fresh_postgres_database, fresh_redis_db  # noqa: E402


def _deployment(name: str, files: int, clients: int) -> dict[str, Any]:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="drive2-load-")))
        # Every client registers from this one machine: past the per-address default.
        env = {"AI_PROVIDERS": "local", "STORAGE_FSYNC": "false", "REGISTRATION_MAX_PER_IP": "1000"}
        if name == "server":
            db_url = stack.enter_context(fresh_postgres_database())
            redis_url = stack.enter_context(fresh_redis_db())
            env.update(
                DATABASE_URL=db_url, CELERY_BROKER_URL=redis_url, CELERY_RESULT_BACKEND=redis_url
            )
        served = stack.enter_context(serving(tmp, env, concurrency=2))
        baseline = run_load(served.url, files=50, clients=1)
        loaded = run_load(served.url, files=files, clients=clients)
    ok = (
        not loaded.lost
        and not loaded.duplicated
        and not loaded.bad_answers
        and loaded.statuses == {"completed": files}
    )
    return {
        "deployment": name,
        "baseline_1_client": baseline.as_dict(),
        "load": loaded.as_dict(),
        "p50_vs_baseline": round(loaded.upload_p50_ms / baseline.upload_p50_ms, 1),
        "files_per_minute": round(files / (loaded.upload_wall_s + loaded.drain_s) * 60, 1),
        "every_file_completed_once": ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--only", choices=["embedded", "server"])
    args = parser.parse_args()
    names = [args.only] if args.only else ["embedded", "server"]
    results = [_deployment(n, args.files, args.clients) for n in names]
    print(
        f"{'deployment':<10} {'p50 ms':>8} {'p99 ms':>8} {'1-client p50':>13} "
        f"{'upload s':>9} {'drain s':>8} {'files/min':>10}  all completed once"
    )
    for r in results:
        load, base = r["load"], r["baseline_1_client"]
        print(
            f"{r['deployment']:<10} {load['upload_p50_ms']:>8} {load['upload_p99_ms']:>8} "
            f"{base['upload_p50_ms']:>13} {load['upload_wall_s']:>9} {load['drain_s']:>8} "
            f"{r['files_per_minute']:>10}  {r['every_file_completed_once']}"
        )
    out_dir = ROOT / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"load-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
