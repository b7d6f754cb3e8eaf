"""Grounded answers from Gemini and Ollama, under the AI stage's limits.

The providers send the answer prompt (answer_prompt.py) over the same wire formats as the
analysis (gemini.py, ollama.py) and translate errors the same way. LlmAnswerChain asks them
in the order of the AI chain's links, through ProviderChain.attempt: the same per-minute
buckets, daily quotas and breakers (a question and a file's analysis spend one Gemini quota),
skipped rather than waited for. An answer that claims to be found but cites nothing the
passages hold counts as unusable, like malformed JSON: the next provider is asked. None when
none could answer, and the service answers offline.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Protocol

import httpx
from google import genai
from google.genai import types

from drive2.adapters.ai.answer_prompt import build_answer_prompt, parse_answer
from drive2.adapters.ai.chain import ProviderChain
from drive2.adapters.ai.gemini import generate_json as gemini_json
from drive2.adapters.ai.ollama import generate_json as ollama_json
from drive2.adapters.ai.prompt import InvalidAnswerError
from drive2.domain.answers import DraftAnswer, Passage
from drive2.domain.grounding import checked_citations

log = logging.getLogger(__name__)


class AnswerProvider(Protocol):
    name: str

    def write(self, question: str, passages: list[Passage]) -> DraftAnswer: ...


class GeminiAnswerProvider:
    name = "gemini"

    def __init__(
        self, api_key: str, model: str, base_url: str | None = None, timeout_seconds: float = 30.0
    ) -> None:
        self.model = model
        self._client = genai.Client(
            api_key=api_key,
            vertexai=False,
            http_options=types.HttpOptions(
                base_url=base_url,
                api_version="v1beta",
                timeout=max(int(timeout_seconds * 1000), 1),
                retry_options=types.HttpRetryOptions(attempts=1),
            ),
        )

    def write(self, question: str, passages: list[Passage]) -> DraftAnswer:
        prompt = build_answer_prompt(question, passages)
        text, model = gemini_json(self._client, self.model, prompt.system, prompt.user, 0.1)
        return parse_answer(text, self.name, model)

    def close(self) -> None:
        self._client.close()


class OllamaAnswerProvider:
    name = "ollama"

    def __init__(
        self,
        base_url: str,
        model: str,
        timeout_seconds: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.model = model
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 10.0)),
            transport=transport,
        )

    def write(self, question: str, passages: list[Passage]) -> DraftAnswer:
        prompt = build_answer_prompt(question, passages)
        text, model = ollama_json(self._http, self.model, prompt.system, prompt.user, 0.1)
        return parse_answer(text, self.name, model)

    def close(self) -> None:
        self._http.close()


def _grounded(provider: AnswerProvider, question: str, passages: list[Passage]) -> DraftAnswer:
    """The provider's answer, refused (so the next provider is asked) when it claims an
    answer but cites nothing the passages hold."""
    draft = provider.write(question, passages)
    if draft.found and not checked_citations(draft.citations, passages, len(passages)):
        raise InvalidAnswerError("the answer cites nothing the passages hold")
    return draft


class LlmAnswerChain:
    """The AnswerWriter port over the AI chain's links."""

    def __init__(self, chain: ProviderChain, providers: list[AnswerProvider]) -> None:
        self.chain = chain
        self.providers = {p.name: p for p in providers}

    @property
    def available(self) -> bool:
        return any(link.name in self.providers for link in self.chain.links)

    def write(self, question: str, passages: list[Passage]) -> DraftAnswer | None:
        if not passages:
            return None  # nothing to ground an answer on: never ask
        for link in self.chain.links:
            provider = self.providers.get(link.name)
            if provider is None:
                continue
            result, reason = self.chain.attempt(
                link, partial(_grounded, provider, question, passages)
            )
            if result is not None:
                return result
            log.warning("%s did not answer the question (%s)", link.name, reason)
        return None
