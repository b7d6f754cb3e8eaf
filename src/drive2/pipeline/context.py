"""What the stages share while one file is processed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from drive2.config import Settings
from drive2.domain.models import AiMetadata, FileRecord


@dataclass
class ProcessingContext:
    file: FileRecord
    attempt: int
    path: Path  # a local copy of the original, owned by the runner
    workdir: Path  # scratch space, removed after the run
    settings: Settings
    content_type: str = "application/octet-stream"
    text: str = ""
    #: Text per page for paged documents (PDF); OCR fills the pages that have none.
    page_texts: list[str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    ai: AiMetadata | None = None
    thumbnail_key: str | None = None
    tags: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    #: The file's own date (pipeline/stages/document_date.py).
    document_date: date | None = None
    #: Short texts that say what the file is (the money it records), embedded before its
    #: text so a search by meaning finds them.
    descriptions: list[str] = field(default_factory=list)
