"""The services of one worker process, built on first use after the fork (engines and
connections must not cross it), from the factory the worker app was created with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from drive2.worker.services import ServicesFactory, WorkerServices


class WorkerRuntime:
    def __init__(self, factory: ServicesFactory) -> None:
        self._factory = factory
        self._services: WorkerServices | None = None

    def services(self) -> WorkerServices:
        """This process's services, built on the first call."""
        if self._services is None:
            self._services = self._factory()
        return self._services

    def after_fork(self) -> None:
        """In a new child process: drop what the parent built (its connections are not
        ours); the next call builds afresh."""
        if self._services is not None:
            self._services.close()
        self._services = None

    @contextmanager
    def short_lived(self) -> Iterator[WorkerServices]:
        """For the worker's main process, which must not keep connections its children
        inherit: built for one use and closed."""
        services = self._factory()
        try:
            yield services
        finally:
            services.close()


def runtime_of(app: Any) -> WorkerRuntime:
    """The runtime a worker app was created with (drive2.worker.app.create_worker_app)."""
    runtime = getattr(app, "drive2_runtime", None)
    if not isinstance(runtime, WorkerRuntime):
        raise LookupError("not a Drive2 worker app: make it with create_worker_app()")
    return runtime


def services_of(task: Any) -> WorkerServices:
    """The services of the process a task (or a signal's sender task) runs in."""
    return runtime_of(task.app).services()
