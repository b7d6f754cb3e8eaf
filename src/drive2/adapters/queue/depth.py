"""How many messages wait in each queue, read straight from the broker at scrape time."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from drive2.config import is_redis_url

# kombu's Redis transport keeps priority 0 in the queue's own list and the others in
# "<queue>\x06\x16<priority>" lists.
_REDIS_PRIORITY_SEP = "\x06\x16"
_REDIS_PRIORITIES = (3, 6, 9)


def redis_queue_depths(url: str, queues: Iterable[str]) -> dict[str, int]:
    import redis

    client: Any = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        names = list(queues)
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.llen(name)
            for pri in _REDIS_PRIORITIES:
                pipe.llen(f"{name}{_REDIS_PRIORITY_SEP}{pri}")
        lengths = pipe.execute()
        per = 1 + len(_REDIS_PRIORITIES)
        return {name: int(sum(lengths[i * per : (i + 1) * per])) for i, name in enumerate(names)}
    finally:
        client.close()


def sqlite_queue_depths(path: Path, queues: Iterable[str]) -> dict[str, int]:
    """kombu's SQLAlchemy tables (kombu_queue, kombu_message); visible messages only."""
    depths = dict.fromkeys(queues, 0)
    if not path.exists():
        return depths
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute(
            "SELECT q.name, COUNT(m.id) FROM kombu_queue q "
            "LEFT JOIN kombu_message m ON m.queue_id = q.id AND m.visible = 1 "
            "GROUP BY q.name"
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return depths  # no message was ever sent
        raise
    finally:
        conn.close()
    for name, count in rows:
        if name in depths:
            depths[name] = int(count)
    return depths


def queue_depths(broker_url: str, queues: Iterable[str]) -> dict[str, int]:
    if is_redis_url(broker_url):
        return redis_queue_depths(broker_url, queues)
    if "sqlite:///" in broker_url:
        return sqlite_queue_depths(Path(broker_url.split("sqlite:///", 1)[1]), queues)
    raise ValueError(f"queue depth is not available for broker {broker_url.split(':', 1)[0]}")
