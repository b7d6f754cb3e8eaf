"""Upload benchmark: latency, throughput against a raw disk write, and server memory.

Starts the Drive2 API (embedded mode, fresh temp data dir, no Celery worker: dispatch only
queues into the SQLite broker), signs a user in, then measures over loopback:

* p50/p99 upload latency for 1 KB, 1 MB and 100 MB files with 1 and 16 concurrent clients;
* 100 MB upload throughput against a raw write of the same bytes into DATA_DIR/objects,
  written the way LocalBlobStore writes (1 MiB chunks, flush, fdatasync, rename);
* the server's RSS growth while one 1 GiB upload streams from a client-side generator.

Every body is unique (shared random bytes plus a unique 16-byte tail), so dedup never answers
200. Sizes are binary (1 KB = 1 KiB, 1 MB = 1 MiB, 100 MB = 100 MiB); rates are MB/s with
MB = 10^6 bytes. Client and server share the machine's cores, so the client's own CPU cost is
part of every figure; it is reported alongside.

    .venv/bin/python bench/upload.py [--quick] [--keep]

The exit code is 0 whenever the measurement ran (a missed goal is a result, not an error).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import psutil

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
MB = 1_000_000
CHUNK = MIB  # client send chunk and raw-write chunk, like LocalBlobStore's 1 MiB writes
POOL_BYTES = 8 * MIB  # shared random content; each body differs by its unique tail
TAIL_BYTES = 16
STREAM_FROM = 4 * MIB  # bodies at least this large are streamed from a generator
SAMPLE_EVERY = 0.05
API = "/api/v1"
APP_FACTORY = "drive2.api.asgi:create_app_from_env"
BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

GOAL_P50_1MB_MS = 30.0
GOAL_THROUGHPUT_RATIO = 0.5
GOAL_RSS_GROWTH_MB = 64.0

SIZES = {"1KB": KIB, "1MB": MIB, "100MB": 100 * MIB}
FREE_FULL = 10 * GIB  # the full run leaves about 7 GiB of objects in the data dir
FREE_QUICK = 4 * GIB


class BenchError(RuntimeError):
    """The benchmark could not measure (server failed, wrong answer, ...)."""


# --- content -------------------------------------------------------------------------------
class Content:
    """Bodies of any size: bytes from a shared random pool, then a unique 16-byte tail.

    Because the unique part comes last, the expected SHA-256 of a body is the hash of the
    shared prefix (computed once per size) copied and updated with 16 bytes.
    """

    def __init__(self) -> None:
        self.pool = memoryview(os.urandom(POOL_BYTES))
        self._prefix_hashes: dict[int, Any] = {}

    def chunks(self, size: int, tail: bytes, chunk: int = CHUNK) -> Iterator[memoryview | bytes]:
        remaining = size - len(tail)
        pos = 0
        while remaining > 0:
            take = min(chunk, remaining, POOL_BYTES - pos)
            yield self.pool[pos : pos + take]
            remaining -= take
            pos = (pos + take) % POOL_BYTES
        yield tail

    def sha256(self, size: int, tail: bytes) -> str:
        if size not in self._prefix_hashes:
            h = hashlib.sha256()
            for piece in self.chunks(size - TAIL_BYTES, b""):
                h.update(piece)
            self._prefix_hashes[size] = h
        h = self._prefix_hashes[size].copy()
        h.update(tail)
        return str(h.hexdigest())


@dataclass
class Body:
    """One multipart/form-data request body with the file in the field `file`."""

    content: Content
    size: int
    name: str
    tail: bytes = field(default_factory=lambda: uuid.uuid4().bytes)
    boundary: str = field(default_factory=lambda: f"drive2bench{uuid.uuid4().hex}")

    def _head(self) -> bytes:
        return (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{self.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()

    def _end(self) -> bytes:
        return f"\r\n--{self.boundary}--\r\n".encode()

    def headers(self) -> dict[str, str]:
        length = len(self._head()) + self.size + len(self._end())
        return {
            "Content-Type": f"multipart/form-data; boundary={self.boundary}",
            "Content-Length": str(length),
        }

    def stream(self) -> Iterator[bytes]:
        yield self._head()
        for piece in self.content.chunks(self.size, self.tail):
            yield bytes(piece)
        yield self._end()

    def payload(self) -> bytes | Iterator[bytes]:
        """Small bodies are built up front (outside the timed part); big ones stream."""
        if self.size < STREAM_FROM:
            return b"".join(self.stream())
        return self.stream()

    def expected_sha256(self) -> str:
        return self.content.sha256(self.size, self.tail)


# --- the server ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    """The caller's environment minus every Drive2 setting, plus the embedded defaults."""
    from drive2.config import Settings

    ours = {(f.alias or name).upper() for name, f in Settings.model_fields.items()}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    env.update(
        DRIVE2_DATA_DIR=str(data_dir),
        JWT_SECRET=uuid.uuid4().hex + uuid.uuid4().hex,
        MAX_UPLOAD_BYTES=str(2 * GIB),
        DEFAULT_STORAGE_QUOTA_BYTES=str(1024 * GIB),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


class Server:
    """`uvicorn --factory drive2.api.asgi:create_app_from_env` in its own process group."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.data_dir = work / "data"
        self.log_path = work / "server.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self) -> None:
        env = server_env(self.data_dir)
        migrate = [sys.executable, "-m", "drive2.cli", "migrate", "--data-dir", str(self.data_dir)]
        done = subprocess.run(migrate, env=env, cwd=self.work, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"migrate failed:\n{done.stdout}{done.stderr}")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            APP_FACTORY,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "3",
        ]
        self.proc = subprocess.Popen(
            argv,
            env=env,
            cwd=self.work,  # no stray .env from the caller's directory
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 60.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"the server exited with {self.proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise BenchError(f"the server was not healthy after {timeout:.0f} s")

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None


def sign_in(url: str) -> str:
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    password = uuid.uuid4().hex
    with httpx.Client(base_url=url, timeout=30) as c:
        r = c.post(f"{API}/auth/register", json={"email": email, "password": password})
        if r.status_code != 201:
            raise BenchError(f"register answered {r.status_code}: {r.text}")
        r = c.post(f"{API}/auth/login", data={"username": email, "password": password})
        if r.status_code != 200:
            raise BenchError(f"login answered {r.status_code}: {r.text}")
        return str(r.json()["access_token"])


# --- server process sampling ---------------------------------------------------------------
class ProcessSampler:
    """RSS of the server (and any children) every 50 ms from a thread, plus CPU time."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.samples: list[tuple[float, int]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _procs(self) -> list[psutil.Process]:
        try:
            return [self.proc, *self.proc.children(recursive=True)]
        except psutil.Error:
            return [self.proc]

    def rss(self) -> int:
        total = 0
        for p in self._procs():
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self._procs():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            sample = (time.monotonic(), self.rss())
            with self._lock:
                self.samples.append(sample)
            self._stop.wait(SAMPLE_EVERY)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def peak(self, start: float, end: float) -> int:
        with self._lock:
            inside = [rss for t, rss in self.samples if start <= t <= end]
        return max(inside, default=0)


# --- measuring -----------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Phase:
    label: str
    size_bytes: int
    clients: int
    requests: int
    latencies_s: list[float]
    wall_s: float
    server_cpu_s: float
    client_cpu_s: float
    rss_before: int
    rss_peak: int

    def summary(self) -> dict[str, Any]:
        ms = [x * 1000 for x in self.latencies_s]
        per_request = [self.size_bytes / x / MB for x in self.latencies_s]
        return {
            "label": self.label,
            "size_bytes": self.size_bytes,
            "clients": self.clients,
            "requests": self.requests,
            "p50_ms": percentile(ms, 50),
            "p99_ms": percentile(ms, 99),
            "mean_ms": sum(ms) / len(ms),
            "max_ms": max(ms),
            "requests_per_s": self.requests / self.wall_s,
            "aggregate_mb_per_s": self.size_bytes * self.requests / self.wall_s / MB,
            "median_request_mb_per_s": percentile(per_request, 50),
            "server_cpu_ms_per_request": self.server_cpu_s * 1000 / self.requests,
            "client_cpu_ms_per_request": self.client_cpu_s * 1000 / self.requests,
            "server_rss_before_mb": self.rss_before / MIB,
            "server_rss_growth_mb": max(0, self.rss_peak - self.rss_before) / MIB,
            "wall_s": self.wall_s,
        }


class Bench:
    def __init__(self, server: Server, token: str, sampler: ProcessSampler) -> None:
        self.server = server
        self.token = token
        self.sampler = sampler
        self.content = Content()
        self._names = itertools.count()

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=httpx.Timeout(600.0, connect=10.0),
        )

    def upload(self, c: httpx.Client, size: int) -> float:
        """One upload; returns its latency (request sent to answer read) in seconds."""
        body = Body(self.content, size, f"bench-{next(self._names)}.bin")
        expected = body.expected_sha256()
        payload, headers = body.payload(), body.headers()
        started = time.perf_counter()
        r = c.post(f"{API}/files/upload", content=payload, headers=headers)
        elapsed = time.perf_counter() - started
        if r.status_code != 202:
            raise BenchError(f"upload of {size} bytes answered {r.status_code}: {r.text[:500]}")
        answer = r.json()
        if answer.get("size_bytes") != size or answer.get("checksum_sha256") != expected:
            raise BenchError(f"upload stored something else: {answer}")
        return elapsed

    def phase(self, label: str, size: int, clients: int, requests: int) -> Phase:
        latencies: list[float] = []
        errors: list[BaseException] = []
        tickets = itertools.count()
        ready = threading.Barrier(clients + 1)

        def work() -> None:
            try:
                with self.client() as c:
                    c.get("/healthz")  # the connection is open before the clock starts
                    ready.wait()
                    while next(tickets) < requests and not errors:
                        latencies.append(self.upload(c, size))
            except BaseException as exc:
                errors.append(exc)
                ready.abort()

        threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
        for t in threads:
            t.start()
        with contextlib.suppress(threading.BrokenBarrierError):
            ready.wait()
        cpu0, client0, rss0 = self.sampler.cpu_seconds(), time.process_time(), self.sampler.rss()
        t0, wall0 = time.monotonic(), time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - wall0
        if errors:
            raise BenchError(f"{label}: {errors[0]!r}") from errors[0]
        return Phase(
            label=label,
            size_bytes=size,
            clients=clients,
            requests=requests,
            latencies_s=latencies,
            wall_s=wall,
            server_cpu_s=self.sampler.cpu_seconds() - cpu0,
            client_cpu_s=time.process_time() - client0,
            rss_before=rss0,
            rss_peak=max(self.sampler.peak(t0, time.monotonic()), self.sampler.rss()),
        )

    def raw_write(self, size: int, into: Path) -> float:
        """Write `size` bytes into DATA_DIR/objects the way LocalBlobWriter does (1 MiB
        writes, flush, fdatasync, rename); return MB/s. The file is kept, like an upload,
        until the caller removes `into`: deleting it at once would hand the next write
        recycled page-cache pages, which on a VM is several times faster than fresh ones."""
        tmp = self.server.data_dir / "objects" / ".incoming" / f"bench-raw-{uuid.uuid4().hex}"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        into.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with open(tmp, "wb") as fh:
            for piece in self.content.chunks(size, uuid.uuid4().bytes):
                fh.write(piece)
            fh.flush()
            os.fdatasync(fh.fileno())
        os.replace(tmp, into / tmp.name)
        return size / (time.perf_counter() - started) / MB

    def against_raw(self, label: str, size: int, requests: int) -> tuple[Phase, list[float]]:
        """One client, uploads alternating with raw writes of the same size, so both see
        the same disk and page-cache conditions. Returns the upload phase and raw MB/s."""
        into = self.server.data_dir / "objects" / "bench-raw"
        latencies: list[float] = []
        raws: list[float] = []
        server_cpu = 0.0
        client_cpu = 0.0
        rss0, t0 = self.sampler.rss(), time.monotonic()
        try:
            with self.client() as c:
                c.get("/healthz")
                for _ in range(requests):
                    os.sync()
                    raws.append(self.raw_write(size, into))
                    os.sync()
                    cpu, cli = self.sampler.cpu_seconds(), time.process_time()
                    latencies.append(self.upload(c, size))
                    server_cpu += self.sampler.cpu_seconds() - cpu
                    client_cpu += time.process_time() - cli
        finally:
            shutil.rmtree(into, ignore_errors=True)
        phase = Phase(
            label=label,
            size_bytes=size,
            clients=1,
            requests=requests,
            latencies_s=latencies,
            wall_s=sum(latencies),
            server_cpu_s=server_cpu,
            client_cpu_s=client_cpu,
            rss_before=rss0,
            rss_peak=max(self.sampler.peak(t0, time.monotonic()), self.sampler.rss()),
        )
        return phase, raws

    def big_upload_memory(self, size: int) -> dict[str, Any]:
        """One streamed upload of `size` bytes; the server's RSS peak minus its baseline."""
        with self.client() as c:
            c.get("/healthz")
            time.sleep(0.5)  # let the server settle after the previous phase
            baseline = self.sampler.rss()
            t0 = time.monotonic()
            latency = self.upload(c, size)
            peak = max(self.sampler.peak(t0, time.monotonic()), self.sampler.rss())
        return {
            "size_bytes": size,
            "seconds": latency,
            "mb_per_s": size / latency / MB,
            "server_rss_baseline_mb": baseline / MIB,
            "server_rss_peak_mb": peak / MIB,
            "server_rss_growth_mb": max(0, peak - baseline) / MIB,
        }


# --- the run -------------------------------------------------------------------------------
@dataclass
class Plan:
    small_requests_1: int
    small_requests_16: int
    big_requests_1: int
    big_requests_16: int
    huge: bool


def plan_for(quick: bool) -> Plan:
    if quick:
        return Plan(
            small_requests_1=30,
            small_requests_16=48,
            big_requests_1=3,
            big_requests_16=16,
            huge=False,
        )
    return Plan(
        small_requests_1=200,
        small_requests_16=400,
        big_requests_1=10,
        big_requests_16=32,
        huge=True,
    )


def run(bench: Bench, plan: Plan, log: Callable[[str], None]) -> dict[str, Any]:
    with bench.client() as c:  # warm-up: lazy container parts, broker tables, connections
        for size in (KIB, MIB, KIB, MIB, 8 * MIB):
            bench.upload(c, size)
    memory = None
    if plan.huge:  # first, so the baseline is a warm server that has not yet run the rest
        log("  1 GiB streamed upload, sampling server RSS ...")
        memory = bench.big_upload_memory(GIB)
    phases: list[Phase] = []
    for label in ("1KB", "1MB"):
        for clients, requests in ((1, plan.small_requests_1), (16, plan.small_requests_16)):
            log(f"  {label:>5} x {clients:>2} client(s), {requests} requests ...")
            phases.append(bench.phase(label, SIZES[label], clients, requests))
    big = SIZES["100MB"]
    log(f"  100MB x  1 client, {plan.big_requests_1} requests, each after a raw write ...")
    single, raws = bench.against_raw("100MB", big, plan.big_requests_1)
    phases.append(single)
    log(f"  100MB x 16 clients, {plan.big_requests_16} requests ...")
    os.sync()
    phases.append(bench.phase("100MB", big, 16, plan.big_requests_16))
    server_samples = [big / x / MB for x in single.latencies_s]
    server_mb_s = percentile(server_samples, 50)
    raw_mb_s = percentile(raws, 50)
    throughput = {
        "size_bytes": big,
        "server_mb_per_s": server_mb_s,
        "server_samples_mb_per_s": server_samples,
        "raw_write_mb_per_s": raw_mb_s,
        "raw_write_samples_mb_per_s": raws,
        "ratio": server_mb_s / raw_mb_s,
        # each upload against the raw write just before it, for when the disk drifts
        "paired_ratio_median": percentile(
            [u / r for u, r in zip(server_samples, raws, strict=True)], 50
        ),
        "raw_write_spread": max(raws) / min(raws),
    }
    return {
        "phases": [p.summary() for p in phases],
        "raw_latencies_ms": {
            f"{p.label}x{p.clients}": [round(x * 1000, 3) for x in p.latencies_s] for p in phases
        },
        "throughput_100mb": throughput,
        "memory_1gib": memory,
    }


@dataclass
class Goal:
    name: str
    measured: str
    target: str
    verdict: str  # PASS | MISS | SKIP


def goals(results: dict[str, Any]) -> list[Goal]:
    one_mb = next(p for p in results["phases"] if p["label"] == "1MB" and p["clients"] == 1)
    ratio = results["throughput_100mb"]["ratio"]
    memory = results["memory_1gib"]
    out = [
        Goal(
            "1 MB upload p50, 1 client",
            f"{one_mb['p50_ms']:.1f} ms",
            f"< {GOAL_P50_1MB_MS:.0f} ms",
            "PASS" if one_mb["p50_ms"] < GOAL_P50_1MB_MS else "MISS",
        ),
        Goal(
            "100 MB throughput vs raw write",
            f"{ratio:.2f} x",
            f">= {GOAL_THROUGHPUT_RATIO} x",
            "PASS" if ratio >= GOAL_THROUGHPUT_RATIO else "MISS",
        ),
    ]
    if memory is None:
        out.append(
            Goal(
                "server RSS growth, 1 GiB upload",
                "not run (--quick)",
                f"< {GOAL_RSS_GROWTH_MB:.0f} MiB",
                "SKIP",
            )
        )
    else:
        growth = memory["server_rss_growth_mb"]
        out.append(
            Goal(
                "server RSS growth, 1 GiB upload",
                f"{growth:.1f} MiB",
                f"< {GOAL_RSS_GROWTH_MB:.0f} MiB",
                "PASS" if growth < GOAL_RSS_GROWTH_MB else "MISS",
            )
        )
    return out


def render(results: dict[str, Any], checks: list[Goal]) -> str:
    header = (
        f"{'size':>6} {'clients':>7} {'reqs':>5} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} "
        f"{'req/s':>8} {'agg MB/s':>9} {'srv CPU ms/req':>14} {'cli CPU ms/req':>14} "
        f"{'RSS +MiB':>8}"
    )
    lines = ["", header, "-" * len(header)]
    for p in results["phases"]:
        lines.append(
            f"{p['label']:>6} {p['clients']:>7} {p['requests']:>5} {p['p50_ms']:>9.1f} "
            f"{p['p99_ms']:>9.1f} {p['mean_ms']:>9.1f} {p['requests_per_s']:>8.1f} "
            f"{p['aggregate_mb_per_s']:>9.1f} {p['server_cpu_ms_per_request']:>14.1f} "
            f"{p['client_cpu_ms_per_request']:>14.1f} {p['server_rss_growth_mb']:>8.1f}"
        )
    t = results["throughput_100mb"]
    raw = ", ".join(f"{x:.0f}" for x in t["raw_write_samples_mb_per_s"])
    srv = ", ".join(f"{x:.0f}" for x in t["server_samples_mb_per_s"])
    lines += [
        "",
        "100 MB throughput, 1 client, uploads alternating with raw writes (MB = 10^6 B):",
        f"  server upload  {t['server_mb_per_s']:8.1f} MB/s  (median of [{srv}])",
        f"  raw write      {t['raw_write_mb_per_s']:8.1f} MB/s  (median of [{raw}])",
        "                 (1 MiB writes, fdatasync, rename into DATA_DIR/objects; files kept)",
        f"  ratio          {t['ratio']:8.2f}   (median of per-pair ratios:"
        f" {t['paired_ratio_median']:.2f})",
    ]
    if t["raw_write_spread"] > 2:
        lines.append(
            f"  note: raw writes varied {t['raw_write_spread']:.1f}x; on a VM, writing into"
            " recycled page-cache pages is several times faster than into fresh ones"
        )
    m = results["memory_1gib"]
    if m is not None:
        lines += [
            "",
            f"1 GiB streamed upload: {m['seconds']:.1f} s ({m['mb_per_s']:.0f} MB/s); server RSS"
            f" {m['server_rss_baseline_mb']:.1f} -> peak {m['server_rss_peak_mb']:.1f} MiB"
            f" (+{m['server_rss_growth_mb']:.1f} MiB)",
        ]
    lines += ["", "Goals:"]
    for g in checks:
        lines.append(f"  {g.verdict:<4}  {g.name:<34} {g.measured:>16}   (goal {g.target})")
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "memory_total_mib": psutil.virtual_memory().total // MIB,
        "httpx": httpx.__version__,
    }


def save(results: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"upload-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


def _sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer requests, no 1 GiB upload")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir and log")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with it ignored

    def log(message: str) -> None:
        print(message, flush=True)

    plan = plan_for(args.quick)
    work = Path(tempfile.mkdtemp(prefix="drive2-bench-"))
    need = FREE_QUICK if args.quick else FREE_FULL
    if shutil.disk_usage(work).free < need:
        shutil.rmtree(work, ignore_errors=True)
        print(
            f"benchmark failed: needs {need // GIB} GiB free under {work.parent}", file=sys.stderr
        )
        return 1
    server = Server(work)
    sampler: ProcessSampler | None = None
    started = time.perf_counter()
    try:
        log(f"Drive2 upload benchmark ({'quick' if args.quick else 'full'}); work dir {work}")
        server.start()
        log(f"server pid {server.pid} on {server.url}")
        sampler = ProcessSampler(server.pid)
        sampler.start()
        bench = Bench(server, sign_in(server.url), sampler)
        results: dict[str, Any] = {
            "started_at": datetime.now().astimezone().isoformat(),
            "mode": "quick" if args.quick else "full",
            "plan": asdict(plan),
            "environment": environment(),
        }
        results.update(run(bench, plan, log))
        if server.proc is not None and server.proc.poll() is not None:
            raise BenchError("the server died during the run")
        checks = goals(results)
        results["goals"] = [asdict(g) for g in checks]
        results["total_seconds"] = time.perf_counter() - started
        log(render(results, checks))
        log(f"\nresults: {save(results)}  (total {results['total_seconds']:.0f} s)")
        return 0
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        print(f"--- server log (tail) ---\n{server.tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
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
