"""The pipeline runner over the real SQLite repository and a local folder store."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from drive2.bootstrap import Container
from drive2.domain.errors import PermanentProcessingError, TransientProcessingError
from drive2.domain.models import FileStatus, NewFile, StageOutcome
from drive2.domain.object_keys import original_key
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.runner import PipelineRunner, RunOutcome
from drive2.pipeline.stage import Stage, StageSkipped
from drive2.process_identity import current_token


class Recorder:
    def __init__(self, name: str, optional: bool = False, error: Exception | None = None) -> None:
        self.name = name
        self.optional = optional
        self.error = error
        self.calls = 0
        self.progress_seen: list[int] = []

    def applies(self, ctx: ProcessingContext) -> bool:
        return True

    def run(self, ctx: ProcessingContext) -> None:
        self.calls += 1
        if self.error is not None:
            raise self.error
        ctx.text += f"[{self.name}]"


def _new_file(container: Container, tmp_path: Path, data: bytes = b"hello") -> str:
    user = container.auth.register(f"u{len(data)}-{tmp_path.name}@example.com", "password123")
    import uuid

    file_id = str(uuid.uuid4())
    key = original_key(user.id, file_id)
    source = tmp_path / "src"
    source.write_bytes(data)
    container.blobs.put_file(key, source)
    container.repo.add_file(
        NewFile(file_id, user.id, "a.txt", "text/plain", len(data), "0" * 64, key)
    )
    return file_id


def _runner(container: Container, stages: list[Stage]) -> PipelineRunner:
    return PipelineRunner(container.repo, container.blobs, stages, container.settings)


def test_runs_stages_in_order_and_completes(container: Container, tmp_path: Path) -> None:
    file_id = _new_file(container, tmp_path)
    stages = [Recorder("one"), Recorder("two")]
    assert _runner(container, list(stages)).run(file_id) is RunOutcome.COMPLETED
    record = container.repo.get_file(file_id)
    assert record is not None
    assert record.status is FileStatus.COMPLETED and record.progress == 100
    assert container.repo.get_text(file_id) == "[one][two]"
    assert [s.name for s in container.repo.stage_records(file_id)] == ["one", "two"]


def test_a_second_delivery_does_nothing(container: Container, tmp_path: Path) -> None:
    file_id = _new_file(container, tmp_path)
    stage = Recorder("only")
    runner = _runner(container, [stage])
    assert runner.run(file_id) is RunOutcome.COMPLETED
    assert runner.run(file_id) is RunOutcome.NOT_CLAIMED
    assert runner.run(file_id, redelivered=True) is RunOutcome.NOT_CLAIMED
    assert stage.calls == 1


def test_permanent_failure_fails_at_once(container: Container, tmp_path: Path) -> None:
    file_id = _new_file(container, tmp_path)
    after = Recorder("after")
    runner = _runner(container, [Recorder("bad", error=PermanentProcessingError("corrupt")), after])
    assert runner.run(file_id) is RunOutcome.FAILED
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.FAILED
    assert record.error == "corrupt"
    assert after.calls == 0
    [stage] = container.repo.stage_records(file_id)
    assert stage.outcome is StageOutcome.FAILED


def test_transient_failure_releases_the_file_for_a_retry(
    container: Container, tmp_path: Path
) -> None:
    file_id = _new_file(container, tmp_path)
    runner = _runner(container, [Recorder("flaky", error=TransientProcessingError("timeout"))])
    with pytest.raises(TransientProcessingError):
        runner.run(file_id)
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.PENDING
    assert record.attempts == 1 and "timeout" in (record.error or "")
    ok = _runner(container, [Recorder("fine")])
    assert ok.run(file_id) is RunOutcome.COMPLETED
    record = container.repo.get_file(file_id)
    assert record is not None and record.attempts == 2 and record.error is None


def test_optional_stage_failure_is_skipped_with_the_reason(
    container: Container, tmp_path: Path
) -> None:
    file_id = _new_file(container, tmp_path)
    stages: list[Stage] = [
        Recorder("thumbs", optional=True, error=RuntimeError("no decoder")),
        Recorder("extra", optional=True, error=StageSkipped("nothing to do")),
        Recorder("text"),
    ]
    assert _runner(container, stages).run(file_id) is RunOutcome.COMPLETED
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.COMPLETED
    assert record.metadata["skipped_stages"] == {
        "thumbs": "RuntimeError: no decoder",
        "extra": "nothing to do",
    }


def test_unexpected_crash_in_a_required_stage_is_a_clear_permanent_failure(
    container: Container, tmp_path: Path
) -> None:
    file_id = _new_file(container, tmp_path)
    runner = _runner(container, [Recorder("parse", error=ValueError("bad header"))])
    assert runner.run(file_id) is RunOutcome.FAILED
    record = container.repo.get_file(file_id)
    assert record is not None
    assert record.error == "parse could not read this file (ValueError: bad header)"


def test_a_stale_run_cannot_overwrite_a_newer_one(container: Container, tmp_path: Path) -> None:
    file_id = _new_file(container, tmp_path)

    class Overtaken(Recorder):
        def run(self, ctx: ProcessingContext) -> None:
            super().run(ctx)
            # While this run works, the file is taken over by a newer attempt.
            assert container.repo.claim(file_id, FileStatus.PROCESSING, ctx.attempt) is not None

    assert _runner(container, [Overtaken("slow"), Recorder("next")]).run(file_id) is (
        RunOutcome.SUPERSEDED
    )
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.PROCESSING
    assert record.attempts == 2


def test_missing_original_fails_permanently(container: Container, tmp_path: Path) -> None:
    file_id = _new_file(container, tmp_path)
    record = container.repo.get_file(file_id)
    assert record is not None
    container.blobs.delete(record.storage_key)
    assert _runner(container, [Recorder("x")]).run(file_id) is RunOutcome.FAILED
    failed = container.repo.get_file(file_id)
    assert failed is not None and failed.error == "the stored original is missing"


def test_passthrough_errors_reach_the_caller(container: Container, tmp_path: Path) -> None:
    class Deadline(Exception):
        pass

    file_id = _new_file(container, tmp_path)
    runner = PipelineRunner(
        container.repo,
        container.blobs,
        [Recorder("slow", optional=True, error=Deadline())],
        container.settings,
        passthrough=(Deadline,),
    )
    with pytest.raises(Deadline):
        runner.run(file_id)
    [stage] = container.repo.stage_records(file_id)
    assert stage.outcome is StageOutcome.FAILED and stage.detail == "time limit reached"


def test_processing_keeps_tags_the_user_chose(container: Container, tmp_path: Path) -> None:
    from drive2.adapters.ai.local import LocalAiProvider
    from drive2.pipeline.registry import default_stages
    from tests.unit.test_local_ai import packaged_embedder

    file_id = _new_file(container, tmp_path, b"Budget budget budget meeting notes for March.")
    runner = _runner(container, default_stages(LocalAiProvider(packaged_embedder())))
    assert runner.run(file_id) is RunOutcome.COMPLETED
    record = container.repo.get_file(file_id)
    assert record is not None and "budget" in record.tags
    container.repo.update_file(file_id, tags=["mine"])
    assert container.repo.mark_pending_for_reprocess(file_id)
    assert runner.run(file_id) is RunOutcome.COMPLETED
    again = container.repo.get_file(file_id)
    assert again is not None and again.tags == ["mine"]
    assert again.ai is not None and "budget" in again.ai.tags


def _dead_owner() -> str:
    """The token of a process that has exited on this host."""
    child = subprocess.Popen(["true"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:1"


def _leave_processing(container: Container, file_id: str, owner: str) -> None:
    """What a run killed mid-file leaves behind: the row claimed by a process now gone."""
    record = container.repo.get_file(file_id)
    assert record is not None
    assert container.repo.claim(file_id, record.status, record.attempts, owner) is not None


def test_a_run_lost_with_its_worker_is_taken_over(container: Container, tmp_path: Path) -> None:
    file_id = _new_file(container, tmp_path)
    _leave_processing(container, file_id, _dead_owner())
    stage = Recorder("only")
    assert _runner(container, [stage]).run(file_id) is RunOutcome.COMPLETED
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.COMPLETED
    assert record.attempts == 2 and record.deliveries == 0 and record.worker is None


def test_a_live_owner_keeps_its_file(container: Container, tmp_path: Path) -> None:
    file_id = _new_file(container, tmp_path)
    _leave_processing(container, file_id, current_token())  # this very process: alive
    stage = Recorder("only")
    assert _runner(container, [stage]).run(file_id) is RunOutcome.NOT_CLAIMED
    assert stage.calls == 0
    # A redelivery (Redis marks one after a lost worker) takes over even so.
    assert _runner(container, [stage]).run(file_id, redelivered=True) is RunOutcome.COMPLETED


def test_a_file_that_keeps_crashing_its_worker_is_failed_at_the_cap(
    container: Container, tmp_path: Path
) -> None:
    file_id = _new_file(container, tmp_path)
    cap = container.settings.max_worker_crashes
    for _ in range(cap):
        _leave_processing(container, file_id, _dead_owner())
    stage = Recorder("only")
    assert _runner(container, [stage]).run(file_id) is RunOutcome.FAILED
    assert stage.calls == 0
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.FAILED
    assert record.error is not None and f"crashed the worker {cap} times" in record.error
    # Reprocessing is the user's way to try once more: the count starts again.
    assert container.repo.mark_pending_for_reprocess(file_id)
    assert _runner(container, [stage]).run(file_id) is RunOutcome.COMPLETED


def test_a_clean_end_resets_the_crash_count(container: Container, tmp_path: Path) -> None:
    file_id = _new_file(container, tmp_path)
    _leave_processing(container, file_id, _dead_owner())
    runner = _runner(container, [Recorder("flaky", error=TransientProcessingError("later"))])
    with pytest.raises(TransientProcessingError):
        runner.run(file_id)
    record = container.repo.get_file(file_id)
    assert record is not None and record.status is FileStatus.PENDING
    assert record.deliveries == 0
