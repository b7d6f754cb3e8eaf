"""The public question sets bench/retrieval.py measures on, read from local copies.

Get them (MIT and CC BY-SA 4.0; never committed here) into one folder:

    git clone --depth 1 https://github.com/iapp-technology/iapp-wiki-qa-dataset
    git clone --depth 1 https://github.com/google-deepmind/xquad
    mkdir -p ~/drive2-qa && cd ~/drive2-qa
    cp ../iapp-wiki-qa-dataset/squad_format/data/test.jsonl iapp-test.jsonl
    unzip -p ../iapp-wiki-qa-dataset/squad_format/data.zip data/valid.jsonl > iapp-valid.jsonl
    cp ../xquad/xquad.en.json ../xquad/xquad.th.json .

and pass the folder as --data (or DRIVE2_QA_DATA). Sets:

- iapp-valid (Thai, 191 articles, 742 questions): the TUNING set; fusion weights and the
  cosine floors were chosen on it and it alone;
- iapp-test (Thai, 192 articles, 739 questions), xquad-en and xquad-th (240 parallel
  paragraphs, 1,190 questions each), xquad-th>en (Thai questions over the English
  paragraphs), xquad-en>th (English questions over the Thai paragraphs): reported, never tuned on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

TUNING = "iapp-valid"


@dataclass(frozen=True)
class QaSet:
    name: str
    corpus: str  # sets with the same corpus share one upload
    documents: list[str]
    questions: list[tuple[str, int]]  # (question, index of the document that answers it)

    @property
    def tuning(self) -> bool:
        return self.name == TUNING


def _iapp(path: Path) -> tuple[list[str], list[tuple[str, int]]]:
    documents: list[str] = []
    by_article: dict[str, int] = {}
    questions: list[tuple[str, int]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        article = row["article_id"]
        if article not in by_article:
            by_article[article] = len(documents)
            documents.append(row["context"])
        questions.append((row["question"], by_article[article]))
    return documents, questions


def _xquad(path: Path) -> tuple[list[str], dict[str, tuple[str, int]]]:
    documents: list[str] = []
    questions: dict[str, tuple[str, int]] = {}
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            index = len(documents)
            documents.append(paragraph["context"])
            for qa in paragraph["qas"]:
                questions[qa["id"]] = (qa["question"], index)
    return documents, questions


def _limited(
    name: str, corpus: str, docs: list[str], qs: list[tuple[str, int]], limit: int | None
) -> QaSet:
    if limit:
        docs = docs[:limit]
        qs = [(q, d) for q, d in qs if d < limit]
    return QaSet(name, corpus, docs, qs)


def load_sets(data: Path, limit: int | None, names: list[str] | None = None) -> list[QaSet]:
    """Every set whose files are in `data` (and named in `names`, when given)."""
    out: list[QaSet] = []
    for split in ("valid", "test"):
        path = data / f"iapp-{split}.jsonl"
        if path.exists():
            docs, qs = _iapp(path)
            out.append(_limited(f"iapp-{split}", f"iapp-{split}", docs, qs, limit))
    en_path, th_path = data / "xquad.en.json", data / "xquad.th.json"
    if en_path.exists() and th_path.exists():
        en_docs, en_qs = _xquad(en_path)
        th_docs, th_qs = _xquad(th_path)
        both = [qid for qid in en_qs if qid in th_qs]
        out += [
            _limited("xquad-en", "xquad-en", en_docs, [en_qs[i] for i in both], limit),
            _limited("xquad-th", "xquad-th", th_docs, [th_qs[i] for i in both], limit),
            _limited(
                "xquad-th>en",
                "xquad-en",
                en_docs,
                [(th_qs[i][0], en_qs[i][1]) for i in both],
                limit,
            ),
            _limited(
                "xquad-en>th",
                "xquad-th",
                th_docs,
                [(en_qs[i][0], th_qs[i][1]) for i in both],
                limit,
            ),
        ]
    return [s for s in out if names is None or s.name in names]
