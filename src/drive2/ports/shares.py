"""Where share links are kept (their token's hash, never the token)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from drive2.domain.shares import ShareLink


class ShareStore(Protocol):
    def add_share(self, share: ShareLink, token_hash: str) -> None: ...

    def get_share(self, share_id: str) -> ShareLink | None: ...

    def share_by_token_hash(self, token_hash: str) -> ShareLink | None: ...

    def shares_of_file(self, file_id: str) -> list[ShareLink]:
        """The file's links that are not revoked (expired ones too), newest first."""
        ...

    def count_open_shares(self, file_id: str, now: datetime) -> int:
        """Links of the file that still open it."""
        ...

    def revoke_share(self, share_id: str, when: datetime) -> bool:
        """False when it was revoked already (or is gone)."""
        ...

    def note_share_download(self, share_id: str, when: datetime) -> None: ...
