"""FileChangeWatcher: each state once, late commits inside the overlap still seen, bursts
larger than a batch read through, and a resumed stream not replaying what it had."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from drive2.domain.models import FileRecord, FileStatus
from drive2.services import file_events
from drive2.services.file_events import OVERLAP, FileChangeWatcher
from tests.support.media import file_record

T0 = dt.datetime(2026, 3, 14, 9, 0, tzinfo=dt.UTC)
USER = "user-1"


class FakeFiles:
    """The one query the watcher makes, over rows the test writes."""

    def __init__(self) -> None:
        self.rows: dict[str, FileRecord] = {}
        self.queries: list[dt.datetime] = []

    def put(self, file_id: str, at: float, user: str = USER, **changes: object) -> None:
        base = self.rows.get(file_id) or dataclasses.replace(file_record(), id=file_id)
        self.rows[file_id] = dataclasses.replace(
            base, user_id=user, updated_at=T0 + dt.timedelta(seconds=at), **changes
        )

    def files_changed_since(self, user_id: str, since: dt.datetime, limit: int) -> list[FileRecord]:
        self.queries.append(since)
        found = sorted(
            (r for r in self.rows.values() if r.user_id == user_id and r.updated_at > since),
            key=lambda r: (r.updated_at, r.id),
        )
        return found[:limit]


def ids(rows: list[FileRecord]) -> list[str]:
    return [r.id for r in rows]


def test_each_state_is_sent_once_and_only_the_users_own() -> None:
    repo = FakeFiles()
    watcher = FileChangeWatcher(repo, USER, T0)  # type: ignore[arg-type]
    repo.put("a", 1, status=FileStatus.PENDING, progress=0)
    repo.put("other", 1, user="user-2")
    assert ids(watcher.changes()) == ["a"]
    assert watcher.changes() == []  # read again inside the overlap, not sent again
    repo.put("a", 2, status=FileStatus.PROCESSING, progress=40)
    [moved] = watcher.changes()
    assert (moved.status, moved.progress) == (FileStatus.PROCESSING, 40)
    assert watcher.cursor == T0 + dt.timedelta(seconds=2)


def test_a_row_stamped_earlier_but_committed_later_is_still_seen() -> None:
    repo = FakeFiles()
    watcher = FileChangeWatcher(repo, USER, T0)  # type: ignore[arg-type]
    repo.put("fast", 3)
    assert ids(watcher.changes()) == ["fast"]
    # A slower transaction stamped at 1 s commits only now, behind the cursor at 3 s.
    repo.put("slow", 1)
    assert ids(watcher.changes()) == ["slow"]
    assert repo.queries[-1] == T0 + dt.timedelta(seconds=3) - OVERLAP


def test_a_burst_larger_than_a_batch_is_read_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_events, "BATCH", 3)
    repo = FakeFiles()
    watcher = FileChangeWatcher(repo, USER, T0)  # type: ignore[arg-type]
    for i in range(7):
        repo.put(f"f{i}", 1 + i * 0.001)
    seen: list[str] = []
    for _ in range(5):
        seen += ids(watcher.changes())
    # Each once, in order, and none again once the overlap reaches back over them.
    assert seen == [f"f{i}" for i in range(7)]


def test_a_resumed_stream_sends_only_what_is_newer() -> None:
    repo = FakeFiles()
    repo.put("sent-before", 1)
    resumed = FileChangeWatcher(repo, USER, T0 + dt.timedelta(seconds=1), resumed=True)  # type: ignore[arg-type]
    assert resumed.changes() == []
    assert resumed.changes() == []  # nor when the overlap reaches back over it
    repo.put("new", 2)
    assert ids(resumed.changes()) == ["new"]
    fresh = FileChangeWatcher(repo, USER, T0)  # type: ignore[arg-type]
    assert ids(fresh.changes()) == ["sent-before", "new"]


def test_the_memory_of_sent_states_stays_small() -> None:
    repo = FakeFiles()
    watcher = FileChangeWatcher(repo, USER, T0)  # type: ignore[arg-type]
    for i in range(50):
        repo.put(f"f{i}", i)  # one change a second for 50 s
        watcher.changes()
    assert len(watcher._sent) <= OVERLAP.total_seconds() + 1
