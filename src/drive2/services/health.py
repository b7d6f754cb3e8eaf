"""Readiness of each part, with how long it took to answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PartHealth:
    name: str
    ok: bool
    latency_ms: float
    error: str | None


class HealthService:
    def __init__(self, checks: dict[str, Callable[[], None]]) -> None:
        self.checks = checks

    def check(self) -> list[PartHealth]:
        results = []
        for name, probe in self.checks.items():
            started = time.perf_counter()
            try:
                probe()
                ok, error = True, None
            except Exception as exc:
                ok, error = False, _describe(exc)[:300]
            results.append(
                PartHealth(name, ok, round((time.perf_counter() - started) * 1000, 2), error)
            )
        return results


def _describe(exc: BaseException) -> str:
    """The error, and what caused it (ServiceUnavailableError wraps the driver's error)."""
    text = f"{type(exc).__name__}: {exc}"
    cause = exc.__cause__
    if cause is not None:
        text += f" ({type(cause).__name__}: {cause})"
    return text
