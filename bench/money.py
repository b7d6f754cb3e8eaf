"""Money extraction quality: the rules (domain/money_rules.py) against plain baselines, in
the same run.

Two sets:

1. SYNTHETIC (always): the slip, receipt and invoice layouts of tests/support/money_docs.py
   (KBank-, SCB-, Krungthai-, PromptPay-, TrueMoney-like slips, a 7-Eleven-style receipt,
   an English invoice, a Thai tax invoice), each rendered in several variants (font,
   scale, blur, JPEG quality, a slight tilt), read by the real tesseract as the pipeline
   does (automatic layout; again as rows for documents about money) and QR-decoded. It is
   synthetic: made by us, in layouts we wrote the rules for; it shows that the pipeline's
   parts work together on pictures, not how well real phone photos are read.
2. SROIE (public, when a local copy is given): 626 scanned Malaysian receipts (ICDAR 2019
   SROIE) with their OCR lines and key fields (company, date, total). The text is rebuilt
   from the dataset's own OCR boxes (row by row), so this measures the rules, not
   tesseract. Reported in two halves: files 000-312 (looked at while writing the rules)
   and 313-625 (held out). Baselines: the largest money-like number on the page (total),
   the first date (date), the first line (company).

Run:  python bench/money.py [--variants 3] [--sroie DIR]
DIR holds data/box/*.csv and data/key/*.json (or box/ and key/), or is a git directory of
such a repository (read with `git archive`; nothing is fetched from the network).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from PIL import ImageFilter

from drive2.domain.dates import find_dates
from drive2.domain.money import Money, parse_amount
from drive2.domain.money_amounts import find_amounts, has_money
from drive2.domain.money_kind import document_kind
from drive2.domain.money_rules import extract_money
from drive2.pipeline.money.qr_codes import payment_codes
from drive2.pipeline.ocr.tesseract import ocr_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import money_docs

FIELDS = ("amount", "date", "kind", "reference", "counterparty")


# --- baselines ----------------------------------------------------------------------------


def largest_number(text: str) -> Decimal | None:
    """The plain baseline for the amount: the largest money-like number on the page."""
    values = [a.value for a in find_amounts(text) if a.money_like]
    return max(values) if values else None


def first_date(text: str, today: date) -> date | None:
    found = find_dates(text, today=today)
    return found[0].value if found else None


def first_line(text: str) -> str | None:
    return next((line.strip() for line in text.splitlines() if line.strip()), None)


# --- scoring ------------------------------------------------------------------------------


@dataclass
class Tally:
    total: int = 0
    right: int = 0
    wrong: int = 0  # a value given that is not right (a blank is neither)

    def add(self, got: object, ok: bool) -> None:
        self.total += 1
        if ok:
            self.right += 1
        elif got is not None:
            self.wrong += 1

    def line(self, name: str) -> str:
        share = self.right / self.total if self.total else 0.0
        given = self.right + self.wrong
        precision = f"{self.right / given:6.1%}" if given else "   n/a"
        return (
            f"  {name:<28} {self.right:>4}/{self.total:<4} {share:6.1%} right, "
            f"{self.wrong:>3} wrong, {self.total - given:>3} blank; right when given {precision}"
        )


def _norm(text: str | None) -> str:
    return re.sub(r"[^0-9a-z\u0e01-\u0e4e]", "", (text or "").lower())


# --- 1. the synthetic set -----------------------------------------------------------------

FONTS = ("garuda", "loma", "kinnari", "norasi")


def variant(doc: money_docs.MoneyDoc, rng: random.Random, index: int) -> tuple[bytes, str]:
    """The document in another font, degraded like a phone picture; (bytes, type)."""
    if index:
        doc = replace(doc, font=rng.choice(FONTS))
    image = money_docs.render(doc)
    if index:
        scale = rng.uniform(0.7, 1.0)
        image = image.resize((int(image.width * scale), int(image.height * scale)))
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 0.8)))
        image = image.rotate(rng.uniform(-1.0, 1.0), expand=True, fillcolor="white")
    buf = io.BytesIO()
    if index % 2:
        image.save(buf, format="JPEG", quality=rng.randint(55, 90))
        return buf.getvalue(), "image/jpeg"
    image.save(buf, format="PNG")
    return buf.getvalue(), "image/png"


def synthetic(variants: int, workdir: Path, verbose: bool = False) -> None:
    rng = random.Random(14)
    today = date.today()
    ours = {field: Tally() for field in FIELDS}
    baseline_amount, baseline_date = Tally(), Tally()
    seconds: list[float] = []
    docs = [make() for make in money_docs.LAYOUTS]
    for doc in docs:
        for index in range(variants):
            data, content_type = variant(doc, rng, index)
            path = workdir / f"{doc.name}-{index}"
            path.write_bytes(data)
            started = time.perf_counter()
            text = ocr_file("tesseract", path, "eng+tha", 120)
            codes = payment_codes(path, content_type, 100_000_000)
            qr = codes[0] if codes else None
            rows = None
            if document_kind(text) or qr or has_money(text):  # as the money stage: as rows
                rows = ocr_file("tesseract", path, "eng+tha", 120, psm=4)
            money = None
            for candidate in (rows, text):
                if candidate and money is None:
                    money = extract_money(candidate, today=today, qr=qr, default_currency="THB")
            seconds.append(time.perf_counter() - started)
            _score(ours, money, doc)
            if verbose:
                got = money.as_dict() if money else {}
                missed = {k: got.get(k) for k, v in doc.expected.items() if got.get(k) != v}
                print(f"  {doc.name}-{index} ({content_type}): {missed or 'right'}")
            expected = doc.expected
            largest = largest_number(text)
            baseline_amount.add(largest, largest == parse_amount(expected["amount"]))
            first = first_date(text, today)
            baseline_date.add(first, first is not None and first.isoformat() == expected["date"])
    count = len(docs) * variants
    print(f"SYNTHETIC (made in code, {len(docs)} layouts x {variants} variants = {count} pictures)")
    for field in FIELDS:
        print(ours[field].line(f"rules: {field}"))
    print(baseline_amount.line("baseline: largest number"))
    print(baseline_date.line("baseline: first date"))
    print(f"  OCR + QR + rules per picture: median {sorted(seconds)[len(seconds) // 2]:.2f} s")


def _score(tallies: dict[str, Tally], money: Money | None, doc: money_docs.MoneyDoc) -> None:
    got = money.as_dict() if money else {}
    expected = doc.expected
    for field in ("amount", "date", "kind", "reference"):
        tallies[field].add(got.get(field), got.get(field) == expected[field])
    party = got.get("counterparty")
    ok = bool(party) and all(_norm(w) in _norm(party) for w in doc.party_words)
    tallies["counterparty"].add(party, ok)


# --- 2. SROIE -----------------------------------------------------------------------------


def sroie_files(source: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """name -> (text rebuilt from the OCR boxes, key fields)."""
    folder = source
    if (source / "HEAD").exists() and (source / "objects").exists():
        folder = Path(tempfile.mkdtemp(prefix="sroie-"))
        archive = subprocess.run(
            ["git", f"--git-dir={source}", "archive", "HEAD", "data/box", "data/key"],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
    if (folder / "data").is_dir():
        folder = folder / "data"
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for key_file in sorted((folder / "key").glob("*.json")):
        box_file = folder / "box" / f"{key_file.stem}.csv"
        if box_file.exists():
            keys = json.loads(key_file.read_text(encoding="utf-8", errors="replace"))
            out[key_file.stem] = (rows_from_boxes(box_file.read_text(errors="replace")), keys)
    return out


def rows_from_boxes(csv_text: str) -> str:
    """The receipt's lines: boxes whose vertical middles are close form one row, left to
    right (how a layout-keeping OCR would print it)."""
    boxes: list[tuple[float, float, float, str]] = []
    for line in csv_text.splitlines():
        parts = line.split(",", 8)
        if len(parts) < 9:
            continue
        try:
            xs = [float(parts[i]) for i in (0, 2, 4, 6)]
            ys = [float(parts[i]) for i in (1, 3, 5, 7)]
        except ValueError:
            continue
        boxes.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs), parts[8].strip()))
    boxes.sort()
    rows: list[list[tuple[float, float, float, str]]] = []
    for box in boxes:
        if rows and abs(box[0] - rows[-1][0][0]) < max(box[1], rows[-1][0][1]) / 2:
            rows[-1].append(box)
        else:
            rows.append([box])
    return "\n".join("   ".join(b[3] for b in sorted(row, key=lambda b: b[2])) for row in rows)


def sroie(source: Path) -> None:
    files = sroie_files(source)
    if not files:
        print(f"SROIE: no key/box files under {source}")
        return
    today = date.today()
    names = sorted(files)
    half = len(names) // 2
    halves = (("files 000-312, seen", names[:half]), ("files 313-625, held out", names[half:]))
    for title, part in halves:
        tallies = {f: Tally() for f in ("total", "date", "company", "record")}
        base = {f: Tally() for f in ("total", "date", "company")}
        kinds: Counter[str] = Counter()
        for name in part:
            text, keys = files[name]
            # As a Malaysian drive would run: MONEY_DEFAULT_CURRENCY=MYR.
            money = extract_money(text, today=today, default_currency="MYR")
            kinds[money.kind.value if money else "none"] += 1
            total = parse_amount(keys.get("total", ""))
            gt_dates = find_dates(keys.get("date", ""), today=today)
            gt_date = gt_dates[0].value if gt_dates else None
            tallies["record"].add(money, money is not None)
            amount = money.amount if money else None
            tallies["total"].add(amount, amount is not None and amount == total)
            day = money.date if money else None
            tallies["date"].add(day, day is not None and day == gt_date)
            party = money.counterparty if money else None
            company = _norm(keys.get("company"))
            tallies["company"].add(party, bool(party) and _norm(party) == company)
            largest = largest_number(text)
            base["total"].add(largest, largest == total)
            first = first_date(text, today)
            base["date"].add(first, first is not None and first == gt_date)
            line = first_line(text)
            base["company"].add(line, _norm(line) == _norm(keys.get("company")))
        print(f"SROIE (public, ICDAR 2019 receipts; {title}: {len(part)} receipts)")
        print(tallies["record"].line("rules: a record at all"))
        for field in ("total", "date", "company"):
            print(tallies[field].line(f"rules: {field}"))
            print(base[field].line(f"baseline: {field}"))
        print(f"  kinds: {dict(kinds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", type=int, default=3, help="pictures per layout")
    parser.add_argument("--sroie", type=Path, help="a local copy of the SROIE data")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="each synthetic picture's misses")
    args = parser.parse_args()
    if not args.skip_synthetic:
        with tempfile.TemporaryDirectory(prefix="bench-money-") as workdir:
            synthetic(args.variants, Path(workdir), args.verbose)
    if args.sroie:
        sroie(args.sroie)
    else:
        print("SROIE: not run (give --sroie DIR, a local copy of the public receipts)")


if __name__ == "__main__":
    main()
