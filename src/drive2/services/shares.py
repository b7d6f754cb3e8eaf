"""Share links: one file, opened by anyone holding the link, until it is revoked or expires.

The token is made here, shown once (in the answer that creates it) and kept only as a hash.
Opening a link answers 404 alike for an unknown, revoked or expired token and for a file in
the trash or gone, so a link says nothing once it stops working. Requests are counted per
token and per client address (in this process's memory, like the sign-in throttle).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from drive2.config import Settings
from drive2.domain.audit import AuditAction, AuditSource
from drive2.domain.errors import ConflictError, NotFoundError, TooManyAttemptsError
from drive2.domain.models import FileRecord, User
from drive2.domain.shares import (
    PREFIX_CHARS,
    ShareLink,
    new_token,
    plausible_token,
    token_hash,
)
from drive2.ports.repository import Repository
from drive2.ports.shares import ShareStore
from drive2.services.audit import Auditor
from drive2.services.login_throttle import SlidingWindowCounter

#: Links of one file that open it at the same time, at most.
MAX_OPEN_SHARES_PER_FILE = 50
MAX_EXPIRY_DAYS = 3650
SHARE_PATH = "/s/"


@dataclass(frozen=True)
class CreatedShare:
    share: ShareLink
    token: str

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + SHARE_PATH + self.token


@dataclass(frozen=True)
class SharedFile:
    share: ShareLink
    file: FileRecord
    owner: User


def _gone() -> NotFoundError:
    return NotFoundError("this link does not exist, was revoked or has expired")


class ShareService:
    def __init__(
        self,
        repo: Repository,
        store: ShareStore,
        audit: Auditor,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.repo = repo
        self.store = store
        self.audit = audit
        self.settings = settings
        self.clock = clock
        self._per_token = SlidingWindowCounter(settings.share_rate_window_seconds)
        self._per_address = SlidingWindowCounter(settings.share_rate_window_seconds)

    def base_url(self, request_base: str | None = None) -> str:
        """PUBLIC_URL when set (the address people outside reach), else the request's."""
        return (
            self.settings.public_url or request_base or f"http://localhost:{self.settings.api_port}"
        ).rstrip("/")

    # --- the owner ------------------------------------------------------------------------
    def _owned_file(self, user: User, file_id: str) -> FileRecord:
        record = self.repo.get_file(file_id, user_id=user.id)
        if record is None:
            raise NotFoundError("file not found")
        return record

    def create(
        self,
        user: User,
        file_id: str,
        expires_in_days: int | None,
        source: AuditSource = AuditSource.API,
    ) -> CreatedShare:
        record = self._owned_file(user, file_id)
        if record.trashed:
            raise ConflictError("the file is in the trash; restore it to share it")
        now = self.clock()
        if self.store.count_open_shares(record.id, now) >= MAX_OPEN_SHARES_PER_FILE:
            raise ConflictError(
                f"this file has {MAX_OPEN_SHARES_PER_FILE} working share links; revoke one first"
            )
        token = new_token()
        share = ShareLink(
            id=str(uuid.uuid4()),
            file_id=record.id,
            user_id=user.id,
            token_prefix=token[:PREFIX_CHARS],
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
            revoked_at=None,
        )
        self.store.add_share(share, token_hash(token))
        self.audit.record(
            user.id,
            AuditAction.SHARE_CREATED,
            [record],
            source,
            {"share_id": share.id, "expires_in_days": expires_in_days},
        )
        return CreatedShare(share, token)

    def list_shares(self, user: User, file_id: str) -> list[ShareLink]:
        return self.store.shares_of_file(self._owned_file(user, file_id).id)

    def revoke(self, user: User, share_id: str) -> None:
        share = self.store.get_share(share_id)
        # A revoked link is gone for its owner too (it is no longer listed).
        if share is None or share.user_id != user.id or share.revoked_at is not None:
            raise NotFoundError("share link not found")
        if self.store.revoke_share(share.id, self.clock()):
            record = self.repo.get_file(share.file_id, user_id=user.id)
            self.audit.record(
                user.id,
                AuditAction.SHARE_REVOKED,
                [record] if record else [],
                detail={"share_id": share.id},
            )

    # --- anyone holding the link ----------------------------------------------------------
    def _limit(self, counter: SlidingWindowCounter, key: str, limit: int) -> None:
        wait = counter.wait_seconds(key, limit)
        if wait > 0:
            raise TooManyAttemptsError(
                max(1, math.ceil(wait)), "too many requests for this link; try again later"
            )
        counter.add(key)

    def open(self, token: str, address: str | None, download: bool = False) -> SharedFile:
        """The shared file, counted against the address (and the token, for a download)."""
        self._limit(
            self._per_address, f"addr:{address or 'unknown'}", self.settings.share_requests_per_ip
        )
        if not plausible_token(token):
            raise _gone()
        share = self.store.share_by_token_hash(token_hash(token))
        if share is None or not share.active(self.clock()):
            raise _gone()
        record = self.repo.get_file(share.file_id, user_id=share.user_id)
        owner = self.repo.get_user(share.user_id)
        if record is None or record.trashed or owner is None:
            raise _gone()
        if download:
            self._limit(self._per_token, share.id, self.settings.share_downloads_per_token)
        return SharedFile(share, record, owner)

    def note_download(self, shared: SharedFile) -> None:
        """One download (not every range request a player makes): counted and audited."""
        self.store.note_share_download(shared.share.id, self.clock())
        self.audit.record(
            shared.share.user_id,
            AuditAction.SHARE_DOWNLOADED,
            [shared.file],
            AuditSource.SHARE_LINK,
            {"share_id": shared.share.id},
        )
