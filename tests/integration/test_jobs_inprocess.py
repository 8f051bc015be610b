"""The in-process job runner, alone and driving the scheduler over the real SQL unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.uow import SqlUnitOfWork
from adapters.jobs.inprocess import InProcessJobRunner
from domain.models.system import PeriodicTask
from domain.ports import JobHandler, JobPayload
from domain.services.scheduling import PERIODIC_JOB, Scheduler, TaskSpec

TIMEOUT = 5.0


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll ``check`` until it holds; fail after ``TIMEOUT`` seconds."""
    async with asyncio.timeout(TIMEOUT):
        while True:
            if await check():
                return
            await asyncio.sleep(0.01)


class Recorder:
    """A job handler that records its payloads; ``gate`` holds it until the test opens it."""

    def __init__(self, *, blocked: bool = False) -> None:
        self.payloads: list[JobPayload] = []
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        if not blocked:
            self.gate.set()

    async def __call__(self, payload: JobPayload) -> None:
        self.started.set()
        await self.gate.wait()
        self.payloads.append(payload)

    async def count(self, n: int) -> bool:
        return len(self.payloads) >= n


async def boom(payload: JobPayload) -> None:
    raise RuntimeError(f"boom {payload.get('n')}")


@pytest.fixture
async def runners() -> AsyncIterator[Callable[..., InProcessJobRunner]]:
    made: list[InProcessJobRunner] = []

    def make(
        handlers: dict[str, JobHandler], *, concurrency: int = 2, **kwargs: float
    ) -> InProcessJobRunner:
        kwargs.setdefault("reconcile_seconds", 60.0)
        runner = InProcessJobRunner(handlers, concurrency=concurrency, **kwargs)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        await runner.stop()


# -- the runner alone -------------------------------------------------------------------------


async def test_dedupe_key_skips_a_job_still_waiting(
    runners: Callable[..., InProcessJobRunner],
) -> None:
    first = Recorder(blocked=True)
    runner = runners({"rec": first}, concurrency=1)

    for n in range(3):  # not started: all three wait
        await runner.enqueue("rec", {"n": n}, dedupe_key="k")
    await runner.enqueue("rec", {"n": 10}, dedupe_key="other")
    await runner.enqueue("rec", {"n": 20})
    await runner.start()
    await first.started.wait()  # {"n": 0} has started, so "k" is free again
    await runner.enqueue("rec", {"n": 30}, dedupe_key="k")
    await runner.enqueue("rec", {"n": 31}, dedupe_key="k")  # ... until that one waits
    first.gate.set()

    await runner.enqueue("rec", {"n": 99})  # FIFO on one worker: everything before it has run
    await eventually(lambda: first.count(5))
    assert [p["n"] for p in first.payloads] == [0, 10, 20, 30, 99]


async def test_handlers_are_looked_up_when_the_job_runs(
    runners: Callable[..., InProcessJobRunner],
) -> None:
    handlers: dict[str, JobHandler] = {}
    runner = runners(handlers)
    await runner.start()
    late = Recorder()
    handlers["late"] = late  # the composition root fills the mapping after construction

    await runner.enqueue("late", {"x": "y"})

    await eventually(lambda: late.count(1))
    assert late.payloads == [{"x": "y"}]


async def test_failing_and_unknown_jobs_do_not_kill_the_workers(
    runners: Callable[..., InProcessJobRunner],
) -> None:
    ok = Recorder()
    runner = runners({"boom": boom, "ok": ok}, concurrency=1)
    await runner.start()

    with structlog.testing.capture_logs() as logs:
        for n in range(3):
            await runner.enqueue("boom", {"n": n})
        await runner.enqueue("no-such-job", {})
        await runner.enqueue("ok", {"n": 99})
        await eventually(lambda: ok.count(1))

    assert ok.payloads == [{"n": 99}]
    failed = [e for e in logs if e["event"] == "job_failed"]
    assert [e["payload"]["n"] for e in failed] == [0, 1, 2]
    assert all(e["log_level"] == "error" and e["exc_info"] for e in failed)
    assert [e["job"] for e in logs if e["event"] == "job_unknown_dropped"] == ["no-such-job"]


async def test_reconciler_runs_at_start_and_then_every_period(
    runners: Callable[..., InProcessJobRunner],
) -> None:
    calls: list[float] = []
    loop = asyncio.get_running_loop()

    async def reconcile() -> None:
        calls.append(loop.time())
        if len(calls) == 2:
            raise RuntimeError("database away")  # logged; the ticker keeps going

    runner = runners({}, reconcile_seconds=0.02)
    runner.set_reconciler(reconcile)
    await runner.start()
    assert calls == []  # the ticker is a task: start() does not wait for it
    await asyncio.sleep(0)
    assert len(calls) == 1  # its first reconcile comes at once, not after a period

    await eventually(lambda: _at_least(calls, 4))
    await runner.stop()
    stopped_at = len(calls)
    await asyncio.sleep(0.1)
    assert len(calls) == stopped_at


async def _at_least(items: list[float], n: int) -> bool:
    return len(items) >= n


async def test_stop_is_idempotent_and_safe_before_start(
    runners: Callable[..., InProcessJobRunner],
) -> None:
    runner = runners({})
    await runner.stop()
    await runner.start()
    await runner.start()  # no second set of workers
    await runner.stop()
    await runner.stop()
    assert not runner.started


async def test_stop_finishes_running_jobs_and_drops_waiting_ones(
    runners: Callable[..., InProcessJobRunner],
) -> None:
    slow = Recorder(blocked=True)
    runner = runners({"slow": slow}, concurrency=1)
    await runner.start()
    await runner.enqueue("slow", {"n": 1})
    await slow.started.wait()
    await runner.enqueue("slow", {"n": 2}, dedupe_key="w")  # waits behind the first

    stopping = asyncio.create_task(runner.stop())
    await asyncio.sleep(0.02)
    assert not stopping.done()  # waiting for the running job
    slow.gate.set()
    await stopping

    assert slow.payloads == [{"n": 1}]
    await runner.start()  # a restart starts clean: the dropped job and its key are gone
    await runner.enqueue("slow", {"n": 3}, dedupe_key="w")
    await eventually(lambda: slow.count(2))
    assert slow.payloads == [{"n": 1}, {"n": 3}]


async def test_stop_cancels_a_job_that_outlives_the_shutdown_timeout(
    runners: Callable[..., InProcessJobRunner],
) -> None:
    cancelled = asyncio.Event()
    started = asyncio.Event()

    async def hang(payload: JobPayload) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    runner = runners({"hang": hang}, shutdown_timeout=0.05)
    await runner.start()
    await runner.enqueue("hang", {})
    await started.wait()

    await runner.stop()

    assert cancelled.is_set()
    assert not runner.started


async def test_run_worker_runs_jobs_until_stopped(
    runners: Callable[..., InProcessJobRunner],
) -> None:
    rec = Recorder()
    runner = runners({"rec": rec})
    worker = asyncio.create_task(runner.run_worker(install_signal_handlers=False))
    await runner.enqueue("rec", {"n": 1})
    await eventually(lambda: rec.count(1))

    await runner.stop()
    await asyncio.wait_for(worker, TIMEOUT)  # returns normally, not cancelled

    assert not runner.started


async def test_cancelling_run_worker_stops_what_it_started(
    runners: Callable[..., InProcessJobRunner],
) -> None:
    runner = runners({})
    worker = asyncio.create_task(runner.run_worker(install_signal_handlers=False))
    await eventually(lambda: _true(runner.started))

    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker
    assert not runner.started


async def _true(value: bool) -> bool:
    return value


# -- end to end with the scheduler on SQLite and PostgreSQL ----------------------------------------


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[SessionFactory]:
    engine: AsyncEngine = make_engine(db_url, pool_size=5)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


class Work:
    def __init__(self, error: Exception | None = None) -> None:
        self.calls = 0
        self.error = error

    async def __call__(self) -> str:
        self.calls += 1
        await asyncio.sleep(0.01)  # a concurrent delivery gets the chance to overlap
        if self.error is not None:
            raise self.error
        return f"ok after {self.calls} call(s)"


def make_scheduler(
    sessions: SessionFactory,
    runner: InProcessJobRunner,
    handlers: dict[str, JobHandler],
    **works: Work,
) -> Scheduler:
    scheduler = Scheduler(
        uow=lambda: SqlUnitOfWork(sessions),
        jobs=runner,
        clock=SystemClock(),
        tasks=[TaskSpec(name=n, interval=timedelta(hours=1), work=w) for n, w in works.items()],
    )
    handlers[PERIODIC_JOB] = scheduler.run
    runner.set_reconciler(scheduler.reconcile)
    return scheduler


async def row(sessions: SessionFactory, name: str) -> PeriodicTask:
    async with SqlUnitOfWork(sessions) as uow:
        task = await uow.periodic_tasks.get(name)
    assert task is not None
    return task


async def test_runner_drives_the_periodic_job_end_to_end(
    sessions: SessionFactory, runners: Callable[..., InProcessJobRunner]
) -> None:
    handlers: dict[str, JobHandler] = {}
    runner = runners(handlers, reconcile_seconds=0.02)
    probe = Work()
    scheduler = make_scheduler(sessions, runner, handlers, probe=probe)
    reconciles = 0

    async def counted_reconcile() -> list[str]:
        nonlocal reconciles
        reconciles += 1
        return await scheduler.reconcile()

    runner.set_reconciler(counted_reconcile)
    await scheduler.register()

    await runner.start()
    await eventually(lambda: _ran(sessions, "probe", 1))
    seen = reconciles
    await eventually(lambda: _true(reconciles >= seen + 3))  # several more ticks: not due again
    await runner.stop()

    task = await row(sessions, "probe")
    assert probe.calls == 1
    assert task.runs == 1
    assert task.last_outcome == "ok after 1 call(s)"
    assert task.last_error is None
    assert task.last_started_at is not None
    assert task.next_due_at == task.last_started_at + timedelta(hours=1)


async def _ran(sessions: SessionFactory, name: str, runs: int) -> bool:
    return (await row(sessions, name)).runs >= runs


async def test_duplicate_deliveries_run_the_work_once(
    sessions: SessionFactory, runners: Callable[..., InProcessJobRunner]
) -> None:
    handlers: dict[str, JobHandler] = {}
    runner = runners(handlers, concurrency=4)
    probe = Work()
    scheduler = make_scheduler(sessions, runner, handlers, probe=probe)
    runner.set_reconciler(_no_reconcile)
    await scheduler.register()
    for _ in range(4):  # no dedupe key: four deliveries of the same due task, run concurrently
        await runner.enqueue(PERIODIC_JOB, {"task": "probe"})

    await runner.start()
    await eventually(lambda: _ran(sessions, "probe", 1))
    await runner.stop()  # waits for every delivery to finish

    assert probe.calls == 1
    assert (await row(sessions, "probe")).runs == 1


async def _no_reconcile() -> None:
    return None


async def test_failing_work_is_recorded_and_the_worker_goes_on(
    sessions: SessionFactory, runners: Callable[..., InProcessJobRunner]
) -> None:
    handlers: dict[str, JobHandler] = {}
    runner = runners(handlers, concurrency=1, reconcile_seconds=0.02)
    flaky = Work(error=RuntimeError("upstream down"))
    steady = Work()
    scheduler = make_scheduler(sessions, runner, handlers, flaky=flaky, steady=steady)
    await scheduler.register()

    await runner.start()
    await eventually(lambda: _ran(sessions, "flaky", 1))
    await eventually(lambda: _ran(sessions, "steady", 1))
    await runner.stop()

    failed = await row(sessions, "flaky")
    assert failed.last_outcome == "failed"
    assert failed.last_error == "RuntimeError: upstream down"
    assert failed.last_started_at is not None
    assert failed.next_due_at == failed.last_started_at + timedelta(hours=1)
    assert (await row(sessions, "steady")).last_outcome == "ok after 1 call(s)"
    assert flaky.calls == 1  # not retried in a hot loop: next due in an hour
