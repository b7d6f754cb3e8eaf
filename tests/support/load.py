"""Many clients uploading at once over HTTP, then waiting for every file to be processed.

Used by the load test (tests/e2e/test_load.py) and the benchmark (bench/load.py): each client
is its own user, every body is unique, and at the end every file must be accounted for —
uploaded once, listed once, processed to `completed`.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from tests.support.api import register_and_login

WORDS = (
    "invoice harbour lantern meadow copper violin glacier orchard pepper canyon "
    "satellite marble thunder velvet compass falcon quartz ribbon saddle tundra"
).split()


@dataclass
class LoadReport:
    files: int
    clients: int
    upload_p50_ms: float
    upload_p99_ms: float
    upload_wall_s: float
    drain_s: float
    statuses: dict[str, int]
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    bad_answers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _body(n: int) -> bytes:
    words = " ".join(WORDS[(n * 7 + i) % len(WORDS)] for i in range(40))
    return f"Load test note {n} ({uuid.uuid4()}).\n{words}.\n".encode()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_load(
    base_url: str, files: int = 500, clients: int = 50, timeout: float = 1800
) -> LoadReport:
    per_client = [files // clients + (1 if i < files % clients else 0) for i in range(clients)]
    latencies: list[float] = []
    uploaded: dict[int, list[str]] = {}
    bad: list[str] = []
    lock = threading.Lock()
    headers: list[dict[str, str]] = []
    with httpx.Client(base_url=base_url, timeout=120) as setup:
        headers = [register_and_login(setup) for _ in range(clients)]

    def client_work(index: int) -> None:
        ids: list[str] = []
        with httpx.Client(base_url=base_url, timeout=120) as client:
            for k in range(per_client[index]):
                n = sum(per_client[:index]) + k
                started = time.perf_counter()
                r = client.post(
                    "/api/v1/files/upload",
                    headers=headers[index],
                    files={"file": (f"note-{n}.txt", _body(n), "text/plain")},
                )
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if r.status_code != 202:
                        bad.append(f"{r.status_code} {r.text[:200]}")
                    else:
                        ids.append(r.json()["file_id"])
        uploaded[index] = ids

    wall = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client_work, range(clients)))
    upload_wall = time.perf_counter() - wall
    drain_started = time.perf_counter()
    deadline = time.monotonic() + timeout
    statuses: dict[str, int] = {}
    listed: dict[int, list[dict[str, Any]]] = {}
    with httpx.Client(base_url=base_url, timeout=120) as client:
        while True:
            for index in range(clients):
                r = client.get("/api/v1/files", headers=headers[index], params={"limit": 100})
                r.raise_for_status()
                listed[index] = r.json()["items"]
            statuses = {}
            for items in listed.values():
                for item in items:
                    statuses[item["status"]] = statuses.get(item["status"], 0) + 1
            if statuses.get("pending", 0) + statuses.get("processing", 0) == 0:
                break
            if time.monotonic() > deadline:
                break
            time.sleep(2)
    drain = time.perf_counter() - drain_started
    lost: list[str] = []
    duplicated: list[str] = []
    for index, ids in uploaded.items():
        seen = [item["id"] for item in listed.get(index, [])]
        lost += [i for i in ids if i not in seen]
        duplicated += sorted({i for i in seen if seen.count(i) > 1})
        duplicated += [i for i in seen if i not in ids]
    return LoadReport(
        files=files,
        clients=clients,
        upload_p50_ms=round(statistics.median(latencies), 1),
        upload_p99_ms=round(_percentile(latencies, 0.99), 1),
        upload_wall_s=round(upload_wall, 1),
        drain_s=round(drain, 1),
        statuses=statuses,
        lost=lost,
        duplicated=duplicated,
        bad_answers=bad,
    )
