"""Who writes the suggested filename, summary and tags."""

from __future__ import annotations

from typing import Protocol

from drive2.domain.models import AiMetadata


class AiProvider(Protocol):
    name: str

    def analyse(self, text: str, filename: str, metadata: dict[str, object]) -> AiMetadata: ...
