"""generate_ai_metadata: one completed file analysed again by the AI chain, and the result
saved — the suggested name, summary and tags — without running the rest of the pipeline.

For an operator who changed AI_PROVIDERS or a model and wants one file's summary redone (the
Beat job in ai_rerun.py does the same in bulk for fallback results).
"""

from __future__ import annotations

from typing import Protocol

from drive2.domain.errors import NotFoundError
from drive2.domain.models import AiMetadata, FileRecord, FileStatus
from drive2.ports.ai_provider import AiProvider


class AiRefreshRepository(Protocol):
    def get_file(self, file_id: str, user_id: str | None = None) -> FileRecord | None: ...

    def get_text(self, file_id: str) -> str: ...

    def update_ai(
        self, file_id: str, ai: AiMetadata, expected_provider: str | None = None
    ) -> bool: ...


def refresh_ai_metadata(
    repo: AiRefreshRepository, ai: AiProvider, file_id: str
) -> dict[str, object]:
    """Analyse the file's stored text again and save the result; what was done, as JSON."""
    record = repo.get_file(file_id)
    if record is None:
        raise NotFoundError(f"file {file_id} not found")
    if record.status != FileStatus.COMPLETED:
        return {"file_id": file_id, "saved": False, "reason": f"the file is {record.status.value}"}
    result = ai.analyse(repo.get_text(file_id), record.filename, dict(record.metadata))
    saved = repo.update_ai(file_id, result)  # False if it was reprocessed or deleted meanwhile
    return {"file_id": file_id, "saved": saved, "provider": result.provider, **result.as_dict()}
