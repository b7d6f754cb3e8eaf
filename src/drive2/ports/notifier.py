"""How Drive2 talks to a messaging platform (LINE): push, reply, and read what users sent.

Messages are LINE message objects as plain dicts (the Messaging API's JSON), built by
services/line_messages.py; an adapter only carries them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

Message = dict[str, Any]


class NotifierError(Exception):
    """A message could not be delivered."""


class RetryableNotifierError(NotifierError):
    """Rate limited (429), a server error (5xx) or no answer: trying later may work."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RejectedNotifierError(NotifierError):
    """The platform refused the request for good (a 4xx other than 429)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class AlreadyAcceptedError(NotifierError):
    """The platform already accepted a request with this retry key (LINE answers 409):
    the message went out before, so this one must count as sent."""


@dataclass(frozen=True)
class IncomingContent:
    """Bytes a user sent to the bot, read in chunks so a large video never sits in memory."""

    content_type: str | None
    length: int | None
    chunks: Iterator[bytes]


class Notifier(Protocol):
    @property
    def enabled(self) -> bool: ...

    def push(self, to: str, messages: list[Message], retry_key: str) -> None:
        """Send up to five messages to one user. Raises RetryableNotifierError,
        RejectedNotifierError or AlreadyAcceptedError."""
        ...

    def reply(self, reply_token: str, messages: list[Message]) -> None:
        """Answer a webhook event (reply tokens are single use and short lived)."""
        ...

    def open_content(
        self, message_id: str, wait_for_transcoding: bool = False
    ) -> AbstractContextManager[IncomingContent]:
        """The bytes of an image, video, audio or file message (video and audio wait until
        LINE has prepared them). Raises NotifierError."""
        ...

    def close(self) -> None: ...
