"""The domain scheduler against in-memory fakes: what is due, claims, lost and repeated jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self, cast

import pytest

from domain.models.system import PeriodicTask
from domain.ports import JobPayload, JobQueue, PeriodicTaskRepository, UnitOfWork
from domain.ports.jobs import JsonScalar
from domain.services.scheduling import PERIODIC_JOB, Scheduler, TaskSpec

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


# -- fakes ----------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass
class FakeDatabase:
    """Committed state; a unit of work sees it and writes to it only when it commits."""

    tasks: dict[str, PeriodicTask] = field(default_factory=dict)
    commits: int = 0


class FakePeriodicTasks(PeriodicTaskRepository):
    def __init__(self, db: FakeDatabase, pending: dict[str, PeriodicTask]) -> None:
        self._db = db
        self._pending = pending  # this transaction's writes

    def _current(self, name: str) -> PeriodicTask | None:
        return self._pending.get(name, self._db.tasks.get(name))

    async def ensure(self, task: PeriodicTask) -> None:
        row = self._current(task.name)
        if row is None:
            self._pending[task.name] = task
        elif row.interval != task.interval:
            self._pending[task.name] = replace(row, interval=task.interval)

    async def get(self, name: str) -> PeriodicTask | None:
        return self._current(name)

    async def list(self) -> Sequence[PeriodicTask]:
        names = sorted({*self._db.tasks, *self._pending})
        return [t for n in names if (t := self._current(n)) is not None]

    async def due(self, now: datetime) -> Sequence[PeriodicTask]:
        return [t for t in await self.list() if t.next_due_at <= now]

    async def claim(self, name: str, *, now: datetime, next_due_at: datetime) -> bool:
        # Like the SQL conditional UPDATE: decided on the newest committed row, not a stale read.
        row = self._current(name)
        if row is None or row.next_due_at > now:
            return False
        self._pending[name] = replace(row, next_due_at=next_due_at, last_started_at=now)
        return True

    async def finish(
        self, name: str, *, finished_at: datetime, outcome: str, error: str | None
    ) -> None:
        row = self._current(name)
        assert row is not None
        self._pending[name] = replace(
            row,
            last_finished_at=finished_at,
            last_outcome=outcome,
            last_error=error,
            runs=row.runs + 1,
        )


class FakeUnitOfWork:
    """Only the repository the scheduler uses; the other ones are not the scheduler's business."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self._pending: dict[str, PeriodicTask] = {}
        self.periodic_tasks: PeriodicTaskRepository = FakePeriodicTasks(db, self._pending)

    async def __aenter__(self) -> Self:
        self._pending.clear()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._pending.clear()  # anything not committed is rolled back

    async def commit(self) -> None:
        self._db.tasks.update(self._pending)
        self._pending.clear()
        self._db.commits += 1

    async def rollback(self) -> None:
        self._pending.clear()


@dataclass(frozen=True)
class QueuedJob:
    job: str
    payload: dict[str, JsonScalar]
    dedupe_key: str | None


class FakeJobQueue(JobQueue):
    """Honours the port's dedupe rule; tests decide when jobs are delivered, lost or repeated."""

    def __init__(self) -> None:
        self.waiting: list[QueuedJob] = []
        self.calls: list[QueuedJob] = []

    async def enqueue(
        self, job: str, payload: JobPayload, *, dedupe_key: str | None = None
    ) -> None:
        queued = QueuedJob(job, dict(payload), dedupe_key)
        self.calls.append(queued)
        if dedupe_key is not None and any(j.dedupe_key == dedupe_key for j in self.waiting):
            return
        self.waiting.append(queued)

    def take(self) -> list[QueuedJob]:
        taken, self.waiting = self.waiting, []
        return taken


class CountingWork:
    def __init__(self, outcome: str = "done", error: Exception | None = None) -> None:
        self.calls = 0
        self.outcome = outcome
        self.error = error

    async def __call__(self) -> str:
        self.calls += 1
        await asyncio.sleep(0)  # give a concurrent delivery the chance to interleave
        if self.error is not None:
            raise self.error
        return self.outcome


@dataclass
class World:
    db: FakeDatabase
    queue: FakeJobQueue
    clock: FakeClock
    scheduler: Scheduler
    work: dict[str, CountingWork]

    async def deliver(self) -> int:
        """Deliver every waiting job once to the scheduler's handler; returns how many."""
        jobs = self.queue.take()
        for job in jobs:
            assert job.job == PERIODIC_JOB
            await self.scheduler.run(job.payload)
        return len(jobs)

    def task(self, name: str) -> PeriodicTask:
        return self.db.tasks[name]


def make_world(**specs: tuple[timedelta, CountingWork]) -> World:
    db, queue, clock = FakeDatabase(), FakeJobQueue(), FakeClock()
    scheduler = Scheduler(
        uow=lambda: cast(UnitOfWork, FakeUnitOfWork(db)),
        jobs=queue,
        clock=clock,
        tasks=[TaskSpec(name=n, interval=i, work=w) for n, (i, w) in specs.items()],
    )
    return World(db, queue, clock, scheduler, {n: w for n, (_, w) in specs.items()})


@pytest.fixture
def world() -> World:
    return make_world(alpha=(HOUR, CountingWork("alpha ok")), beta=(2 * HOUR, CountingWork()))


# -- tests ----------------------------------------------------------------------------------------


async def test_register_creates_rows_due_at_once(world: World) -> None:
    await world.scheduler.register()

    assert {t.name for t in await world.scheduler.tasks()} == {"alpha", "beta"}
    assert world.task("alpha").next_due_at == T0
    assert world.task("alpha").interval == HOUR
    assert world.task("beta").interval == 2 * HOUR
    assert world.task("alpha").runs == 0


async def test_register_again_keeps_schedule_and_history(world: World) -> None:
    await world.scheduler.register()
    await world.scheduler.reconcile()
    await world.deliver()
    before = world.task("alpha")
    world.clock.advance(timedelta(minutes=5))

    await world.scheduler.register()

    assert world.task("alpha") == before


async def test_reconcile_enqueues_only_due_tasks_with_dedupe_keys(world: World) -> None:
    await world.scheduler.register()
    await world.scheduler.run({"task": "beta"})  # beta ran: not due for two hours
    world.db.tasks["retired"] = PeriodicTask(name="retired", interval=HOUR, next_due_at=T0)

    enqueued = await world.scheduler.reconcile()

    assert enqueued == ["alpha"]  # neither the task that just ran nor a row no code knows
    assert world.queue.waiting == [QueuedJob(PERIODIC_JOB, {"task": "alpha"}, "periodic:alpha")]


async def test_reconcile_before_delivery_queues_one_job(world: World) -> None:
    await world.scheduler.register()

    await world.scheduler.reconcile()
    await world.scheduler.reconcile()

    assert [c.dedupe_key for c in world.queue.calls] == ["periodic:alpha", "periodic:beta"] * 2
    assert len(world.queue.waiting) == 2
    assert await world.deliver() == 2
    assert world.work["alpha"].calls == 1
    assert world.work["beta"].calls == 1


async def test_nothing_is_due_until_the_interval_has_passed(world: World) -> None:
    await world.scheduler.register()
    await world.scheduler.reconcile()
    await world.deliver()

    world.clock.advance(HOUR - timedelta(seconds=1))
    assert await world.scheduler.reconcile() == []

    world.clock.advance(timedelta(seconds=1))
    assert await world.scheduler.reconcile() == ["alpha"]
    await world.deliver()
    assert world.task("alpha").runs == 2
    assert world.task("alpha").next_due_at == T0 + 2 * HOUR


async def test_job_delivered_twice_runs_the_work_once(world: World) -> None:
    await world.scheduler.register()

    await world.scheduler.run({"task": "alpha"})
    await world.scheduler.run({"task": "alpha"})  # a retry of the same job

    assert world.work["alpha"].calls == 1
    task = world.task("alpha")
    assert task.runs == 1
    assert task.last_started_at == T0
    assert task.next_due_at == T0 + HOUR
    assert task.last_outcome == "alpha ok"
    assert task.last_error is None


async def test_concurrent_deliveries_run_the_work_once(world: World) -> None:
    await world.scheduler.register()

    await asyncio.gather(*(world.scheduler.run({"task": "alpha"}) for _ in range(5)))

    assert world.work["alpha"].calls == 1
    assert world.task("alpha").runs == 1


async def test_lost_job_is_enqueued_again_by_the_next_reconcile(world: World) -> None:
    await world.scheduler.register()
    await world.scheduler.reconcile()
    lost = world.queue.take()  # the runner crashed: these jobs are never delivered
    assert {j.payload["task"] for j in lost} == {"alpha", "beta"}
    world.clock.advance(timedelta(seconds=15))

    assert sorted(await world.scheduler.reconcile()) == ["alpha", "beta"]
    await world.deliver()

    assert world.work["alpha"].calls == 1
    assert world.task("alpha").runs == 1
    assert world.task("alpha").next_due_at == T0 + timedelta(seconds=15) + HOUR


async def test_failing_work_is_recorded_and_rescheduled() -> None:
    world = make_world(flaky=(HOUR, CountingWork(error=RuntimeError("upstream down"))))
    await world.scheduler.register()
    await world.scheduler.reconcile()

    await world.deliver()  # the handler itself does not raise

    task = world.task("flaky")
    assert task.runs == 1
    assert task.last_outcome == "failed"
    assert task.last_error == "RuntimeError: upstream down"
    assert task.last_finished_at == T0
    assert task.next_due_at == T0 + HOUR
    assert await world.scheduler.reconcile() == []  # no hot retry loop

    world.clock.advance(HOUR)
    world.work["flaky"].error = None
    assert await world.scheduler.reconcile() == ["flaky"]
    await world.deliver()
    assert world.task("flaky").runs == 2
    assert world.task("flaky").last_outcome == "done"
    assert world.task("flaky").last_error is None


@pytest.mark.parametrize("payload", [{"task": "nope"}, {}, {"task": 3}])
async def test_unknown_task_payload_is_ignored(world: World, payload: JobPayload) -> None:
    await world.scheduler.register()
    commits = world.db.commits

    await world.scheduler.run(payload)

    assert world.db.commits == commits
    assert all(w.calls == 0 for w in world.work.values())
