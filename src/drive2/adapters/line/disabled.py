"""The notifier when no LINE channel token is set: nothing leaves the machine, nothing fails.

The outbox still records what would have been sent (as skipped), which is what the embedded
deployment shows instead of LINE messages.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager

from drive2.ports.notifier import IncomingContent, Message, RejectedNotifierError

log = logging.getLogger(__name__)


class DisabledNotifier:
    @property
    def enabled(self) -> bool:
        return False

    def push(self, to: str, messages: list[Message], retry_key: str) -> None:
        log.info("LINE is off: not sending %d message(s) to %s", len(messages), to)

    def reply(self, reply_token: str, messages: list[Message]) -> None:
        log.info("LINE is off: not replying")

    def open_content(
        self, message_id: str, wait_for_transcoding: bool = False
    ) -> AbstractContextManager[IncomingContent]:
        raise RejectedNotifierError("LINE is not configured", 503)

    def close(self) -> None:
        pass
