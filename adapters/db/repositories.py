"""Repositories over one session each; they never commit (the unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.db.tables import PeriodicTaskRow, UpstreamCheckRow
from domain.models.system import PeriodicTask, UpstreamCheck
from domain.ports import PeriodicTaskRepository, UpstreamCheckRepository


def _task(row: PeriodicTaskRow) -> PeriodicTask:
    return PeriodicTask(
        name=row.name,
        interval=timedelta(seconds=row.interval_seconds),
        next_due_at=row.next_due_at,
        last_started_at=row.last_started_at,
        last_finished_at=row.last_finished_at,
        last_outcome=row.last_outcome,
        last_error=row.last_error,
        runs=row.runs,
    )


class SqlPeriodicTaskRepository(PeriodicTaskRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def ensure(self, task: PeriodicTask) -> None:
        row = await self._session.get(PeriodicTaskRow, task.name)
        if row is None:
            self._session.add(
                PeriodicTaskRow(
                    name=task.name,
                    interval_seconds=task.interval.total_seconds(),
                    next_due_at=task.next_due_at,
                )
            )
        elif row.interval_seconds != task.interval.total_seconds():
            row.interval_seconds = task.interval.total_seconds()
        await self._session.flush()

    async def get(self, name: str) -> PeriodicTask | None:
        row = await self._session.get(PeriodicTaskRow, name)
        return _task(row) if row else None

    async def list(self) -> Sequence[PeriodicTask]:
        rows = await self._session.exec(select(PeriodicTaskRow).order_by(col(PeriodicTaskRow.name)))
        return [_task(r) for r in rows]

    async def due(self, now: datetime) -> Sequence[PeriodicTask]:
        rows = await self._session.exec(
            select(PeriodicTaskRow).where(col(PeriodicTaskRow.next_due_at) <= now)
        )
        return [_task(r) for r in rows]

    async def claim(self, name: str, *, now: datetime, next_due_at: datetime) -> bool:
        # One conditional UPDATE: of two concurrent deliveries only one sees the row as still due.
        result = await self._session.exec(
            update(PeriodicTaskRow)
            .where(col(PeriodicTaskRow.name) == name, col(PeriodicTaskRow.next_due_at) <= now)
            .values(next_due_at=next_due_at, last_started_at=now)
        )
        return bool(result.rowcount)

    async def finish(
        self, name: str, *, finished_at: datetime, outcome: str, error: str | None
    ) -> None:
        await self._session.exec(
            update(PeriodicTaskRow)
            .where(col(PeriodicTaskRow.name) == name)
            .values(
                last_finished_at=finished_at,
                last_outcome=outcome[:500],
                last_error=error[:2000] if error else None,
                runs=PeriodicTaskRow.runs + 1,
            )
        )


def _check(row: UpstreamCheckRow) -> UpstreamCheck:
    return UpstreamCheck(
        upstream=row.upstream,
        ok=row.ok,
        latency_ms=row.latency_ms,
        detail=row.detail,
        checked_at=row.checked_at,
    )


class SqlUpstreamCheckRepository(UpstreamCheckRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, check: UpstreamCheck) -> None:
        self._session.add(
            UpstreamCheckRow(
                upstream=check.upstream,
                ok=check.ok,
                latency_ms=check.latency_ms,
                detail=check.detail[:500],
                checked_at=check.checked_at,
            )
        )
        await self._session.flush()

    async def latest(self) -> Sequence[UpstreamCheck]:
        newest = (
            select(UpstreamCheckRow.upstream, func.max(UpstreamCheckRow.id).label("id"))
            .group_by(col(UpstreamCheckRow.upstream))
            .subquery()
        )
        rows = await self._session.exec(
            select(UpstreamCheckRow)
            .join(newest, col(UpstreamCheckRow.id) == newest.c.id)
            .order_by(col(UpstreamCheckRow.upstream))
        )
        return [_check(r) for r in rows]
