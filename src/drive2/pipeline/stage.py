"""The shape of a pipeline stage."""

from __future__ import annotations

from typing import Protocol

from drive2.pipeline.context import ProcessingContext


class StageSkipped(Exception):
    """Raised by a stage that cannot do its work for this file but need not fail it."""


class Stage(Protocol):
    name: str
    #: An optional stage that raises is recorded as skipped; the file still completes.
    optional: bool

    def applies(self, ctx: ProcessingContext) -> bool: ...

    def run(self, ctx: ProcessingContext) -> None: ...
