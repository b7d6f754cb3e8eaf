"""Retrieval quality on public Thai and English question sets, through Drive2's own API.

    .venv/bin/python bench/retrieval.py --data ~/drive2-qa [--limit 40] [--deployments
        sqlite,postgres] [--sets xquad-en,iapp-test] [--depth 50]

How to get the data: see bench/retrieval_sets.py (iapp-wiki-qa-dataset's test and valid
splits, XQuAD's English and Thai files). The embedding model is Drive2's, chosen by setting
(EMBEDDING_MODEL; vectors are cached on disk under --cache, so a second run or the second
deployment does not embed again).

Per deployment (embedded: SQLite + the embedded vector index; PostgreSQL: a fresh database on
DRIVE2_BENCH_PG_URL's server, vectors embedded) and per corpus: every paragraph is uploaded
as a .txt file through POST /files/upload and processed by the real pipeline; each question
is then asked through GET /search in keyword, semantic and hybrid mode (limit 10). Reported
per set: MRR@10 and recall@1 per mode, a plain BM25 over the same texts with the same words
(pythainlp newmm for Thai) computed here as the baseline, and every fusion scheme of
bench/fusion_schemes.py applied to the same two rankings (depth --depth). Fusion weights and
cosine floors were tuned on iapp-valid ONLY (marked "tuning" in the output); every other set
is held out. The semantic-floor calibration (best cosine of the right answer against the best
cosine an off-topic question reaches) is printed for the model in use.

Writes bench/results/retrieval-<timestamp>.json. Exit code 0 whenever it measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from drive2.adapters.db.keyword_index import query_terms, words  # noqa: E402
from drive2.adapters.db.migrate import upgrade  # noqa: E402
from drive2.api.app import create_app  # noqa: E402
from drive2.bootstrap import build_container  # noqa: E402
from drive2.config import Settings  # noqa: E402
from drive2.services.search_calibration import calibration_for, query_script  # noqa: E402
from drive2.services.search_fusion import across_scripts  # noqa: E402
from fusion_schemes import SCHEMES, SERVICE_SCHEME  # noqa: E402
from retrieval_embedder import CachedEmbedder, embedder_for  # noqa: E402
from retrieval_sets import TUNING, QaSet, load_sets  # noqa: E402

MODES = ("keyword", "semantic", "hybrid")
STAMPED = ROOT / "results" / f"retrieval-{datetime.now(UTC):%Y%m%dT%H%M%S}"
DEPTH = 10
PASSWORD = "retrieval bench password"
#: Questions about nothing in any of the corpora: the "empty drive" side of the floor.
OFF_TOPIC = [
    "xyzzy nonsense",
    "my electricity bill for March",
    "receipt from the coffee shop",
    "rental agreement for my condo",
    "flight booking to Tokyo next week",
    "payslip October",
    "photos of my cat sleeping",
    "how to reset my router password",
    "gym membership contract",
    "dentist appointment reminder",
    "car insurance renewal quote",
    "grocery list for the party",
    "ใบเสร็จค่าน้ำประปา",
    "สัญญาเช่าคอนโด",
    "รูปแมวนอนหลับ",
    "ตั๋วเครื่องบินไปเชียงใหม่",
    "สลิปเงินเดือนตุลาคม",
    "ใบแจ้งหนี้บัตรเครดิต",
    "นัดหมอฟัน",
    "รายการซื้อของเข้าบ้าน",
]


class Bm25:
    """Plain Okapi BM25 (k1 1.2, b 0.75) over the documents' words: the baseline."""

    def __init__(self, documents: list[str]) -> None:
        self.docs = [Counter(words(d)) for d in documents]
        self.lengths = [sum(c.values()) for c in self.docs]
        self.average = sum(self.lengths) / max(len(self.docs), 1)
        df: Counter[str] = Counter()
        for c in self.docs:
            df.update(c.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def rank(self, query: str) -> list[int]:
        terms = query_terms(query)
        scores = []
        for i, c in enumerate(self.docs):
            norm = 1.2 * (1 - 0.75 + 0.75 * self.lengths[i] / self.average)
            s = sum(self.idf[t] * c[t] * 2.2 / (c[t] + norm) for t in terms if t in c)
            if s > 0:
                scores.append((s, i))
        return [i for _, i in sorted(scores, key=lambda x: (-x[0], x[1]))]


def ts_rank_ranking(container: Any, user_id: str, question: str, depth: int) -> list[str]:
    """PostgreSQL's ts_rank as Drive2 ranked before BM25 (the same tsvector and words)."""
    from sqlalchemy import text

    terms = query_terms(question)
    if not terms:
        return []
    query = " | ".join(f"plainto_tsquery('simple', :t{i})" for i in range(len(terms)))
    sql = text(
        f"SELECT file_id FROM file_search, ({'SELECT ' + query.replace(' | ', ' || ')}) AS q(x) "
        "WHERE user_id = :u AND tsv @@ q.x ORDER BY ts_rank(tsv, q.x, 1) DESC, file_id LIMIT :n"
    ).bindparams(u=user_id, n=depth, **{f"t{i}": t for i, t in enumerate(terms)})
    with container.engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(sql)]


def sample(qa: QaSet, questions: int | None) -> QaSet:
    if not questions or questions >= len(qa.questions):
        return qa
    step = len(qa.questions) / questions
    picked = [qa.questions[int(i * step)] for i in range(questions)]
    return QaSet(qa.name, qa.corpus, qa.documents, picked)


def rank_of(ranking: list[Any], gold: Any) -> int | None:
    for position, item in enumerate(ranking[:DEPTH], start=1):
        if item == gold:
            return position
    return None


def metrics(ranks: list[int | None]) -> dict[str, float]:
    n = max(len(ranks), 1)
    return {
        "mrr@10": round(sum(1 / r for r in ranks if r) / n, 4),
        "recall@1": round(sum(1 for r in ranks if r == 1) / n, 4),
    }


@contextlib.contextmanager
def deployment(kind: str, cache: Path) -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="drive2-retrieval-") as tmp:
        env: dict[str, Any] = {
            "DRIVE2_DATA_DIR": Path(tmp) / "data",
            "JWT_SECRET": "retrieval-" + "x" * 40,
            "STORAGE_FSYNC": False,
        }
        if kind == "sqlite":
            yield Settings(_env_file=None, **env)  # type: ignore[call-arg]
            return
        import psycopg

        admin = os.environ.get(
            "DRIVE2_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        )
        name = f"drive2_retrieval_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            base = admin.rpartition("/")[0].replace("postgresql://", "postgresql+psycopg://")
            yield Settings(_env_file=None, DATABASE_URL=f"{base}/{name}", **env)  # type: ignore[call-arg]
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_corpus(
    kind: str, sets: list[QaSet], embedder: CachedEmbedder, cache: Path, depth: int
) -> dict[str, Any]:
    """Upload one corpus on one deployment and ask every question of the sets over it."""
    documents = sets[0].documents
    out: dict[str, Any] = {}
    with deployment(kind, cache) as settings:
        settings.data_path.mkdir(parents=True, exist_ok=True)
        upgrade(settings.resolved_database_url)
        container = build_container(settings)
        container.__dict__["embedder"] = embedder
        try:
            with TestClient(create_app(container)) as client:
                email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
                client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
                token = client.post(
                    "/api/v1/auth/login", data={"username": email, "password": PASSWORD}
                ).json()["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                started = time.perf_counter()
                file_of: list[str] = []
                for i, text in enumerate(documents):
                    r = client.post(
                        "/api/v1/files/upload",
                        headers=headers,
                        files={
                            "file": (f"{sets[0].corpus}-{i:04d}.txt", text.encode(), "text/plain")
                        },
                    )
                    file_of.append(r.json()["file_id"])
                    container.runner.run(file_of[-1])
                upload_s = time.perf_counter() - started
                user = container.repo.get_user_by_email(email)
                assert user is not None
                for qa in sets:
                    out[qa.name] = ask(client, headers, container, user, qa, file_of, depth)
                    out[qa.name]["upload_s"] = round(upload_s, 1)
        finally:
            container.close()
    return out


def ask(
    client: TestClient,
    headers: dict[str, str],
    container: Any,
    user: Any,
    qa: QaSet,
    file_of: list[str],
    depth: int,
) -> dict[str, Any]:
    cal = calibration_for(container.embedder.model_name)
    postgres = container.engine.dialect.name == "postgresql"
    extra = ["pg ts_rank (before)"] if postgres else []
    ranks: dict[str, list[int | None]] = {m: [] for m in (*MODES, *extra, *SCHEMES)}
    gold_cos: list[float] = []
    top_cos: list[float] = []
    doc_of = {fid: i for i, fid in enumerate(file_of)}
    raw: list[dict[str, Any]] = []
    started = time.perf_counter()
    for question, gold_doc in qa.questions:
        gold = file_of[gold_doc]
        for mode in MODES:
            r = client.get(
                "/api/v1/search",
                params={"q": question, "mode": mode, "limit": DEPTH},
                headers=headers,
            )
            ranks[mode].append(rank_of([i["file_id"] for i in r.json()["items"]], gold))
        found = container.search.rankings(user, question, depth)
        if postgres:
            order = ts_rank_ranking(container, user.id, question, DEPTH)
            ranks["pg ts_rank (before)"].append(rank_of(order, gold))
        script = query_script(question)
        lifted = across_scripts(found.semantic, found.semantic_chunks, cal, script)
        for name, scheme in SCHEMES.items():
            # The old fusion saw raw cosines; every other scheme the service's reading.
            semantic = found.semantic if name == "rrf60 (before)" else lifted
            if name == SERVICE_SCHEME:  # what SearchService does, cross-language rule included
                order = [f.file_id for f in container.search.fuse(question, found)]
            else:
                order = scheme(found.keyword, semantic, cal, script)
            ranks[name].append(rank_of(order, gold))
        raw.append(
            {
                "q": question,
                "gold": gold_doc,
                "kw": [[doc_of[h.file_id], round(h.score, 5)] for h in found.keyword],
                "sem": [[doc_of[h.file_id], round(h.score, 5)] for h in found.semantic],
                "lifted": [[doc_of[h.file_id], round(h.score, 5)] for h in lifted],
            }
        )
        cosines = {h.file_id: h.score for h in found.semantic}
        if gold in cosines:
            gold_cos.append(cosines[gold])
        if found.semantic:
            top_cos.append(found.semantic[0].score)
    return {
        "questions": len(qa.questions),
        "tuning": qa.tuning,
        "metrics": {name: metrics(r) for name, r in ranks.items()},
        "gold_cosine": percentiles(gold_cos),
        "ask_s": round(time.perf_counter() - started, 1),
        "raw": raw,
    }


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    arr = np.asarray(values)
    return {f"p{p}": round(float(np.percentile(arr, p)), 4) for p in (5, 10, 25, 50, 75, 95)}


def off_topic(container_embedder: CachedEmbedder, documents: list[str]) -> dict[str, Any]:
    """The best cosine each off-topic question reaches among the documents' first chunks."""
    passages = container_embedder.embed(
        [container_embedder.split_tokens(d, 256, 0)[0] for d in documents if d.strip()]
    )
    queries = container_embedder.embed_queries(OFF_TOPIC)
    best = (queries @ passages.T).max(axis=1)
    return {"best_cosine": percentiles([float(v) for v in best])}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=os.environ.get("DRIVE2_QA_DATA"))
    parser.add_argument("--limit", type=int, default=None, help="documents per corpus (a sample)")
    parser.add_argument(
        "--questions", type=int, default=None, help="questions per set, spread evenly (a sample)"
    )
    parser.add_argument("--sets", default=None, help="comma-separated set names")
    parser.add_argument("--deployments", default="sqlite,postgres")
    parser.add_argument("--depth", type=int, default=50, help="files per side before fusion")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "drive2-bench")
    args = parser.parse_args()
    if not args.data or not Path(args.data).is_dir():
        print(
            "No data folder: see bench/retrieval_sets.py for how to get the sets.", file=sys.stderr
        )
        return 2
    names = args.sets.split(",") if args.sets else None
    sets = [sample(s, args.questions) for s in load_sets(Path(args.data), args.limit, names)]
    embedder = embedder_for(os.environ.get("EMBEDDING_MODEL"), args.cache)
    STAMPED.parent.mkdir(parents=True, exist_ok=True)
    print(f"model {embedder.model_name}; tuning set: {TUNING} (every other set held out)")
    results: dict[str, Any] = {"baseline_bm25": {}, "deployments": {}}
    for qa in sets:
        bm25 = Bm25(qa.documents)
        results["baseline_bm25"][qa.name] = metrics(
            [rank_of(bm25.rank(q), gold) for q, gold in qa.questions]
        )
    for kind in args.deployments.split(","):
        per_set: dict[str, Any] = {}
        for corpus in dict.fromkeys(s.corpus for s in sets):
            group = [s for s in sets if s.corpus == corpus]
            per_set.update(run_corpus(kind, group, embedder, args.cache, args.depth))
            for qa in group:
                report(kind, qa, per_set[qa.name], results["baseline_bm25"][qa.name])
                # Each side's own ranking of every question: other fusions, without a re-run.
                raw = per_set[qa.name].pop("raw")
                dump = STAMPED.with_name(f"{STAMPED.name}.{kind}.{qa.name}.rankings.json")
                dump.write_text(json.dumps(raw, ensure_ascii=False) + "\n", encoding="utf-8")
        results["deployments"][kind] = per_set
    tuning = next((s for s in sets if s.tuning), None)  # calibrate on it alone
    if tuning:
        results["off_topic"] = off_topic(embedder, tuning.documents)
        print(f"\nfloor calibration ({embedder.model_name}, {tuning.name}):")
        print(f"  best cosine of off-topic questions {results['off_topic']['best_cosine']}")
        for kind, per_set in results["deployments"].items():
            print(f"  right answer's cosine ({kind}) {per_set[tuning.name]['gold_cosine']}")
        print(f"  in use: {calibration_for(embedder.model_name)}")
    results.update(
        measured_at=datetime.now(UTC).isoformat(),
        machine=platform.platform(),
        model=embedder.model_name,
        limit=args.limit,
        tuning_set=TUNING,
        embed_cache_hits=embedder.hits,
        embed_cache_misses=embedder.misses,
    )
    out = STAMPED.with_suffix(".json")
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {out}")
    return 0


def report(kind: str, qa: QaSet, measured: dict[str, Any], bm25: dict[str, float]) -> None:
    label = " (TUNING set)" if qa.tuning else " (held out)"
    print(
        f"\n{kind} / {qa.name}{label}: {measured['questions']} questions, "
        f"{len(qa.documents)} files, upload {measured['upload_s']} s, ask {measured['ask_s']} s"
    )
    print(f"  {'':36}{'MRR@10':>8}{'R@1':>8}")
    rows = [*((f"api {m}", measured["metrics"][m]) for m in MODES), ("plain BM25 (baseline)", bm25)]
    if "pg ts_rank (before)" in measured["metrics"]:
        rows.append(("keyword: pg ts_rank (before)", measured["metrics"]["pg ts_rank (before)"]))
    rows += [(f"scheme {n}", measured["metrics"][n]) for n in SCHEMES]
    for name, m in rows:
        print(f"  {name:36}{m['mrr@10']:>8.3f}{m['recall@1']:>8.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
