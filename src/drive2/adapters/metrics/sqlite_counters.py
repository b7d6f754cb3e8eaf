"""Shared counters for the embedded deployment: a small SQLite file in the data dir, apart
from the main database so counting never contends with a file's own writes. Every process
of one machine (API, worker processes, Beat) sees the same file; the embedded deployment is
one machine by definition."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from drive2.adapters.metrics.codec import decode, encode
from drive2.ports.metrics import Labels

_SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value REAL NOT NULL)"
_ADD = (
    "INSERT INTO counters (key, value) VALUES (?, ?) "
    "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value"
)


class SqliteMetricCounters:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        # A connection per call: cheap, and safe across the worker's fork.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(_SCHEMA)
        return conn

    def add(self, increments: dict[tuple[str, Labels], float]) -> None:
        if not increments:
            return
        rows = [(encode(m, labels), amount) for (m, labels), amount in increments.items()]
        conn = self._connect()
        try:
            with conn:
                conn.executemany(_ADD, rows)
        finally:
            conn.close()

    def read(self) -> dict[tuple[str, Labels], float]:
        if not self.path.exists():
            return {}
        conn = self._connect()
        try:
            return {decode(k): float(v) for k, v in conn.execute("SELECT key, value FROM counters")}
        finally:
            conn.close()
