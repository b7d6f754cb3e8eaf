"""The embedded vector index: vectors beside the data, scanned with numpy per user.

Chosen by measurement on this machine (2 cores; bench/search.py, DESIGN.md section 5). Qdrant
local mode answers a user-filtered query in ~90 ms (p50) at 10,000 points and ~1.2 s at
100,000. This index answers the same query in ~0.4 ms at 10,000 and ~0.8 ms at 100,000 when
the user owns 4% of the points, ~9 ms (p95) when one user owns all 100,000, and ~20 ms (p95)
end to end with the query embedding. An HNSW index would answer faster still at millions of
points, but took minutes to build 100,000 (usearch: 134 s) and is approximate; an exact scan
over *the caller's* rows only is fast enough and exact.

Layout: one SQLite file per collection, ``<data>/vectors/<collection>.sqlite3`` (WAL), the
source of truth, written by the worker processes and read by the API process. Each process
keeps, per user, a float32 matrix of that user's vectors, built on the user's first search, so
the user filter is applied before the scan, never after. Every write appends (user, file) to a
change log in the same transaction as the points; before each search a process reads the log
past what its cache has seen (two indexed lookups, microseconds) and patches the cache: rows of
changed files are masked out and their current rows appended. The log is pruned; a cache older
than the pruned part is rebuilt from the points table.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt

from drive2.adapters.vector.user_matrix import Rows, UserMatrix
from drive2.ports.vector_index import (
    VectorHit,
    VectorIndexUnavailable,
    VectorPoint,
    collection_name,
    normalised,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    id INTEGER PRIMARY KEY,
    file_id TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    text TEXT NOT NULL,
    extra TEXT,
    vector BLOB NOT NULL,
    UNIQUE (file_id, chunk)
);
CREATE INDEX IF NOT EXISTS ix_points_user ON points (user_id);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    file_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_changes_user ON changes (user_id, id);
"""

UPSERT = """
INSERT INTO points (file_id, chunk, user_id, text, extra, vector) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (file_id, chunk) DO UPDATE SET
    user_id = excluded.user_id, text = excluded.text, extra = excluded.extra,
    vector = excluded.vector
"""

#: Change-log entries kept; a cache that saw less than this many writes ago patches itself.
CHANGE_LOG_KEEP = 20_000
#: More changed files than this since a cache's last look: rebuild it instead of patching.
PATCH_MAX_FILES = 500
SQL_BATCH = 500


def _batches(items: list[str], size: int = SQL_BATCH) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class _UserCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.snapshot: UserMatrix | None = None
        self.seen = 0  # the change-log position the snapshot reflects


class _Collection:
    """One collection's SQLite file plus this process's per-user caches."""

    def __init__(self, path: Path, dimension: int | None, model: str | None) -> None:
        self.path = path
        self._pid = os.getpid()
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._users: OrderedDict[str, _UserCache] = OrderedDict()
        self._users_lock = threading.Lock()
        self.dimension = self._init_meta(dimension, model)
        self._inode = self._stat()

    def _stat(self) -> int | None:
        try:
            return os.stat(self.path).st_ino
        except OSError:
            return None

    def same_file(self) -> bool:
        """False once the file was removed or replaced under this process's connections."""
        return self._stat() == self._inode

    # --- connections ------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            # Forked (a Celery prefork child): SQLite connections must not cross a fork. The
            # parent's stay the parent's, untouched; this process opens its own.
            self._pid = os.getpid()
            self._local = threading.local()
            self._all = []
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, timeout=30, isolation_level=None, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA busy_timeout=30000")
            except sqlite3.Error as exc:
                raise VectorIndexUnavailable(f"vector index {self.path.name}: {exc}") from exc
            self._local.conn = conn
            with self._conns_lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def _txn(self, begin: str) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute(begin)
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise VectorIndexUnavailable(f"vector index {self.path.name}: {exc}") from exc

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._txn("BEGIN IMMEDIATE")

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._txn("BEGIN")

    def close(self) -> None:
        with self._conns_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def _init_meta(self, dimension: int | None, model: str | None) -> int:
        with self._write() as conn:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            stored = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if "dimension" not in stored:
                if dimension is None:
                    raise VectorIndexUnavailable(f"{self.path.name} has no dimension recorded")
                conn.execute("INSERT INTO meta VALUES ('dimension', ?)", (str(dimension),))
                conn.execute("INSERT INTO meta VALUES ('model', ?)", (model or "",))
                conn.execute("INSERT INTO meta VALUES ('pruned_through', '0')")
                return dimension
        found = int(stored["dimension"])
        if dimension is not None and found != dimension:
            raise ValueError(f"{self.path.name} holds {found}-dimensional vectors, not {dimension}")
        return found

    # --- writes -------------------------------------------------------------------------------
    @staticmethod
    def _owners(conn: sqlite3.Connection, file_ids: list[str]) -> set[tuple[str, str]]:
        owners: set[tuple[str, str]] = set()
        for batch in _batches(file_ids):
            owners.update(
                conn.execute(
                    "SELECT DISTINCT user_id, file_id FROM points "
                    f"WHERE file_id IN ({_marks(len(batch))})",
                    batch,
                ).fetchall()
            )
        return owners

    def _log(self, conn: sqlite3.Connection, touched: Iterable[tuple[str, str]]) -> None:
        conn.executemany("INSERT INTO changes (user_id, file_id) VALUES (?, ?)", sorted(touched))
        seq = self._seq(conn)
        pruned = self._pruned(conn)
        cut = seq - CHANGE_LOG_KEEP
        if cut > pruned + CHANGE_LOG_KEEP // 10:
            conn.execute("DELETE FROM changes WHERE id <= ?", (cut,))
            conn.execute("UPDATE meta SET value = ? WHERE key = 'pruned_through'", (str(cut),))

    @staticmethod
    def _pruned(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'pruned_through'").fetchone()
        return int(row[0])

    @staticmethod
    def _seq(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").fetchone()
        return int(row[0]) if row else 0

    def _rows(self, points: list[VectorPoint]) -> list[tuple[object, ...]]:
        rows: list[tuple[object, ...]] = []
        for p in points:
            vector = normalised(p.vector)
            if vector.shape != (self.dimension,):
                raise ValueError(
                    f"a {self.dimension}-dimensional collection got a vector of shape "
                    f"{vector.shape}"
                )
            extra = json.dumps(p.extra, ensure_ascii=False) if p.extra else None
            rows.append((p.file_id, int(p.chunk), p.user_id, p.text, extra, vector.tobytes()))
        return rows

    def upsert(self, points: list[VectorPoint]) -> None:
        rows = self._rows(points)
        with self._write() as conn:
            touched = self._owners(conn, sorted({p.file_id for p in points}))
            conn.executemany(UPSERT, rows)
            touched.update((p.user_id, p.file_id) for p in points)
            self._log(conn, touched)

    def delete_file(self, file_id: str) -> None:
        with self._write() as conn:
            touched = self._owners(conn, [file_id])
            if touched:
                conn.execute("DELETE FROM points WHERE file_id = ?", (file_id,))
                self._log(conn, touched)

    def replace_file(self, file_id: str, points: list[VectorPoint]) -> None:
        rows = self._rows(points)
        with self._write() as conn:
            touched = self._owners(conn, [file_id])
            conn.execute("DELETE FROM points WHERE file_id = ?", (file_id,))
            conn.executemany(UPSERT, rows)
            touched.update((p.user_id, p.file_id) for p in points)
            if touched:
                self._log(conn, touched)

    def count(self, file_id: str | None) -> int:
        with self._read() as conn:
            if file_id is None:
                row = conn.execute("SELECT count(*) FROM points").fetchone()
            else:
                row = conn.execute(
                    "SELECT count(*) FROM points WHERE file_id = ?", (file_id,)
                ).fetchone()
            return int(row[0])

    # --- reads --------------------------------------------------------------------------------
    def _cache(self, user_id: str) -> _UserCache:
        with self._users_lock:
            cache = self._users.get(user_id)
            if cache is None:
                cache = self._users[user_id] = _UserCache()
            self._users.move_to_end(user_id)
            return cache

    def snapshot(self, user_id: str, max_cached_rows: int) -> UserMatrix:
        cache = self._cache(user_id)
        with cache.lock:
            changed: set[str] = set()
            with self._read() as conn:
                seq = self._seq(conn)
                pruned = self._pruned(conn)
                full = cache.snapshot is None or cache.seen < pruned
                if not full:
                    changed = {
                        r[0]
                        for r in conn.execute(
                            "SELECT DISTINCT file_id FROM changes WHERE user_id = ? AND id > ?",
                            (user_id, cache.seen),
                        )
                    }
                    full = len(changed) > PATCH_MAX_FILES
                rows: Rows = []
                if full:
                    rows = conn.execute(
                        "SELECT id, file_id, chunk, vector FROM points WHERE user_id = ?",
                        (user_id,),
                    ).fetchall()
                elif changed:
                    for batch in _batches(sorted(changed)):
                        rows.extend(
                            conn.execute(
                                "SELECT id, file_id, chunk, vector FROM points "
                                # +user_id: look rows up by file, not by (a large) user.
                                f"WHERE +user_id = ? AND file_id IN ({_marks(len(batch))})",
                                [user_id, *batch],
                            ).fetchall()
                        )
            if full:
                cache.snapshot = UserMatrix.build(rows, self.dimension)
            elif changed:
                assert cache.snapshot is not None
                cache.snapshot = cache.snapshot.patched(changed, rows, self.dimension)
            cache.seen = seq
            snapshot = cache.snapshot
            assert snapshot is not None
        self._evict(max_cached_rows, keep=user_id)
        return snapshot

    def _evict(self, max_cached_rows: int, keep: str) -> None:
        with self._users_lock:
            total = sum(c.snapshot.capacity for c in self._users.values() if c.snapshot)
            for user_id in list(self._users):
                if total <= max_cached_rows:
                    break
                if user_id == keep:
                    continue
                cache = self._users.pop(user_id)
                if cache.snapshot is not None:
                    total -= cache.snapshot.capacity

    def texts(self, user_id: str, rowids: list[int]) -> dict[int, str]:
        with self._read() as conn:
            return {
                int(r[0]): str(r[1])
                for r in conn.execute(
                    "SELECT id, text FROM points "
                    f"WHERE +user_id = ? AND id IN ({_marks(len(rowids))})",
                    [user_id, *rowids],
                )
            }


class EmbeddedVectorIndex:
    name = "embedded"

    #: Rows kept in memory across users (1.5 KiB each at 384 dimensions: ~730 MiB); the
    #: least recently searched users' matrices go first, rebuilt on their next search.
    MAX_CACHED_ROWS = 500_000

    def __init__(self, directory: Path, max_cached_rows: int = MAX_CACHED_ROWS) -> None:
        self.directory = Path(directory)
        self.max_cached_rows = max_cached_rows
        self._collections: dict[str, _Collection] = {}
        self._lock = threading.Lock()

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.sqlite3"

    def _collection(self, name: str, dimension: int | None, model: str | None) -> _Collection:
        with self._lock:
            found = self._collections.get(name)
            if found is not None and not found.same_file():
                # Dropped (and maybe made again) by another process since this one opened it.
                found.close()
                found = self._collections[name] = _Collection(self._path(name), dimension, model)
            if found is None:
                try:
                    self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                except OSError as exc:
                    raise VectorIndexUnavailable(f"vector index directory: {exc}") from exc
                found = self._collections[name] = _Collection(self._path(name), dimension, model)
        if dimension is not None and found.dimension != dimension:
            raise ValueError(f"{name} holds {found.dimension}-dimensional vectors")
        return found

    def _existing(self, model: str, dimension: int) -> _Collection | None:
        name = collection_name(model, dimension)
        if name not in self._collections and not self._path(name).exists():
            return None
        return self._collection(name, dimension, model)

    def upsert(self, model: str, dimension: int, points: list[VectorPoint]) -> None:
        if points:
            self._collection(collection_name(model, dimension), dimension, model).upsert(points)

    def replace_file(
        self, model: str, dimension: int, file_id: str, points: list[VectorPoint]
    ) -> None:
        name = collection_name(model, dimension)
        if points or self._existing(model, dimension) is not None:
            self._collection(name, dimension, model).replace_file(file_id, points)

    def drop(self, model: str, dimension: int) -> None:
        name = collection_name(model, dimension)
        with self._lock:
            found = self._collections.pop(name, None)
            if found is not None:
                found.close()
        for suffix in ("", "-wal", "-shm"):
            self._path(name).with_name(self._path(name).name + suffix).unlink(missing_ok=True)

    def delete_file(self, file_id: str) -> None:
        if not self.directory.exists():
            return
        for path in sorted(self.directory.glob("*.sqlite3")):
            self._collection(path.stem, None, None).delete_file(file_id)

    def search(
        self,
        model: str,
        dimension: int,
        user_id: str,
        vector: npt.NDArray[np.float32],
        limit: int,
        file_ids: list[str] | None = None,
    ) -> list[VectorHit]:
        collection = self._existing(model, dimension)
        if collection is None or limit <= 0 or (file_ids is not None and not file_ids):
            return []
        query = normalised(vector).reshape(-1)
        if query.shape != (dimension,):
            raise ValueError(f"query vector has shape {query.shape}, expected ({dimension},)")
        matrix = collection.snapshot(user_id, self.max_cached_rows)
        best = matrix.top(query, limit, file_ids)
        if not best:
            return []
        texts = collection.texts(user_id, [int(matrix.rowids[row]) for row, _ in best])
        hits = []
        for row, score in best:
            text = texts.get(int(matrix.rowids[row]))
            if text is None:  # deleted since the matrix was patched
                continue
            hits.append(
                VectorHit(
                    file_id=matrix.files.ids[int(matrix.codes[row])],
                    chunk=int(matrix.chunks[row]),
                    score=score,
                    text=text,
                )
            )
        return hits

    def count(self, model: str, dimension: int, file_id: str | None = None) -> int:
        collection = self._existing(model, dimension)
        return 0 if collection is None else collection.count(file_id)

    def check(self) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise VectorIndexUnavailable(f"vector index directory: {exc}") from exc
        if not os.access(self.directory, os.W_OK):
            raise VectorIndexUnavailable(f"{self.directory} is not writable")

    def close(self) -> None:
        with self._lock:
            for collection in self._collections.values():
                collection.close()
            self._collections.clear()
