"""Gemini through the official google-genai SDK: one generateContent call per file, asking
for JSON, with the shared prompt and answer checks.

Errors become the chain's vocabulary: 429 / RESOURCE_EXHAUSTED is LlmQuotaError (the chain
opens the breaker), 5xx, timeouts and refused connections are LlmUnavailableError, and an
answer that fails the checks is InvalidAnswerError.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import httpx2
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from drive2.adapters.ai.prompt import (
    InvalidAnswerError,
    LlmQuotaError,
    LlmUnavailableError,
    build_prompt,
    validate_answer,
)
from drive2.domain.models import AiMetadata

log = logging.getLogger(__name__)

_DURATION = re.compile(r"([0-9.]+)s")
# The SDK sends with httpx2 (pydantic's fork of httpx) when it is installed, else httpx.
_TIMEOUTS = (httpx.TimeoutException, httpx2.TimeoutException)
_TRANSPORT = (httpx.TransportError, httpx2.TransportError)


class GeminiProvider:
    name = "gemini"

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout_seconds: float = 60.0,
        max_input_chars: int = 24_000,
    ) -> None:
        self.model = model
        self.max_input_chars = max_input_chars
        self._client = genai.Client(
            api_key=api_key,
            vertexai=False,
            http_options=types.HttpOptions(
                base_url=base_url,
                # The Gemini API's documented REST path (/v1beta/models/{model}:generateContent),
                # whatever the SDK's default version.
                api_version="v1beta",
                timeout=max(int(timeout_seconds * 1000), 1),
                # No retries inside the SDK: the chain moves on and the breaker decides.
                retry_options=types.HttpRetryOptions(attempts=1),
            ),
        )

    def analyse(self, text: str, filename: str, metadata: dict[str, object]) -> AiMetadata:
        prompt = build_prompt(text, filename, metadata, self.max_input_chars)
        answer, model = generate_json(self._client, self.model, prompt.system, prompt.user, 0.2)
        checked = validate_answer(answer, filename)
        return checked.to_metadata(self.name, model)

    def close(self) -> None:
        self._client.close()


def generate_json(
    client: genai.Client, model: str, system: str, user: str, temperature: float
) -> tuple[str, str]:
    """One generateContent call asking for JSON: (the reply's text, the model version that
    wrote it). Shared by the file analysis and the answers to questions."""
    config = types.GenerateContentConfig(
        system_instruction=system, response_mime_type="application/json", temperature=temperature
    )
    try:
        response = client.models.generate_content(model=model, contents=user, config=config)
    except genai_errors.APIError as exc:
        raise _translate(exc) from exc
    except _TIMEOUTS as exc:
        raise LlmUnavailableError(f"gemini timed out: {exc!r}") from exc
    except _TRANSPORT as exc:
        raise LlmUnavailableError(f"gemini unreachable: {exc!r}") from exc
    return _text(response), response.model_version or model


def _text(response: types.GenerateContentResponse) -> str:
    candidates = response.candidates or []
    if not candidates:
        blocked = response.prompt_feedback.block_reason if response.prompt_feedback else None
        raise InvalidAnswerError(f"gemini gave no candidate (blocked: {blocked})")
    reason = candidates[0].finish_reason
    parts = candidates[0].content.parts if candidates[0].content else None
    texts = [p.text for p in parts or [] if p.text and not p.thought]
    if not texts:
        raise InvalidAnswerError(f"gemini answered without text (finish reason {reason})")
    return "".join(texts)


def _translate(exc: genai_errors.APIError) -> LlmUnavailableError:
    status = str(exc.status or "")
    if exc.code == 429 or status == "RESOURCE_EXHAUSTED":
        return LlmQuotaError(
            f"gemini quota exceeded: {exc.message or status}", _retry_after(exc.details)
        )
    if isinstance(exc, genai_errors.ServerError):
        return LlmUnavailableError(f"gemini server error {exc.code}: {exc.message}")
    # A bad key (400 "API key not valid", 401, 403) or model (404) fails every call alike
    # until someone changes the settings: let the breaker stop the traffic. Another 400 is
    # about this request only.
    return LlmUnavailableError(
        f"gemini refused the request ({exc.code} {status}): {exc.message}",
        open_breaker=exc.code in (401, 403, 404) or "API key" in str(exc.message or ""),
    )


def _retry_after(details: Any) -> float | None:
    """Google's RetryInfo detail ("retryDelay": "31s"), when the error carries one."""
    error = details.get("error", details) if isinstance(details, dict) else None
    items = error.get("details") if isinstance(error, dict) else None
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("retryDelay"), str):
            match = _DURATION.fullmatch(item["retryDelay"].strip())
            if match:
                return float(match.group(1))
    return None
