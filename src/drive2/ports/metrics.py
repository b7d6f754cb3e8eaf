"""What /metrics reads: counters shared by every process of a deployment (so the API can
report what the workers did: a Prometheus counter lives in one process, and workers serve no
HTTP), and aggregates of the database's own state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

Labels = tuple[tuple[str, str], ...]  # sorted (name, value) pairs


class MetricCounters(Protocol):
    def add(self, increments: dict[tuple[str, Labels], float]) -> None:
        """Add each amount to its (metric, labels) counter, atomically per counter."""
        ...

    def read(self) -> dict[tuple[str, Labels], float]:
        """Every counter's current value."""
        ...


@dataclass(frozen=True)
class StatusCount:
    status: str
    files: int
    bytes: int


@dataclass(frozen=True)
class StageBuckets:
    stage: str
    outcome: str
    cumulative: list[int]  # one per bound, in order: how many took <= bound
    count: int
    sum_seconds: float


class StatsSource(Protocol):
    def files_by_status(self) -> list[StatusCount]: ...

    def stage_durations(self, bounds_seconds: Sequence[float]) -> list[StageBuckets]: ...
