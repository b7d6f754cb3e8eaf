"""The fallback chain: the configured LLM providers in order, the local provider last.

A provider is skipped, never waited for, when its breaker is open, its daily quota is spent
or its bucket is empty right now; a 429 / RESOURCE_EXHAUSTED (or a refused key or model)
opens its breaker for the cooling period; a timeout, a 5xx or an answer that fails the checks
moves on to the next. The local provider always answers, so the file never fails for the
AI. Every result names the provider and model that made it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from drive2.adapters.ai.limits import AiLimiter, Allowed, QuotaExhausted, RateLimited
from drive2.adapters.ai.prompt import InvalidAnswerError, LlmQuotaError, LlmUnavailableError
from drive2.domain.models import AiMetadata
from drive2.ports.ai_provider import AiProvider

log = logging.getLogger(__name__)

LLM_PROVIDERS = ("gemini", "ollama")
T = TypeVar("T")


@dataclass(frozen=True)
class ChainLink:
    provider: AiProvider
    rpm: int = 0  # <= 0: no rate limit
    daily_quota: int = 0  # <= 0: no daily quota

    @property
    def name(self) -> str:
        return self.provider.name


class ProviderChain:
    name = "chain"

    def __init__(
        self,
        links: list[ChainLink],
        local: AiProvider,
        limiter: AiLimiter,
        breaker_cooldown_seconds: float = 300.0,
        on_call: Callable[[str, str], None] | None = None,
    ) -> None:
        #: (provider, outcome) -> the deployment-wide counter /metrics exports
        #: (services/metrics.py: drive2_ai_calls_total); the chain keeps no counter itself.
        self.on_call = on_call
        self.links = list(links)
        self.local = local
        self.limiter = limiter
        self.cooldown = breaker_cooldown_seconds

    # --- what the re-run job asks -------------------------------------------------------------
    @property
    def primary(self) -> str:
        return self.links[0].name if self.links else self.local.name

    @property
    def names(self) -> list[str]:
        return [link.name for link in self.links] + [self.local.name]

    def rank(self, provider: str | None) -> int:
        """0 for the primary; providers no longer configured rank after the local one."""
        names = self.names
        return names.index(provider) if provider in names else len(names)

    def primary_ready(self) -> bool:
        """The primary is an LLM whose breaker is closed and whose quota is not spent."""
        if not self.links:
            return False
        link = self.links[0]
        try:
            return not self.limiter.breaker_open(link.name) and (
                self.limiter.remaining_today(link.name, link.daily_quota) != 0
            )
        except Exception:
            log.exception("AI limiter unavailable; treating %s as not ready", link.name)
            return False

    def primary_budget(self) -> int | None:
        """Calls the primary may still make today (None: no daily quota)."""
        if not self.links:
            return 0
        link = self.links[0]
        return self.limiter.remaining_today(link.name, link.daily_quota)

    # --- the AiProvider port ----------------------------------------------------------------------
    def analyse(self, text: str, filename: str, metadata: dict[str, object]) -> AiMetadata:
        for index, link in enumerate(self.links):
            result, reason = self._attempt(link, text, filename, metadata)
            if result is not None:
                return result
            following = self.names[index + 1]
            log.warning(
                "AI provider %s not used (%s); falling back to %s", link.name, reason, following
            )
        result = self.local.analyse(text, filename, metadata)
        self._count(self.local.name, "ok")
        return result

    def _attempt(
        self, link: ChainLink, text: str, filename: str, metadata: dict[str, object]
    ) -> tuple[AiMetadata | None, str]:
        return self.attempt(link, lambda: link.provider.analyse(text, filename, metadata))

    def attempt(self, link: ChainLink, call: Callable[[], T]) -> tuple[T | None, str]:
        """One call to the link's provider under its limits and breaker (other work than
        the analysis, such as answering a question, shares them): (result, "ok"), or
        (None, why it was skipped or failed)."""
        name = link.name
        skipped = self._admit(link)
        if skipped is not None:
            self._count(name, skipped[0])
            return None, skipped[1]
        try:
            result = call()
        except LlmQuotaError as exc:
            seconds = max(self.cooldown, exc.retry_after or 0.0)
            self._open_breaker(name, seconds)
            return self._failed(name, "quota_exceeded", f"{exc}; breaker open for {seconds:.0f} s")
        except LlmUnavailableError as exc:
            if exc.open_breaker:
                self._open_breaker(name, self.cooldown)
            return self._failed(name, "unavailable", str(exc))
        except InvalidAnswerError as exc:
            return self._failed(name, "invalid_answer", f"unusable answer: {exc}")
        except Exception as exc:
            log.exception("AI provider %s crashed", name)
            return self._failed(name, "error", f"{type(exc).__name__}: {exc}")
        self._count(name, "ok")
        return result, "ok"

    def _admit(self, link: ChainLink) -> tuple[str, str] | None:
        """None when the call may go ahead, else (outcome, reason)."""
        try:
            if self.limiter.breaker_open(link.name):
                return "breaker_open", "circuit breaker open"
            decision = self.limiter.try_acquire(link.name, link.rpm, link.daily_quota)
        except Exception as exc:
            log.exception("AI limiter unavailable for %s", link.name)
            return "limiter_error", f"limiter unavailable: {exc!r}"
        if isinstance(decision, QuotaExhausted):
            return "quota_exhausted", (
                f"daily quota of {link.daily_quota} spent; resets in {decision.resets_in:.0f} s"
            )
        if isinstance(decision, RateLimited):
            return "rate_limited", (
                f"{link.rpm} requests a minute reached; next in {decision.retry_after:.1f} s"
            )
        assert isinstance(decision, Allowed)
        return None

    def _open_breaker(self, name: str, seconds: float) -> None:
        try:
            self.limiter.open_breaker(name, seconds)
        except Exception:
            log.exception("could not open the breaker of %s", name)

    def _failed(self, name: str, outcome: str, reason: str) -> tuple[None, str]:
        self._count(name, outcome)
        return None, reason

    def _count(self, provider: str, outcome: str) -> None:
        if self.on_call is not None:
            self.on_call(provider, outcome)
