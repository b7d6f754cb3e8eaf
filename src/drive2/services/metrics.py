"""What /metrics says about the whole deployment, not just the API process that answers.

Two kinds of numbers, chosen for being correct across processes and machines without a
Prometheus multiprocess directory (which only works on one machine):

- **State, read at scrape time**: files by status and their bytes (a GROUP BY on `files`),
  the stage-duration histogram (a GROUP BY over `file_stages`, which holds the latest run of
  every stage of every stored file: the distribution of what is stored now, so it can go
  down when a file is reprocessed or deleted; histogram_quantile() reads it as usual, rate()
  over it means little), queue depth per queue (Redis LLEN or the SQLite broker's
  visible messages) and the AI providers' remaining daily quota (the limiter's own state).
- **Events, counted where they happen**: task outcomes, retries, failures and durations
  (Celery signals in the worker) and AI calls by provider and outcome (the provider chain),
  added to shared counters (a Redis hash, or a SQLite file in the data dir for the embedded
  deployment) and read back here. They only go up, so Prometheus' rate() works on them.

A source that cannot be read (database or broker down) is reported by
`drive2_metrics_source_up{source}` = 0 and leaves its metrics out; the scrape still answers.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from drive2.ports.metrics import Labels, MetricCounters, StatsSource
from drive2.services.ask_metrics import question_families

log = logging.getLogger(__name__)

STATUSES = ("pending", "processing", "completed", "failed")
#: Bounds (seconds) of the stage- and task-duration histograms: OCR of a long scan takes
#: minutes, a type check milliseconds.
DURATION_BOUNDS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

TASKS = "drive2_tasks_total"
TASK_RETRIES = "drive2_task_retries_total"
TASK_FAILURES = "drive2_task_failures_total"
TASK_DURATION = "drive2_task_duration_seconds"
FILES_PROCESSED = "drive2_files_processed_total"
AI_CALLS = "drive2_ai_calls_total"
FILES_REEMBEDDED = "drive2_files_reembedded_total"

_COUNTER_HELP = {
    TASKS: ("Celery tasks finished, by task and final state", ("task", "state")),
    TASK_RETRIES: ("Celery task retries scheduled, by task", ("task",)),
    TASK_FAILURES: ("Celery tasks that raised or hit the time limit, by task", ("task",)),
    FILES_PROCESSED: ("Pipeline runs, by how the file ended", ("outcome",)),
    AI_CALLS: ("AI provider calls and skips, by provider and outcome", ("provider", "outcome")),
    FILES_REEMBEDDED: ("Files re-embedded after a model change, by model", ("model",)),
}


def _labels(**values: str) -> Labels:
    return tuple(sorted(values.items()))


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))


class MetricsRecorder:
    """Counts events into the shared counters. Never raises: a metric must not fail a task."""

    def __init__(self, counters: MetricCounters) -> None:
        self.counters = counters

    def _add(self, increments: dict[tuple[str, Labels], float]) -> None:
        try:
            self.counters.add(increments)
        except Exception as exc:
            log.warning("could not record metrics: %r", exc)

    def task_finished(self, task: str, state: str, seconds: float | None) -> None:
        increments: dict[tuple[str, Labels], float] = {(TASKS, _labels(task=task, state=state)): 1}
        if seconds is not None and seconds >= 0:
            for bound in (*DURATION_BOUNDS, math.inf):
                if seconds <= bound:
                    increments[(TASK_DURATION + "_bucket", _labels(task=task, le=_le(bound)))] = 1
            increments[(TASK_DURATION + "_sum", _labels(task=task))] = seconds
            increments[(TASK_DURATION + "_count", _labels(task=task))] = 1
        self._add(increments)

    def task_retried(self, task: str) -> None:
        self._add({(TASK_RETRIES, _labels(task=task)): 1})

    def task_failed(self, task: str) -> None:
        self._add({(TASK_FAILURES, _labels(task=task)): 1})

    def file_processed(self, outcome: str) -> None:
        self._add({(FILES_PROCESSED, _labels(outcome=outcome)): 1})

    def ai_call(self, provider: str, outcome: str) -> None:
        self._add({(AI_CALLS, _labels(provider=provider, outcome=outcome)): 1})

    def file_reembedded(self, model: str) -> None:
        self._add({(FILES_REEMBEDDED, _labels(model=model)): 1})


@dataclass
class MetricSources:
    stats: StatsSource
    counters: MetricCounters
    queue_depths: Callable[[], dict[str, int]]
    #: provider -> calls left today, for the providers that have a daily quota.
    quota_remaining: Callable[[], dict[str, int]]
    #: The embedding collections (model, state, files done, files total): re-embedding.
    collections: Callable[[], list[tuple[str, str, int, int]]] | None = None


class DeploymentCollector:
    """A prometheus_client collector over MetricSources (register it in a registry)."""

    def __init__(self, sources: MetricSources) -> None:
        self.sources = sources

    def describe(self) -> list[Metric]:
        return []  # collected on demand; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "drive2_metrics_source_up", "1 when /metrics could read the source", labels=["source"]
        )
        for source, produce in (
            ("database", self._database),
            ("counters", self._counters),
            ("broker", self._queues),
            ("ai_limiter", self._quota),
            ("embeddings", self._collections),
        ):
            try:
                families = list(produce())
            except Exception as exc:
                log.warning("metrics source %s unavailable: %r", source, exc)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from families
        yield up

    def _database(self) -> Iterator[Metric]:
        files = GaugeMetricFamily("drive2_files", "Files by processing status", labels=["status"])
        stored = GaugeMetricFamily(
            "drive2_stored_bytes", "Bytes of the stored originals, by status", labels=["status"]
        )
        counts = {c.status: c for c in self.sources.stats.files_by_status()}
        for status in sorted(set(STATUSES) | set(counts)):
            count = counts.get(status)
            files.add_metric([status], count.files if count else 0)
            stored.add_metric([status], count.bytes if count else 0)
        yield files
        yield stored
        # Exposed as a plain histogram (bucket/sum/count) for every scraper's sake; its counts
        # are of stored records, not of runs since start (see the module docstring).
        stages = HistogramMetricFamily(
            "drive2_stage_duration_seconds",
            "Duration of the latest run of each stage of every stored file",
            labels=["stage", "outcome"],
        )
        for stage in self.sources.stats.stage_durations(DURATION_BOUNDS):
            pairs = zip(DURATION_BOUNDS, stage.cumulative, strict=True)
            buckets = [(_le(bound), float(n)) for bound, n in pairs]
            buckets.append(("+Inf", float(stage.count)))
            stages.add_metric([stage.stage, stage.outcome], buckets, stage.sum_seconds)
        yield stages

    def _counters(self) -> Iterator[Metric]:
        values = self.sources.counters.read()
        families: dict[str, CounterMetricFamily] = {}
        for name, (help_text, label_names) in _COUNTER_HELP.items():
            families[name] = CounterMetricFamily(
                name.removesuffix("_total"), help_text, labels=list(label_names)
            )
        histogram: dict[str, dict[str, Any]] = defaultdict(lambda: {"b": {}, "sum": 0.0})
        for (metric, labels), value in values.items():
            label_map = dict(labels)
            if metric in families:
                names = _COUNTER_HELP[metric][1]
                families[metric].add_metric([label_map.get(n, "") for n in names], value)
            elif metric.startswith(TASK_DURATION):
                task = label_map.get("task", "")
                if metric.endswith("_bucket"):
                    histogram[task]["b"][label_map.get("le", "+Inf")] = value
                elif metric.endswith("_sum"):
                    histogram[task]["sum"] = value
        yield from families.values()
        yield from question_families(values)
        durations = HistogramMetricFamily(
            TASK_DURATION, "Celery task run time, by task", labels=["task"]
        )
        for task, data in sorted(histogram.items()):
            buckets = [(_le(b), data["b"].get(_le(b), 0.0)) for b in (*DURATION_BOUNDS, math.inf)]
            durations.add_metric([task], buckets, data["sum"])
        yield durations

    def _queues(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "drive2_queue_depth", "Messages waiting in each task queue", labels=["queue"]
        )
        for queue, n in sorted(self.sources.queue_depths().items()):
            depth.add_metric([queue], n)
        yield depth

    def _collections(self) -> Iterator[Metric]:
        if self.sources.collections is None:
            return
        state = GaugeMetricFamily(
            "drive2_embedding_collection",
            "1 per embedding collection, labelled with its state (building, serving, retired)",
            labels=["model", "state"],
        )
        done = GaugeMetricFamily(
            "drive2_reindex_files_done",
            "Files re-embedded into the collection being filled",
            labels=["model"],
        )
        total = GaugeMetricFamily(
            "drive2_reindex_files", "Files to re-embed into the collection", labels=["model"]
        )
        for model, current, files_done, files_total in self.sources.collections():
            state.add_metric([model, current], 1)
            done.add_metric([model], files_done)
            total.add_metric([model], files_total)
        yield state
        yield done
        yield total

    def _quota(self) -> Iterator[Metric]:
        remaining = GaugeMetricFamily(
            "drive2_ai_quota_remaining",
            "Calls left today under each AI provider's daily quota",
            labels=["provider"],
        )
        for provider, left in sorted(self.sources.quota_remaining().items()):
            remaining.add_metric([provider], left)
        yield remaining


def quota_providers(settings: Any) -> Sequence[tuple[str, int]]:
    """(provider, daily quota) of the configured LLM providers that have a daily quota."""
    chain = [n.strip().lower() for n in settings.ai_providers.split(",")]
    found = []
    if "gemini" in chain and settings.gemini_api_key and settings.gemini_daily_quota > 0:
        found.append(("gemini", settings.gemini_daily_quota))
    if "ollama" in chain and settings.ollama_url and settings.ollama_daily_quota > 0:
        found.append(("ollama", settings.ollama_daily_quota))
    return found
