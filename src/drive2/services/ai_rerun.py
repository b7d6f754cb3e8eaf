"""The Beat job that gives files a fallback served back to the primary AI provider.

When Gemini's quota or breaker sent files to Ollama or the local provider, this job — once
the primary is ready again — analyses a bounded batch of them once more with the chain and
stores the result. Only the AI result (and the tags it brings) changes; the pipeline does
not run again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from drive2.domain.models import AiMetadata, FileRecord
from drive2.pipeline.money.record import MoneySettler

log = logging.getLogger(__name__)

DEFAULT_BATCH = 20


@runtime_checkable
class FallbackChain(Protocol):
    """What the job needs of the AI provider: a chain that knows its primary."""

    @property
    def primary(self) -> str: ...

    def primary_ready(self) -> bool: ...

    def primary_budget(self) -> int | None: ...

    def rank(self, provider: str | None) -> int: ...

    def analyse(self, text: str, filename: str, metadata: dict[str, object]) -> AiMetadata: ...


class AiRerunRepository(Protocol):
    def files_with_ai_not_from(self, provider: str, limit: int) -> list[FileRecord]: ...

    def get_text(self, file_id: str) -> str: ...

    def update_ai(
        self, file_id: str, ai: AiMetadata, expected_provider: str | None = None
    ) -> bool: ...


@dataclass
class RerunReport:
    upgraded: list[str] = field(default_factory=list)  # now served by the primary
    refreshed: list[str] = field(default_factory=list)  # re-analysed, no better provider
    unchanged: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the batch ended early, if it did

    def as_dict(self) -> dict[str, object]:
        return {
            "upgraded": len(self.upgraded),
            "refreshed": len(self.refreshed),
            "unchanged": len(self.unchanged),
            "stopped": self.stopped,
        }


def rerun_fallback_ai(
    repo: AiRerunRepository,
    ai: object,
    batch: int = DEFAULT_BATCH,
    time_budget_seconds: float | None = None,
    settle: MoneySettler | None = None,
) -> RerunReport:
    """Re-analyse up to `batch` files (fewer if the primary's quota has fewer calls left),
    starting no new file once `time_budget_seconds` have passed. `settle` gives each new
    answer its money record, as the pipeline's money stage does."""
    settle = settle or MoneySettler()
    started = time.monotonic()
    report = RerunReport()
    if not isinstance(ai, FallbackChain):
        report.stopped = "the AI provider is not a fallback chain"
        return report
    if not ai.primary_ready():
        report.stopped = (
            f"{ai.primary} is not ready (no LLM configured, breaker open or quota spent)"
        )
        return report
    budget = ai.primary_budget()
    size = batch if budget is None else min(batch, budget)
    for record in repo.files_with_ai_not_from(ai.primary, size):
        if time_budget_seconds is not None and time.monotonic() - started > time_budget_seconds:
            report.stopped = "time budget spent"
            break
        if not ai.primary_ready():
            report.stopped = f"{ai.primary} became unavailable"
            break
        _rerun_one(repo, ai, record, report, settle)
    if report.upgraded or report.refreshed:
        log.info("AI re-run: %s", report.as_dict())
    return report


def _rerun_one(
    repo: AiRerunRepository,
    chain: FallbackChain,
    record: FileRecord,
    report: RerunReport,
    settle: MoneySettler,
) -> None:
    text = repo.get_text(record.id)
    current = record.ai.provider if record.ai else None
    if not text.strip():
        report.unchanged.append(record.id)
        return
    result = settle(chain.analyse(text, record.filename, dict(record.metadata)), record, text)
    # A fallback answer is stored only if it is no worse than what the file has: that moves
    # a file the primary cannot answer to the back of the queue without losing a better one.
    if chain.rank(result.provider) > chain.rank(current):
        report.unchanged.append(record.id)
        return
    if not repo.update_ai(record.id, result, expected_provider=current):
        report.unchanged.append(record.id)  # reprocessed or deleted meanwhile
        return
    if result.provider == chain.primary:
        report.upgraded.append(record.id)
    else:
        report.refreshed.append(record.id)
