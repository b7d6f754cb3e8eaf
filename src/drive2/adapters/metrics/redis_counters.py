"""Shared counters in one Redis hash: HINCRBYFLOAT is atomic, one round trip per batch."""

from __future__ import annotations

from typing import Any

from drive2.adapters.metrics.codec import decode, encode
from drive2.ports.metrics import Labels


class RedisMetricCounters:
    def __init__(self, url: str, key: str = "drive2:metrics:counters") -> None:
        import redis

        self.client: Any = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
        self.key = key

    def add(self, increments: dict[tuple[str, Labels], float]) -> None:
        if not increments:
            return
        pipe = self.client.pipeline(transaction=False)
        for (metric, labels), amount in increments.items():
            pipe.hincrbyfloat(self.key, encode(metric, labels), amount)
        pipe.execute()

    def read(self) -> dict[tuple[str, Labels], float]:
        raw = self.client.hgetall(self.key)
        return {decode(field): float(value) for field, value in raw.items()}

    def close(self) -> None:
        self.client.close()
