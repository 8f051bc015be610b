"""Periodic work whose schedule is kept in the database.

The reconciler looks at the ``periodic_tasks`` rows and enqueues a ``periodic`` job for each task that
is due. A job claims its task with a conditional update before doing anything, so a job delivered twice
runs the work once, and a lost job is simply enqueued again by the next reconcile.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from domain.models.system import PeriodicTask
from domain.ports import Clock, JobPayload, JobQueue, UnitOfWorkFactory

PERIODIC_JOB = "periodic"

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: str
    interval: timedelta
    work: Work


class Scheduler:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        jobs: JobQueue,
        clock: Clock,
        tasks: Sequence[TaskSpec],
    ) -> None:
        self._uow = uow
        self._jobs = jobs
        self._clock = clock
        self._tasks: Mapping[str, TaskSpec] = {t.name: t for t in tasks}

    async def register(self) -> None:
        """Make sure every known task has a row; new tasks are due at once."""
        now = self._clock.now()
        async with self._uow() as uow:
            for spec in self._tasks.values():
                await uow.periodic_tasks.ensure(
                    PeriodicTask(name=spec.name, interval=spec.interval, next_due_at=now)
                )
            await uow.commit()

    async def reconcile(self) -> list[str]:
        """Enqueue a job for every due task; returns the names enqueued."""
        async with self._uow() as uow:
            due = [
                t.name
                for t in await uow.periodic_tasks.due(self._clock.now())
                if t.name in self._tasks
            ]
        for name in due:
            await self._jobs.enqueue(
                PERIODIC_JOB, {"task": name}, dedupe_key=f"{PERIODIC_JOB}:{name}"
            )
        return due

    async def run(self, payload: JobPayload) -> None:
        """The ``periodic`` job handler: claim the task, do its work, record the outcome."""
        name = payload.get("task")
        spec = self._tasks.get(name) if isinstance(name, str) else None
        if spec is None:
            log.warning("unknown periodic task %r ignored", name)
            return
        now = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.periodic_tasks.claim(
                spec.name, now=now, next_due_at=now + spec.interval
            )
            await uow.commit()
        if not claimed:
            return  # another delivery of the same job already ran it
        try:
            outcome, error = await spec.work(), None
        except Exception as exc:  # the task's failure is recorded, never lost
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"
        async with self._uow() as uow:
            await uow.periodic_tasks.finish(
                spec.name, finished_at=self._clock.now(), outcome=outcome, error=error
            )
            await uow.commit()

    async def tasks(self) -> Sequence[PeriodicTask]:
        async with self._uow() as uow:
            return await uow.periodic_tasks.list()
