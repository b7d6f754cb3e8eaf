"""Embedding benchmark: the pipeline's embedding path against plain sentence-transformers on
the same chunks in the same run, and the memory a process needs for the model.

    .venv/bin/python bench/embedding.py [--chunks 300] [--seed 7]

(a) is what the embed stage does: MiniLmEmbedder.split_tokens at CHUNK_TOKENS (256) with the
configured overlap, then MiniLmEmbedder.embed in batches of EMBED_BATCH_CHUNKS. (b) is a
second, plain `SentenceTransformer(path).encode(chunks, batch_size=32)` on the very same
chunks. The two take turns on slices of --slice chunks (order alternating), so load from
other processes on the machine falls on both alike. Goal: (a) runs at least 0.9 of (b)'s
chunks per second. RSS is read after loading the model and after embedding; a fresh
subprocess also reports what one worker-like process holds with the model loaded and one
document analysed by the local AI provider. Writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

RESULTS_DIR = Path(__file__).resolve().parent / "results"
GOAL_RATIO = 0.9
MIB = 1024 * 1024

COMPANIES = ["Acme Consulting", "Siam Retail", "Northwind Traders", "Blue Lotus Travel"]
PEOPLE = ["Maria", "Somchai", "Daniel", "Nok", "Priya", "Kenji"]
TOPICS = [
    "the onboarding flow",
    "the quarterly budget",
    "the mobile release",
    "the warehouse migration",
    "the insurance renewal",
    "the office lease",
]
ENGLISH = [
    "{person} presented an update on {topic}, which is now two weeks behind the plan.",
    "Invoice {number} from {company} covers consulting work delivered in {month}.",
    "Payment of {amount} THB is due within 30 days by bank transfer.",
    "The team agreed to review {topic} again after the customer interviews.",
    "{company} confirmed that the shipment will leave the port on {day} {month}.",
    "Late payments incur a fee of 1.5 percent per month on the outstanding balance.",
    "{person} asked whether {topic} could be split into two smaller projects.",
    "The contract with {company} renews automatically unless cancelled in writing.",
    "Revenue grew by {percent} percent compared with the same quarter last year.",
    "Please send the signed documents to {person} before the end of {month}.",
]
THAI = [
    "ที่ประชุมได้พิจารณางบประมาณการตลาดสำหรับไตรมาสที่สอง",
    "ผู้จัดการฝ่ายขายรายงานว่ายอดขายสินค้าใหม่สูงกว่าเป้าหมาย",
    "ลูกค้าสามารถขอใบกำกับภาษีเต็มรูปได้ที่เคาน์เตอร์ภายในวันเดียวกัน",
    "บริษัทจะชำระเงินค่าบริการภายในสามสิบวันนับจากวันที่ได้รับใบแจ้งหนี้",
    "ฝ่ายบัญชีขอให้ทุกฝ่ายส่งรายงานค่าใช้จ่ายภายในวันศุกร์",
]
MONTHS = ["January", "March", "May", "July", "September", "November"]


def make_documents(rng: random.Random, count: int) -> list[str]:
    """Documents of a few paragraphs each; one in five is Thai."""
    docs = []
    for index in range(count):
        paragraphs = []
        for _ in range(rng.randint(3, 8)):
            if index % 5 == 4:
                paragraphs.append(" ".join(rng.choice(THAI) for _ in range(rng.randint(3, 6))))
                continue
            sentences = [
                rng.choice(ENGLISH).format(
                    person=rng.choice(PEOPLE),
                    topic=rng.choice(TOPICS),
                    company=rng.choice(COMPANIES),
                    number=f"INV-{rng.randint(1000, 9999)}",
                    month=rng.choice(MONTHS),
                    day=rng.randint(1, 28),
                    amount=f"{rng.randint(1, 500) * 1000:,}",
                    percent=rng.randint(2, 40),
                )
                for _ in range(rng.randint(3, 7))
            ]
            paragraphs.append(" ".join(sentences))
        docs.append("\n\n".join(paragraphs))
    return docs


def rss_mib() -> float:
    return round(psutil.Process().memory_info().rss / MIB, 1)


def timed(label: str, run: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = run()
    elapsed = time.perf_counter() - started
    print(f"  {label}: {elapsed:.2f} s", flush=True)
    return elapsed, value


WORKER_SCRIPT = textwrap.dedent(
    """\
    import json, os, psutil
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import celery, drive2.bootstrap  # what a worker process has imported
    from drive2.adapters.ai.local import LocalAiProvider
    from drive2.adapters.ai.minilm import MiniLmEmbedder
    before = psutil.Process().memory_info().rss
    provider = LocalAiProvider(MiniLmEmbedder())
    provider.analyse(TEXT, "notes.txt", {})
    full = psutil.Process().memory_full_info()
    print(json.dumps({"rss_before_model_mib": round(before / 2**20, 1),
                      "rss_after_model_and_one_analysis_mib": round(full.rss / 2**20, 1),
                      "uss_after_model_and_one_analysis_mib": round(full.uss / 2**20, 1),
                      "pss_after_model_and_one_analysis_mib": round(full.pss / 2**20, 1)}))
    """
)


def worker_like_memory(text: str) -> dict[str, float]:
    script = f"TEXT = {text!r}\n" + WORKER_SCRIPT
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chunks", type=int, default=256, help="chunks to embed (default 256)")
    parser.add_argument("--slice", type=int, default=64, help="chunks per turn (default 64)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from drive2.adapters.ai.minilm import MiniLmEmbedder, packaged_model_path
    from drive2.config import Settings
    from drive2.pipeline.stages.embed import EMBED_BATCH_CHUNKS

    start_rss = rss_mib()
    import_seconds, _ = timed(
        "import torch + sentence-transformers",
        lambda: importlib.import_module("sentence_transformers"),
    )
    import torch
    from sentence_transformers import SentenceTransformer

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    results: dict[str, Any] = {
        "started_at": datetime.now().astimezone().isoformat(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap_tokens": settings.chunk_overlap_tokens,
        "embed_batch_chunks": EMBED_BATCH_CHUNKS,
        "encode_batch_size": settings.embedding_batch_size,
        "import_seconds": round(import_seconds, 2),
        "rss_mib": {"start": start_rss, "after_imports": rss_mib()},
    }
    print("(a) the pipeline's MiniLmEmbedder", flush=True)
    embedder = MiniLmEmbedder(settings.embedding_model_path, settings.embedding_batch_size)
    results["load_seconds"], _ = timed("load", lambda: embedder.model)
    results["rss_mib"]["after_model_load"] = rss_mib()

    rng = random.Random(args.seed)
    chunks: list[str] = []
    chunk_seconds = 0.0
    while len(chunks) < args.chunks:
        for doc in make_documents(rng, 20):
            started = time.perf_counter()
            chunks += embedder.split_tokens(
                doc, settings.chunk_tokens, settings.chunk_overlap_tokens
            )
            chunk_seconds += time.perf_counter() - started
    chunks = chunks[: args.chunks]
    tokens = [embedder.count_tokens(c) for c in chunks]
    results["chunks"] = len(chunks)
    results["mean_tokens_per_chunk"] = round(sum(tokens) / len(tokens), 1)
    results["chunking_seconds"] = round(chunk_seconds, 3)
    print(f"  {len(chunks)} chunks, {results['mean_tokens_per_chunk']} tokens on average")

    warm = chunks[:32]  # a full batch of real chunks: first-call costs stay out of the timing
    embedder.embed(warm)

    def pipeline_path(part: list[str]) -> int:
        done = 0
        for start in range(0, len(part), EMBED_BATCH_CHUNKS):
            done += len(embedder.embed(part[start : start + EMBED_BATCH_CHUNKS]))
        return done

    path = str(settings.embedding_model_path or packaged_model_path())
    print("(b) plain SentenceTransformer", flush=True)
    results["load_seconds_plain"], plain = timed(
        "load", lambda: SentenceTransformer(path, device="cpu")
    )
    plain.encode(warm, batch_size=32, show_progress_bar=False)
    results["rss_mib"]["after_second_model_load"] = rss_mib()

    # Other processes may share the CPU: (a) and (b) take turns on the same slices, the
    # order alternating, so both see the same background and neither is always first.
    seconds_a = seconds_b = 0.0
    rounds = []
    load_before = os.getloadavg()[0]
    for number, start in enumerate(range(0, len(chunks), args.slice)):
        part = chunks[start : start + args.slice]
        runs = {
            "a": lambda part=part: pipeline_path(part),
            "b": lambda part=part: plain.encode(part, batch_size=32, show_progress_bar=False),
        }
        order = ("a", "b") if number % 2 == 0 else ("b", "a")
        took = {}
        for name in order:
            took[name], _ = timed(f"slice {number} ({len(part)} chunks) {name}", runs[name])
        seconds_a += took["a"]
        seconds_b += took["b"]
        rounds.append(
            {
                "chunks": len(part),
                "a_seconds": round(took["a"], 3),
                "b_seconds": round(took["b"], 3),
            }
        )
    results["rounds"] = rounds
    results["load_average_1m"] = {"before": load_before, "after": os.getloadavg()[0]}
    results["rss_mib"]["after_embedding_both"] = rss_mib()

    rate_a, rate_b = len(chunks) / seconds_a, len(chunks) / seconds_b
    results["pipeline_chunks_per_s"] = round(rate_a, 2)
    results["plain_encode_chunks_per_s"] = round(rate_b, 2)
    results["ratio"] = round(rate_a / rate_b, 3)
    results["goal_ratio"] = GOAL_RATIO
    results["goal_met"] = round(rate_a / rate_b, 3) >= GOAL_RATIO

    print("worker-like process: drive2 + celery imported, model loaded, one analysis", flush=True)
    results["worker_like_rss_mib"] = worker_like_memory(make_documents(rng, 1)[0])

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"embedding-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"\n(a) pipeline {rate_a:.2f} chunks/s, (b) plain encode {rate_b:.2f} chunks/s, "
        f"ratio {rate_a / rate_b:.3f} (goal >= {GOAL_RATIO}: "
        f"{'met' if results['goal_met'] else 'NOT met'})"
    )
    print(f"RSS MiB: {results['rss_mib']}; load average {results['load_average_1m']}")
    print(f"worker-like RSS MiB: {results['worker_like_rss_mib']}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
