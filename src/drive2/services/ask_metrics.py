"""Questions in /metrics: how many were asked (by channel, mode and whether the answer was
found) and how long answering took, counted in the deployment's shared counters (questions
come to API processes and, from LINE, to whichever process handles the webhook)."""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

from drive2.ports.metrics import Labels, MetricCounters

log = logging.getLogger(__name__)

QUESTIONS = "drive2_questions_total"
QUESTION_DURATION = "drive2_question_duration_seconds"
#: Offline answers take tenths of a second, LLM ones seconds.
BOUNDS: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))


class QuestionMetrics:
    """Records one question; never raises (a metric must not fail an answer)."""

    def __init__(self, counters: MetricCounters) -> None:
        self.counters = counters

    def __call__(self, channel: str, mode: str, found: bool, seconds: float) -> None:
        labels: Labels = tuple(
            sorted({"channel": channel, "mode": mode, "found": str(found).lower()}.items())
        )
        increments: dict[tuple[str, Labels], float] = {(QUESTIONS, labels): 1}
        by_mode: Labels = (("mode", mode),)
        for bound in (*BOUNDS, math.inf):
            if seconds <= bound:
                increments[(QUESTION_DURATION + "_bucket", (*by_mode, ("le", _le(bound))))] = 1
        increments[(QUESTION_DURATION + "_sum", by_mode)] = max(seconds, 0.0)
        increments[(QUESTION_DURATION + "_count", by_mode)] = 1
        try:
            self.counters.add(increments)
        except Exception as exc:
            log.warning("could not record question metrics: %r", exc)


def question_families(values: dict[tuple[str, Labels], float]) -> Iterator[Metric]:
    """The two families, from the shared counters' values."""
    asked = CounterMetricFamily(
        QUESTIONS.removesuffix("_total"),
        "Questions answered, by channel, mode and whether the answer was found",
        labels=["channel", "mode", "found"],
    )
    buckets: dict[str, dict[str, float]] = defaultdict(dict)
    sums: dict[str, float] = defaultdict(float)
    for (metric, labels), value in sorted(values.items()):
        names = dict(labels)
        if metric == QUESTIONS:
            asked.add_metric(
                [names.get("channel", ""), names.get("mode", ""), names.get("found", "")], value
            )
        elif metric == QUESTION_DURATION + "_bucket":
            buckets[names.get("mode", "")][names.get("le", "+Inf")] = value
        elif metric == QUESTION_DURATION + "_sum":
            sums[names.get("mode", "")] = value
    yield asked
    duration = HistogramMetricFamily(
        QUESTION_DURATION, "Time to answer a question, by mode", labels=["mode"]
    )
    for mode in sorted(buckets):
        counts = [(_le(b), buckets[mode].get(_le(b), 0.0)) for b in (*BOUNDS, math.inf)]
        duration.add_metric([mode], counts, sums.get(mode, 0.0))
    yield duration
