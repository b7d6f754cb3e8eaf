"""The one way a file is failed outside a pipeline run — by the sweeper, by a hard time limit,
by a task that gave up retrying — and the user told, once.

A pipeline run that fails its file is announced by the task after the run; every other path
goes through here, so none of them can forget LINE. The announcement is keyed per file and
run in the outbox, so a path that fails a file already failed sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from drive2.ports.repository import FileRepository

log = logging.getLogger(__name__)


class FileFailures:
    def __init__(self, repo: FileRepository, announce: Callable[[str], None]) -> None:
        self.repo = repo
        #: Tells the owner (NotificationService.notify_outcome); must not raise.
        self.announce = announce

    def fail(self, file_id: str, attempt: int | None, reason: str) -> bool:
        """Fail the file with `reason` and tell its owner; False when it was not failed (it
        finished or moved on meanwhile), and then nothing is sent."""
        if not self.repo.fail(file_id, attempt, reason):
            return False
        log.warning("file %s failed: %s", file_id, reason)
        self.announce(file_id)
        return True
