"""The procrastinate job runner on PostgreSQL: deferring, dedupe, racing workers, lost jobs."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from procrastinate import PsycopgConnector
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.uow import SqlUnitOfWork
from adapters.jobs.procrastinate_runner import (
    RUN_JOB_TASK,
    ProcrastinateJobRunner,
    conninfo_from_url,
    reconcile_cron,
    with_search_path,
)
from domain.models.system import PeriodicTask
from domain.ports import JobHandler, JobPayload
from domain.services.scheduling import PERIODIC_JOB, Scheduler, TaskSpec

TIMEOUT = 8.0
WORKER_SCRIPT = Path(__file__).resolve().parents[1] / "fakes" / "jobs_worker_process.py"

F = TypeVar("F", bound=Callable[..., object])


def on_postgres(test: F) -> F:
    """Run ``test`` only with the PostgreSQL ``db_url`` (procrastinate has no SQLite backend)."""
    marked = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)(test)
    return pytest.mark.postgres(marked)  # type: ignore[no-any-return]


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll ``check`` until it holds; fail after ``TIMEOUT`` seconds."""
    async with asyncio.timeout(TIMEOUT):
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)


class Recorder:
    def __init__(self) -> None:
        self.payloads: list[JobPayload] = []

    async def __call__(self, payload: JobPayload) -> None:
        self.payloads.append(payload)

    async def count(self, n: int) -> bool:
        return len(self.payloads) >= n


class Work:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        await asyncio.sleep(0.05)  # long enough for a concurrent delivery to overlap
        return f"call {self.calls}"


# -- pure functions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+asyncpg://app:p%40ss%20word@db.example:6432/bff",
            {
                "host": "db.example",
                "port": "6432",
                "dbname": "bff",
                "user": "app",
                "password": "p@ss word",
            },
        ),
        (
            "postgresql+asyncpg://app@db/bff?ssl=require&prepared_statement_cache_size=0"
            "&application_name=bff-worker",
            {
                "host": "db",
                "dbname": "bff",
                "user": "app",
                "sslmode": "require",
                "application_name": "bff-worker",
            },
        ),
        (
            "postgresql+psycopg://app@db/bff?ssl=true",
            {"host": "db", "dbname": "bff", "user": "app", "sslmode": "require"},
        ),
        (
            "postgresql://db/bff?sslmode=verify-full",
            {"host": "db", "dbname": "bff", "sslmode": "verify-full"},
        ),
    ],
)
def test_conninfo_from_url(url: str, expected: dict[str, str]) -> None:
    assert conninfo_to_dict(conninfo_from_url(url)) == expected


def test_conninfo_from_url_refuses_sqlite() -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        conninfo_from_url("sqlite+aiosqlite:///var/bff.db")


def test_search_path_is_added_to_existing_options() -> None:
    plain = conninfo_to_dict(with_search_path("host=db dbname=bff"))
    assert plain["options"] == "-c search_path=procrastinate"
    merged = conninfo_to_dict(with_search_path("host=db options='-c statement_timeout=5000'"))
    assert merged["options"] == "-c statement_timeout=5000 -c search_path=procrastinate"


@pytest.mark.parametrize(
    ("seconds", "cron"),
    [
        (0.2, "* * * * * */1"),
        (15, "* * * * * */15"),
        (60, "*/1 * * * *"),
        (300, "*/5 * * * *"),
        (7200, "0 * * * *"),
    ],
)
def test_reconcile_cron(seconds: float, cron: str) -> None:
    assert reconcile_cron(seconds) == cron


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url, pool_size=5)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> SessionFactory:
    return make_session_factory(engine)


RunnerFactory = Callable[..., ProcrastinateJobRunner]


@pytest.fixture
async def runners(db_url: str) -> AsyncIterator[RunnerFactory]:
    made: list[ProcrastinateJobRunner] = []

    def make(
        handlers: dict[str, JobHandler], *, concurrency: int = 2, reconcile_seconds: float = 60
    ) -> ProcrastinateJobRunner:
        runner = ProcrastinateJobRunner(
            conninfo_from_url(db_url),
            handlers,
            concurrency=concurrency,
            reconcile_seconds=reconcile_seconds,
            shutdown_timeout=5,
        )
        made.append(runner)
        return runner

    yield make
    for runner in made:
        await runner.stop()


async def job_counts(engine: AsyncEngine) -> dict[str, int]:
    """Rows of ``bff.run_job`` in procrastinate's table, by status."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT status::text, count(*) FROM procrastinate.procrastinate_jobs"
                " WHERE task_name = :task GROUP BY status"
            ),
            {"task": RUN_JOB_TASK},
        )
        return {str(status): int(count) for status, count in rows}


def scheduler_for(
    sessions: SessionFactory,
    runner: ProcrastinateJobRunner,
    handlers: dict[str, JobHandler],
    *,
    interval: timedelta = timedelta(hours=1),
    **works: Work,
) -> Scheduler:
    scheduler = Scheduler(
        uow=lambda: SqlUnitOfWork(sessions),
        jobs=runner,
        clock=SystemClock(),
        tasks=[TaskSpec(name=n, interval=interval, work=w) for n, w in works.items()],
    )
    handlers[PERIODIC_JOB] = scheduler.run
    runner.set_reconciler(scheduler.reconcile)
    return scheduler


async def row(sessions: SessionFactory, name: str) -> PeriodicTask:
    async with SqlUnitOfWork(sessions) as uow:
        task = await uow.periodic_tasks.get(name)
    assert task is not None
    return task


# -- the runner -----------------------------------------------------------------------------------


@on_postgres
async def test_connections_use_the_procrastinate_schema(runners: RunnerFactory) -> None:
    runner = runners({})
    await runner.start()
    connector = runner.app.connector
    assert isinstance(connector, PsycopgConnector)
    async with connector.pool.connection() as conn:
        cursor = await conn.execute("SHOW search_path")
        assert await cursor.fetchone() == ("procrastinate",)


@on_postgres
async def test_enqueued_job_runs_in_a_worker(runners: RunnerFactory, engine: AsyncEngine) -> None:
    rec = Recorder()
    api = runners({})  # the API process only defers
    worker = runners({"rec": rec})
    await api.start()
    await api.enqueue("rec", {"n": 1, "s": "x", "f": 1.5, "b": True, "none": None})
    assert await job_counts(engine) == {"todo": 1}

    running = asyncio.create_task(worker.run_worker(install_signal_handlers=False))
    await eventually(lambda: rec.count(1))
    await worker.stop()
    await asyncio.wait_for(running, TIMEOUT)  # ends normally: stop() is not a cancellation

    assert rec.payloads == [{"n": 1, "s": "x", "f": 1.5, "b": True, "none": None}]
    assert await job_counts(engine) == {}  # successful jobs are deleted


@on_postgres
async def test_same_dedupe_key_while_waiting_yields_one_job(
    runners: RunnerFactory, engine: AsyncEngine
) -> None:
    rec = Recorder()
    runner = runners({"rec": rec})
    await runner.enqueue("rec", {"n": 1}, dedupe_key="k")  # enqueue opens the pool if needed
    await runner.enqueue("rec", {"n": 2}, dedupe_key="k")
    await runner.enqueue("rec", {"n": 3}, dedupe_key="other")
    assert await job_counts(engine) == {"todo": 2}

    await runner.run_worker(install_signal_handlers=False, drain=True)

    assert sorted(p["n"] for p in rec.payloads) == [1, 3]  # type: ignore[type-var]
    await runner.enqueue("rec", {"n": 4}, dedupe_key="k")  # the key is free once its job ran
    assert await job_counts(engine) == {"todo": 1}


@on_postgres
async def test_failing_and_unknown_jobs_do_not_stop_the_worker(
    runners: RunnerFactory, engine: AsyncEngine
) -> None:
    rec = Recorder()

    async def boom(payload: JobPayload) -> None:
        raise RuntimeError("boom")

    runner = runners({"boom": boom, "rec": rec}, concurrency=1)
    await runner.enqueue("boom", {})
    await runner.enqueue("no-such-job", {})
    await runner.enqueue("rec", {"n": 1})

    await runner.run_worker(install_signal_handlers=False, drain=True)

    assert rec.payloads == [{"n": 1}]
    assert await job_counts(engine) == {"failed": 1}  # kept for inspection; never retried


@on_postgres
async def test_stop_is_idempotent_and_safe_before_start(
    runners: RunnerFactory, engine: AsyncEngine
) -> None:
    runner = runners({})
    await runner.stop()
    await runner.start()
    await runner.start()
    await runner.stop()
    await runner.stop()

    await runner.enqueue("late", {})  # during shutdown: dropped, the pool is not reopened
    assert await job_counts(engine) == {}
    await runner.start()  # an explicit start opens it again
    await runner.enqueue("late", {})
    assert await job_counts(engine) == {"todo": 1}


@on_postgres
async def test_cancelling_run_worker_stops_it_gracefully(runners: RunnerFactory) -> None:
    runner = runners({})
    running = asyncio.create_task(runner.run_worker(install_signal_handlers=False))
    await asyncio.sleep(0.2)

    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    await runner.stop()


# -- with the scheduler ---------------------------------------------------------------------------


@on_postgres
async def test_racing_workers_run_a_due_task_once(
    runners: RunnerFactory, sessions: SessionFactory, engine: AsyncEngine
) -> None:
    handlers: dict[str, JobHandler] = {}
    first, second = runners(handlers), runners(handlers)  # two pools, as two processes would have
    probe = Work()
    scheduler = scheduler_for(sessions, first, handlers, probe=probe)
    await scheduler.register()
    for _ in range(4):  # four deliveries of the same due task, no dedupe key
        await first.enqueue(PERIODIC_JOB, {"task": "probe"})

    await asyncio.gather(
        first.run_worker(install_signal_handlers=False, drain=True),
        second.run_worker(install_signal_handlers=False, drain=True),
    )

    assert probe.calls == 1
    task = await row(sessions, "probe")
    assert task.runs == 1
    assert task.last_outcome == "call 1"
    assert await job_counts(engine) == {}


@on_postgres
async def test_worker_processes_race_on_one_due_task(
    db_url: str, runners: RunnerFactory, sessions: SessionFactory
) -> None:
    handlers: dict[str, JobHandler] = {}
    runner = runners(handlers)
    scheduler = scheduler_for(sessions, runner, handlers, shared=Work())
    await scheduler.register()
    for _ in range(3):
        await runner.enqueue(PERIODIC_JOB, {"task": "shared"})
    await runner.stop()

    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER_SCRIPT),
            db_url,
            "shared",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    async with asyncio.timeout(30):
        outputs = [await p.communicate() for p in procs]

    for proc, (out, _) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out.decode()
    task = await row(sessions, "shared")
    assert task.runs == 1
    assert task.last_outcome in {f"pid {p.pid}" for p in procs}


@pytest.mark.parametrize("fate", ["stuck-in-doing", "deleted"])
@on_postgres
async def test_job_of_a_dead_worker_is_done_after_reconcile(
    fate: str, runners: RunnerFactory, sessions: SessionFactory, engine: AsyncEngine
) -> None:
    handlers: dict[str, JobHandler] = {}
    runner = runners(handlers)
    probe = Work()
    scheduler = scheduler_for(sessions, runner, handlers, probe=probe)
    await scheduler.register()
    assert await scheduler.reconcile() == ["probe"]
    assert await job_counts(engine) == {"todo": 1}
    async with engine.begin() as conn:  # a worker took the job and died, or the queue lost it
        await conn.execute(text("SET LOCAL search_path TO procrastinate"))  # for its triggers
        sql = (
            "UPDATE procrastinate.procrastinate_jobs SET status = 'doing' WHERE task_name = :t"
            if fate == "stuck-in-doing"
            else "DELETE FROM procrastinate.procrastinate_jobs WHERE task_name = :t"
        )
        await conn.execute(text(sql), {"t": RUN_JOB_TASK})

    assert await scheduler.reconcile() == ["probe"]  # still due: the row is the truth
    await runner.run_worker(install_signal_handlers=False, drain=True)

    assert probe.calls == 1
    assert (await row(sessions, "probe")).runs == 1
    assert await scheduler.reconcile() == []


@on_postgres
async def test_worker_reconciles_periodically(
    runners: RunnerFactory, sessions: SessionFactory
) -> None:
    handlers: dict[str, JobHandler] = {}
    runner = runners(handlers, reconcile_seconds=1)
    probe = Work()
    scheduler = scheduler_for(
        sessions, runner, handlers, interval=timedelta(seconds=1), probe=probe
    )
    await scheduler.register()

    running = asyncio.create_task(runner.run_worker(install_signal_handlers=False))
    # The first run comes from the reconcile at start; the next ones need the periodic reconcile.
    await eventually(lambda: _runs_at_least(sessions, "probe", 2))
    await runner.stop()
    await asyncio.wait_for(running, TIMEOUT)

    task = await row(sessions, "probe")
    assert task.runs == probe.calls
    assert task.last_error is None


async def _runs_at_least(sessions: SessionFactory, name: str, runs: int) -> bool:
    return (await row(sessions, name)).runs >= runs
