"""Ollama over its HTTP API: POST /api/generate with "format": "json" and "stream": false.

The request carries the shared prompt (instructions as "system", the delimited document as
"prompt") and a context window large enough for it: Ollama silently drops the start of a
prompt that does not fit, and the start holds the instructions.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from drive2.adapters.ai.prompt import (
    InvalidAnswerError,
    LlmQuotaError,
    LlmUnavailableError,
    build_prompt,
    validate_answer,
)
from drive2.domain.models import AiMetadata

MIN_CONTEXT_TOKENS = 4096
MAX_CONTEXT_TOKENS = 32768


def context_tokens(prompt_chars: int) -> int:
    """A power-of-two window for ~3 characters a token plus room for the answer."""
    needed = prompt_chars // 3 + 1024
    window = MIN_CONTEXT_TOKENS
    while window < needed and window < MAX_CONTEXT_TOKENS:
        window *= 2
    return window


class OllamaProvider:
    name = "ollama"

    def __init__(
        self,
        base_url: str,
        model: str,
        timeout_seconds: float = 60.0,
        max_input_chars: int = 24_000,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.model = model
        self.max_input_chars = max_input_chars
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 10.0)),
            transport=transport,
        )

    def analyse(self, text: str, filename: str, metadata: dict[str, object]) -> AiMetadata:
        prompt = build_prompt(text, filename, metadata, self.max_input_chars)
        answer, model = generate_json(self._http, self.model, prompt.system, prompt.user, 0.2)
        checked = validate_answer(answer, filename)
        return checked.to_metadata(self.name, model)

    def close(self) -> None:
        self._http.close()


def generate_json(
    http: httpx.Client, model: str, system: str, user: str, temperature: float
) -> tuple[str, str]:
    """One /api/generate call asking for JSON: (the reply's text, the model that wrote it).
    Shared by the file analysis and the answers to questions."""
    body = {
        "model": model,
        "system": system,
        "prompt": user,
        "format": "json",
        "stream": False,
        "options": {
            "temperature": temperature,
            "num_ctx": context_tokens(len(system) + len(user)),
        },
    }
    try:
        response = http.post("/api/generate", json=body)
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
    return payload["response"], str(payload.get("model") or model)


def _error(response: httpx.Response) -> LlmUnavailableError:
    try:
        detail = str(response.json().get("error") or response.text)
    except (json.JSONDecodeError, AttributeError):
        detail = response.text
    detail = detail[:300]
    if response.status_code == 429:
        retry = response.headers.get("retry-after", "")
        return LlmQuotaError(
            f"ollama is rate limiting: {detail}", float(retry) if retry.isdigit() else None
        )
    if response.status_code >= 500:
        return LlmUnavailableError(f"ollama server error {response.status_code}: {detail}")
    # 404: the model is not pulled; 400: a request it will not take. Both repeat until the
    # settings change.
    return LlmUnavailableError(
        f"ollama refused the request ({response.status_code}): {detail}",
        open_breaker=response.status_code == 404,
    )
