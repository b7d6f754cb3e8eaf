"""What the worker's main process does so that no file is left in `processing`.

- At every connection to the broker (start-up, and again after Redis comes back), files whose
  run is over without having said so — their process on this host is gone — are queued again.
  A killed worker main process, or tasks cancelled on connection loss, leave such rows.
- A hard time limit kills the child without a word to the database: the failure signal, which
  Celery sends in the main process for hard limits, fails the file with the reason.

Both use short-lived services, from the runtime of the app (runtime.py): the main process
forks children and must not keep connections they would inherit.
"""

from __future__ import annotations

import logging
from typing import Any

from billiard.exceptions import TimeLimitExceeded
from celery import bootsteps
from celery.signals import task_failure

from drive2.messaging.task_names import PROCESS_UPLOADED_FILE, REPROCESS_FILE
from drive2.worker.runtime import runtime_of

log = logging.getLogger(__name__)

PIPELINE_TASKS = frozenset({PROCESS_UPLOADED_FILE, REPROCESS_FILE})


class RecoverOrphans(bootsteps.StartStopStep):
    """A consumer step: Celery starts it each time the consumer (re)connects."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, parent: Any) -> None:
        try:
            with runtime_of(parent.app).short_lived() as c:
                c.sweeper.recover_orphans()
        except Exception:
            # The database may be down too; the hourly sweeper tries again.
            log.exception("could not look for files left by a lost worker")


@task_failure.connect
def _fail_on_hard_time_limit(
    sender: Any = None, exception: BaseException | None = None, args: Any = None, **_: Any
) -> None:
    if not isinstance(exception, TimeLimitExceeded):
        return
    if getattr(sender, "name", None) not in PIPELINE_TASKS or not args:
        return
    file_id = str(args[0])
    try:
        with runtime_of(sender.app).short_lived() as c:
            limit = c.settings.task_time_limit_seconds
            reason = (
                f"processing took longer than the hard time limit of {limit} s and was "
                "stopped; reprocess the file to try again"
            )
            c.failures.fail(file_id, None, reason)  # and LINE, as after any other failure
    except Exception:
        log.exception("could not record the time limit of file %s; the sweeper will", file_id)
