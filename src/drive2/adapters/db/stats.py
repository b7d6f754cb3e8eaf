"""Aggregates for /metrics, computed by the database at scrape time (cheap GROUP BYs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Engine, Table, case, func, select

from drive2.adapters.db.tables import FileRow, FileStageRow
from drive2.ports.metrics import StageBuckets, StatusCount

_files = cast(Table, FileRow.__table__)
_stages = cast(Table, FileStageRow.__table__)


class SqlStats:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def files_by_status(self) -> list[StatusCount]:
        query = select(
            _files.c.status, func.count(), func.coalesce(func.sum(_files.c.size_bytes), 0)
        ).group_by(_files.c.status)
        with self.engine.connect() as conn:
            return [StatusCount(str(s), int(n), int(b)) for s, n, b in conn.execute(query)]

    def stage_durations(self, bounds_seconds: Sequence[float]) -> list[StageBuckets]:
        ms = _stages.c.duration_ms
        buckets = [func.sum(case((ms <= bound * 1000, 1), else_=0)) for bound in bounds_seconds]
        query = select(
            _stages.c.stage,
            _stages.c.outcome,
            func.count(),
            func.coalesce(func.sum(ms), 0),
            *buckets,
        ).group_by(_stages.c.stage, _stages.c.outcome)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            StageBuckets(
                stage=str(row[0]),
                outcome=str(row[1]),
                count=int(row[2]),
                sum_seconds=float(row[3]) / 1000,
                cumulative=[int(v or 0) for v in row[4:]],
            )
            for row in rows
        ]
