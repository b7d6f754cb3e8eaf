"""Files as an older install left them: processed, with text, before a model change."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import update

from drive2.adapters.db.tables import FileRow
from drive2.bootstrap import Container
from drive2.domain.models import NewFile


def processed_files(container: Container, email: str, texts: list[str]) -> list[str]:
    """A user and one completed file per text (no vectors yet); their ids."""
    user = container.repo.get_user_by_email(email) or container.repo.create_user(
        email, "not-a-real-hash", 10**9
    )
    ids = []
    for text in texts:
        file_id = str(uuid.uuid4())
        data = text.encode()
        container.repo.add_file(
            NewFile(
                id=file_id,
                user_id=user.id,
                filename=f"{file_id[:8]}.txt",
                content_type="text/plain",
                size_bytes=len(data),
                checksum_sha256=hashlib.sha256(data).hexdigest(),
                storage_key=f"objects/{user.id}/{file_id}",
            )
        )
        with container.engine.begin() as conn:
            conn.execute(
                update(FileRow)
                .where(FileRow.id == file_id)
                .values(status="completed", progress=100, text_content=text)
            )
        ids.append(file_id)
    return ids
