"""Memory of the API under unauthenticated floods (issue 13, item 2), with a baseline.

Starts the Drive2 API as `drive2 api` runs it (uvicorn, drive2's protocol, a fresh embedded
data dir, LINE configured) and, as the baseline, the same uvicorn serving a two-line app that
reads the whole body before answering 401 — what the LINE webhook did before the cap. Against
each it sends CLIENTS parallel chunked POSTs of SIZE_MB each, unsigned, to the webhook and to
/auth/register, and samples the server's RSS every 50 ms. It prints, per target: the RSS
growth at its peak, the status answered, and the bytes each client got out before the answer.

    .venv/bin/python bench/body_limits.py [--size-mb 256] [--clients 4]

Figures go to bench/results/body_limits-<time>.json. The machine is shared: compare the two
servers of the same run, not runs of different days.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
BASELINE_APP = """
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/{path:path}")
async def whole_body_first(request: Request) -> JSONResponse:
    await request.body()  # the old webhook: the whole body, then the signature check
    return JSONResponse({"detail": "invalid or missing X-Line-Signature"}, 401)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(argv: list[str], env: dict[str, str], port: int, cwd: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.post(f"http://127.0.0.1:{port}/ping", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def _flood(port: int, path: str, headers: str, size: int, result: dict[str, Any]) -> None:
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    head = f"POST {path} HTTP/1.1\r\nHost: bench\r\nTransfer-Encoding: chunked\r\n{headers}\r\n"
    sent = 0
    answer = bytearray()
    done = threading.Event()

    def read() -> None:
        try:
            while chunk := sock.recv(65536):
                answer.extend(chunk)
                if b"\r\n\r\n" in answer:
                    break
        except OSError:
            pass
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    chunk = b"%x\r\n" % MIB + b"\x00" * MIB + b"\r\n"
    try:
        sock.sendall(head.encode())
        while sent < size and not done.is_set():
            sock.sendall(chunk)
            sent += MIB
        if not done.is_set():
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    done.wait(120)
    sock.close()
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/1.1") else "none"
    result.update(status=status, sent_mb=round(sent / MIB, 1))


def _measure(
    process: subprocess.Popen[bytes], port: int, target: tuple[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    proc = psutil.Process(process.pid)
    time.sleep(1.0)
    before = proc.memory_info().rss
    peak = before
    results: list[dict[str, Any]] = [{} for _ in range(args.clients)]
    threads = [
        threading.Thread(target=_flood, args=(port, target[0], target[1], args.size_mb * MIB, r))
        for r in results
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, proc.memory_info().rss)
        time.sleep(0.05)
    return {
        "path": target[0],
        "rss_before_mb": round(before / MIB, 1),
        "rss_growth_peak_mb": round((peak - before) / MIB, 1),
        "seconds": round(time.monotonic() - started, 2),
        "clients": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=256)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    targets = [
        ("/api/v1/line/webhook", "X-Line-Signature: bm90LWEtc2lnbmF0dXJl\r\n"),
        ("/api/v1/auth/register", "Content-Type: application/json\r\n"),
    ]
    figures: dict[str, Any] = {"size_mb": args.size_mb, "clients": args.clients, "runs": {}}
    with tempfile.TemporaryDirectory(prefix="drive2-bodies-") as tmp:
        workdir = Path(tmp)
        (workdir / "baseline_app.py").write_text(BASELINE_APP)
        env = {
            **os.environ,
            "DRIVE2_DATA_DIR": str(workdir / "data"),
            "JWT_SECRET": "bench-" + "j" * 40,
            "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
            "LINE_CHANNEL_SECRET": "bench-secret",
            "PYTHONPATH": f"{workdir}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        }
        subprocess.run(
            [sys.executable, "-m", "drive2.cli", "migrate"],
            env=env,
            check=True,
            cwd=workdir,
            capture_output=True,
        )
        servers = {
            "drive2": [
                "--factory",
                "drive2.api.asgi:create_app_from_env",
                "--http",
                "drive2.api.http_server:TimedHttpProtocol",
            ],
            "baseline_whole_body": ["baseline_app:app"],
        }
        for name, extra in servers.items():
            port = _free_port()
            argv = [
                sys.executable,
                "-m",
                "uvicorn",
                *extra,
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ]
            process = _start(argv, env, port, workdir)
            try:
                figures["runs"][name] = [_measure(process, port, t, args) for t in targets]
            finally:
                process.terminate()
                process.wait(30)
    print(json.dumps(figures, indent=1))
    out = ROOT / "bench" / "results" / f"body_limits-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=1))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
