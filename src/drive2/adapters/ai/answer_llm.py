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

import json
import logging
from functools import partial
from typing import Any, Protocol

import httpx
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from drive2.adapters.ai.answer_prompt import build_answer_prompt, parse_answer
from drive2.adapters.ai.chain import ProviderChain
from drive2.adapters.ai.gemini import _TIMEOUTS, _TRANSPORT, _text, _translate
from drive2.adapters.ai.ollama import _error, context_tokens
from drive2.adapters.ai.prompt import InvalidAnswerError, LlmUnavailableError
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
        config = types.GenerateContentConfig(
            system_instruction=prompt.system,
            response_mime_type="application/json",
            temperature=0.1,
        )
        try:
            response = self._client.models.generate_content(
                model=self.model, contents=prompt.user, config=config
            )
        except genai_errors.APIError as exc:
            raise _translate(exc) from exc
        except _TIMEOUTS as exc:
            raise LlmUnavailableError(f"gemini timed out: {exc!r}") from exc
        except _TRANSPORT as exc:
            raise LlmUnavailableError(f"gemini unreachable: {exc!r}") from exc
        return parse_answer(_text(response), self.name, response.model_version or self.model)

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
        body = {
            "model": self.model,
            "system": prompt.system,
            "prompt": prompt.user,
            "format": "json",
            "stream": False,
            "options": {
                "temperature": 0.1,
                "num_ctx": context_tokens(len(prompt.system) + len(prompt.user)),
            },
        }
        try:
            response = self._http.post("/api/generate", json=body)
        except httpx.TimeoutException as exc:
            raise LlmUnavailableError(f"ollama timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise LlmUnavailableError(f"ollama unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise _error(response)
        try:
            payload: Any = response.json()
        except json.JSONDecodeError as exc:
            raise InvalidAnswerError("ollama answered with something other than JSON") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("response"), str):
            raise InvalidAnswerError("ollama's reply has no response text")
        if payload.get("done") is False:
            raise InvalidAnswerError("ollama's reply is incomplete")
        return parse_answer(payload["response"], self.name, str(payload.get("model") or self.model))

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
