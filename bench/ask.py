"""Ask benchmark: answers from a drive of public Wikipedia paragraphs, through the real API.

    .venv/bin/python bench/ask.py [--limit 100] [--tune] [--data-dir DIR]
        [--iapp DIR] [--xquad DIR] [--squad-dev FILE]

Data (read from local copies, never committed; bring them with `git clone` or a mirror):

* iapp-technology/iapp-wiki-qa-dataset, `squad_format/data/{test,valid}.jsonl` (Thai; the
  repository's `squad_format/data.zip` holds them) — `--iapp` names the folder with the jsonl
  files;
* google-deepmind/xquad, `xquad.en.json` and `xquad.th.json` (the same 240 paragraphs and
  1,190 questions in English and Thai) — `--xquad` names the folder;
* for tuning only, a SQuAD v1.1 dev file (`--squad-dev`); its paragraphs that are also in
  XQuAD are left out.

Sets: `iapp-test` (Thai), `xquad-en` (English), `xquad-th-en` (Thai questions over the
English paragraphs: across languages); with `--tune` instead `iapp-valid` and `squad-dev-en`,
the sets the constants were tuned on. Each set gets its own user of one `drive2 serve`
(embedded, offline), each paragraph uploaded as a .txt file through POST /files/upload; the
paragraphs of one article in ten (chosen by a hash of its id) are held back, and their
questions measure how often a question about something not in the drive still gets an
answer ("found on unanswerable", lower is better). Per set: share of questions whose first
citation is the paragraph's file, share whose answer contains a gold answer, found rate,
median answer length, p50/p95 latency of GET /ask (client side, one question at a time).
Baseline in the same run: the first sentence of the best keyword-search file (GET /search
mode=keyword, limit 1). Goals: first citation ≥ 0.85, gold in answer ≥ 0.5, median < 400
characters, p95 < 1 s. Writes JSON to bench/results/ask-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent
RESULTS_DIR = ROOT / "results"
PASSWORD = "bench-ask-password-1"
GOALS = {"first_citation": 0.85, "gold_in_answer": 0.5, "median_chars": 400, "p95_s": 1.0}


@dataclass(frozen=True)
class Question:
    text: str
    answers: list[str]
    passage: str  # key of the paragraph that answers it


@dataclass
class QaSet:
    name: str
    passages: dict[str, tuple[str, str]]  # key -> (filename, text)
    questions: list[Question]
    held_out: set[str]  # passage keys not uploaded
    drive: str  # the set whose user holds the paragraphs


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _hash(article: str) -> int:
    return int(hashlib.sha256(article.encode()).hexdigest(), 16)


def _held_articles(articles: set[str]) -> set[str]:
    """One article in ten (by a hash of its id), and at least one."""
    held = {a for a in articles if _hash(a) % 10 == 0}
    return held or {min(articles, key=_hash)}


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-")[:60] or "paragraph"


def load_iapp(folder: Path, split: str) -> QaSet:
    passages: dict[str, tuple[str, str]] = {}
    questions, article_of = [], {}
    for line in (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        key = _key(row["context"])
        if key not in passages:
            passages[key] = (f"{_slug(row['title'])}-{key[:6]}.txt", row["context"])
        article_of[key] = row["article_id"]
        answers = [a for a in row["answers"]["text"] if a.strip()]
        if answers:
            questions.append(Question(row["question"], answers, key))
    held_articles = _held_articles(set(article_of.values()))
    held = {k for k, a in article_of.items() if a in held_articles}
    return QaSet(f"iapp-{split}", passages, questions, held, f"iapp-{split}")


def load_squad(path: Path, name: str, skip: set[str] | None = None) -> QaSet:
    passages: dict[str, tuple[str, str]] = {}
    questions, article_of = [], {}
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for i, para in enumerate(article["paragraphs"]):
            context = para["context"]
            if skip and _key(context) in skip:
                continue
            key = _key(context)
            passages[key] = (f"{_slug(article['title'])}-{i}-{key[:6]}.txt", context)
            article_of[key] = article["title"]
            for qa in para["qas"]:
                answers = [a["text"] for a in qa["answers"] if a["text"].strip()]
                if answers:
                    questions.append(Question(qa["question"], answers, key))
    held_articles = _held_articles(set(article_of.values()))
    held = {k for k, a in article_of.items() if a in held_articles}
    return QaSet(name, passages, questions, held, name)


def cross_language(english: Path, thai: Path) -> QaSet:
    """Thai questions; the English paragraph at the same place answers them."""
    en = load_squad(english, "xquad-en")
    en_data = json.loads(english.read_text(encoding="utf-8"))["data"]
    th_data = json.loads(thai.read_text(encoding="utf-8"))["data"]
    questions = []
    for art_en, art_th in zip(en_data, th_data, strict=True):
        for para_en, para_th in zip(art_en["paragraphs"], art_th["paragraphs"], strict=True):
            key = _key(para_en["context"])
            for qa_en, qa_th in zip(para_en["qas"], para_th["qas"], strict=True):
                answers = [a["text"] for a in qa_en["answers"] if a["text"].strip()]
                questions.append(Question(qa_th["question"], answers, key))
    return QaSet("xquad-th-en", en.passages, questions, en.held_out, "xquad-en")


# --- the server --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(data_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    env.update({"LOG_LEVEL": "WARNING", "STORAGE_FSYNC": "false", "PYTHONUNBUFFERED": "1"})
    for name in ("GEMINI_API_KEY", "OLLAMA_URL", "REDIS_URL", "QDRANT_URL", "S3_ENDPOINT"):
        env.pop(name, None)  # offline, embedded
    out = open(log, "ab")  # noqa: SIM115 - the child writes to it until it ends
    cmd = [sys.executable, "-m", "drive2.cli", "serve", "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        [*cmd, "--port", str(port), "--concurrency", "2"],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"drive2 serve ended: see {log}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"drive2 serve did not start: see {log}")


def client_for(url: str, email: str) -> httpx.Client:
    api = f"{url}/api/v1"
    httpx.post(f"{api}/auth/register", json={"email": email, "password": PASSWORD}, timeout=30)
    token = httpx.post(
        f"{api}/auth/login", data={"username": email, "password": PASSWORD}, timeout=30
    ).json()["access_token"]
    return httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=120.0)


def upload(client: httpx.Client, qa: QaSet, state: dict[str, str]) -> float:
    """Upload the set's paragraphs (those not uploaded in an earlier run of this data dir);
    wait until every file is processed; seconds taken."""
    started = time.perf_counter()
    for key, (filename, text) in qa.passages.items():
        if key in qa.held_out or key in state:
            continue
        r = client.post("/files/upload", files={"file": (filename, text.encode(), "text/plain")})
        r.raise_for_status()
        state[key] = r.json()["file_id"]
    waiting = set(state.values())
    while waiting:
        done = set()
        for status in ("completed", "failed"):
            items = client.get("/files", params={"status": status, "limit": 500}).json()["items"]
            done |= {f["id"] for f in items}
        waiting -= done
        if waiting:
            print(f"  {qa.drive}: {len(waiting)} files still processing", flush=True)
            time.sleep(5)
    return time.perf_counter() - started


# --- scoring ------------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def contains_gold(answer: str, golds: list[str]) -> bool:
    flat = _norm(answer).replace(" ", "")
    return any(_norm(g).replace(" ", "") in flat for g in golds if g.strip())


def first_sentence(text: str) -> str:
    """The baseline's answer: the text up to the first full stop or line break (Thai:
    the first space after 40 characters), at most 400 characters."""
    flat = " ".join(text.split())
    match = re.search(r"(?<=[.!?])\s|(?<=[\u0e00-\u0e7f])\s(?=[\u0e00-\u0e7f])", flat[40:])
    end = 40 + match.start() if match else len(flat)
    return flat[: min(end, 400)]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return round(ordered[index], 4)


def run_set(client: httpx.Client, qa: QaSet, state: dict[str, str], limit: int) -> dict[str, Any]:
    by_file = {fid: key for key, fid in state.items()}
    answerable = [q for q in qa.questions if q.passage not in qa.held_out][:limit]
    unanswerable = [q for q in qa.questions if q.passage in qa.held_out][: max(limit // 4, 1)]
    rows = []
    for q in answerable:
        started = time.perf_counter()
        r = client.get("/ask", params={"q": q.text})
        seconds = time.perf_counter() - started
        r.raise_for_status()
        body = r.json()
        cites = body["citations"]
        started = time.perf_counter()
        hits = client.get("/search", params={"q": q.text, "mode": "keyword", "limit": 1}).json()
        base_seconds = time.perf_counter() - started
        base_key = by_file.get(hits["items"][0]["file_id"]) if hits["items"] else None
        base_answer = first_sentence(qa.passages[base_key][1]) if base_key else ""
        rows.append(
            {
                "first_citation": bool(cites) and by_file.get(cites[0]["file_id"]) == q.passage,
                "gold": body["found"] and contains_gold(body["answer"], q.answers),
                "found": body["found"],
                "chars": len(body["answer"]) if body["found"] else None,
                "seconds": seconds,
                "mode": body["mode"],
                "base_first": base_key == q.passage,
                "base_gold": contains_gold(base_answer, q.answers),
                "base_chars": len(base_answer),
                "base_seconds": base_seconds,
            }
        )
    false_found = 0
    for q in unanswerable:
        body = client.get("/ask", params={"q": q.text}).json()
        false_found += bool(body["found"])
    n = len(rows) or 1
    chars = [r["chars"] for r in rows if r["chars"] is not None]
    seconds = [r["seconds"] for r in rows]
    return {
        "set": qa.name,
        "questions": len(rows),
        "first_citation": round(sum(r["first_citation"] for r in rows) / n, 4),
        "gold_in_answer": round(sum(r["gold"] for r in rows) / n, 4),
        "found": round(sum(r["found"] for r in rows) / n, 4),
        "median_chars": statistics.median(chars) if chars else None,
        "p50_s": pct(seconds, 50),
        "p95_s": pct(seconds, 95),
        "modes": sorted({r["mode"] for r in rows}),
        "unanswerable_questions": len(unanswerable),
        "found_on_unanswerable": round(false_found / max(len(unanswerable), 1), 4),
        "baseline": {
            "what": "first sentence of the best keyword-search file",
            "first_citation": round(sum(r["base_first"] for r in rows) / n, 4),
            "gold_in_answer": round(sum(r["base_gold"] for r in rows) / n, 4),
            "median_chars": statistics.median(r["base_chars"] for r in rows) if rows else None,
            "p50_s": pct([r["base_seconds"] for r in rows], 50),
            "p95_s": pct([r["base_seconds"] for r in rows], 95),
        },
    }


def embedder_name() -> str:
    from drive2.bootstrap import build_container
    from drive2.config import Settings

    container = build_container(Settings(_env_file=None))  # type: ignore[call-arg]
    return str(container.embedder.model_name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10_000, help="questions per set")
    parser.add_argument("--tune", action="store_true", help="the tuning sets instead")
    parser.add_argument("--data-dir", type=Path, help="keep the drive here (reused next run)")
    parser.add_argument("--iapp", type=Path, default=Path("data/iapp"))
    parser.add_argument("--xquad", type=Path, default=Path("data/xquad"))
    parser.add_argument("--squad-dev", type=Path, default=Path("data/squad/dev-v1.1.json"))
    parser.add_argument("--sets", help="comma-separated subset of the sets to run")
    args = parser.parse_args()

    if args.tune:
        xquad_keys = set(load_squad(args.xquad / "xquad.en.json", "x").passages)
        sets = [
            load_iapp(args.iapp, "valid"),
            load_squad(args.squad_dev, "squad-dev-en", skip=xquad_keys),
        ]
    else:
        sets = [
            load_iapp(args.iapp, "test"),
            load_squad(args.xquad / "xquad.en.json", "xquad-en"),
            cross_language(args.xquad / "xquad.en.json", args.xquad / "xquad.th.json"),
        ]
    if args.sets:
        wanted = set(args.sets.split(","))
        sets = [s for s in sets if s.name in wanted]
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="drive2-bench-ask-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    state_file = data_dir / "bench-ask-state.json"
    state: dict[str, dict[str, str]] = (
        json.loads(state_file.read_text()) if state_file.exists() else {}
    )
    started_at = datetime.now(UTC)
    process, url = serve(data_dir, data_dir / "serve.log")
    results = []
    try:
        drives = {s.drive: s for s in sets}
        clients = {}
        for drive, qa in drives.items():
            clients[drive] = client_for(url, f"bench-{drive}@example.com")
            taken = upload(clients[drive], qa, state.setdefault(drive, {}))
            state_file.write_text(json.dumps(state))
            print(f"{drive}: {len(state[drive])} files ready ({taken:.0f} s)", flush=True)
        for qa in sets:
            clients[qa.drive].get("/ask", params={"q": "warm up"})
            results.append(run_set(clients[qa.drive], qa, state[qa.drive], args.limit))
            print(json.dumps(results[-1]), flush=True)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    embedder = embedder_name()
    print(f"\nask benchmark ({'tuning' if args.tune else 'held-out'} sets), embedder {embedder}")
    head = f"{'set':<14}{'n':>5}{'1st cite':>9}{'gold':>7}{'found':>7}{'chars':>7}"
    print(head + f"{'p50 s':>8}{'p95 s':>8}{'unans.found':>12}   baseline 1st/gold/chars")
    for r in results:
        b = r["baseline"]
        print(
            f"{r['set']:<14}{r['questions']:>5}{r['first_citation']:>9}{r['gold_in_answer']:>7}"
            f"{r['found']:>7}{r['median_chars']!s:>7}{r['p50_s']:>8}{r['p95_s']:>8}"
            f"{r['found_on_unanswerable']:>12}   {b['first_citation']}/{b['gold_in_answer']}/"
            f"{b['median_chars']}"
        )
    print(f"goals: {GOALS}; cpu count {os.cpu_count()}, load average {os.getloadavg()}")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"ask-{started_at:%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "started_at": started_at.isoformat(),
                "embedder": embedder,
                "tuning_sets": args.tune,
                "environment": {
                    "python": platform.python_version(),
                    "cpu_count": os.cpu_count(),
                    "load_average_at_end": os.getloadavg(),
                },
                "goals": GOALS,
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
