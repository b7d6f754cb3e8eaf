"""Path ids: UUIDs, or no such thing for this user."""

from __future__ import annotations

import uuid

from drive2.domain.errors import NotFoundError


def file_id_or_404(file_id: str) -> str:
    try:
        return str(uuid.UUID(file_id))
    except ValueError:
        raise NotFoundError("file not found") from None


def share_id_or_404(share_id: str) -> str:
    try:
        return str(uuid.UUID(share_id))
    except ValueError:
        raise NotFoundError("share link not found") from None
