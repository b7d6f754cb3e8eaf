"""What changed in a user's files since a moment: the source of the live status stream.

The database is the one place every deployment shares (a worker on another machine writes
its progress there), so the stream watches it rather than a message bus. Each poll asks for
the rows whose `updated_at` moved past a cursor held a little in the past: a row stamped
just before a slower transaction committed still shows up, and what was already sent is
recognised and left out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from drive2.domain.models import FileRecord
from drive2.ports.repository import FileRepository

#: How far behind the newest change seen the next poll starts looking.
OVERLAP = timedelta(seconds=5)
#: Rows read in one poll at most; a larger burst is read over the next polls.
BATCH = 500


def _state(f: FileRecord) -> tuple[object, ...]:
    return (f.updated_at, f.status, f.progress, f.stage, f.filename, tuple(f.tags))


class FileChangeWatcher:
    """One per open stream: the changes of one user's files, each state sent once."""

    def __init__(
        self, repo: FileRepository, user_id: str, start: datetime, resumed: bool = False
    ) -> None:
        """`start`: changes after it are sent. `resumed`: a client that reconnects has had
        everything up to `start` already, even what the overlap would read again."""
        self.repo = repo
        self.user_id = user_id
        self.cursor = start
        self._floor = start
        self._delivered_through = start if resumed else None
        self._sent: dict[str, tuple[object, ...]] = {}

    def changes(self) -> list[FileRecord]:
        rows = self.repo.files_changed_since(self.user_id, self._floor, BATCH)
        fresh = []
        for row in rows:
            state = _state(row)
            old = self._delivered_through is not None and row.updated_at <= self._delivered_through
            if not old and self._sent.get(row.id) != state:
                self._sent[row.id] = state
                fresh.append(row)
            self.cursor = max(self.cursor, row.updated_at)
        if len(rows) >= BATCH:
            # A burst larger than a batch: move past it rather than read it again.
            self._floor = rows[-1].updated_at
        else:
            self._floor = self.cursor - OVERLAP
        # Forget only what no later poll can read again: polls never look further back
        # than the overlap behind the cursor.
        oldest = self.cursor - OVERLAP
        self._sent = {
            fid: state
            for fid, state in self._sent.items()
            if isinstance(state[0], datetime) and state[0] > oldest
        }
        return fresh
