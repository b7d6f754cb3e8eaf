"""One string per (metric, labels) counter, the same in Redis and SQLite."""

from __future__ import annotations

import json

from drive2.ports.metrics import Labels


def encode(metric: str, labels: Labels) -> str:
    return json.dumps([metric, [list(pair) for pair in labels]], separators=(",", ":"))


def decode(key: str | bytes) -> tuple[str, Labels]:
    metric, pairs = json.loads(key)
    return str(metric), tuple((str(k), str(v)) for k, v in pairs)
