"""A stand-alone ``bff worker`` for the multi-process job tests.

Usage: ``python jobs_worker_process.py <sqlalchemy-url> <task-name>``. It wires the domain scheduler
(one periodic task, due hourly, whose work returns this process's pid) to a procrastinate runner,
reconciles once and drains the queue, then exits.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project root

from adapters.clock import SystemClock
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.uow import SqlUnitOfWork
from adapters.jobs.procrastinate_runner import (
    ProcrastinateJobRunner,
    conninfo_from_url,
)
from domain.ports import JobHandler
from domain.services.scheduling import PERIODIC_JOB, Scheduler, TaskSpec


async def main(url: str, task: str) -> None:
    engine = make_engine(url, pool_size=2)
    sessions = make_session_factory(engine)
    handlers: dict[str, JobHandler] = {}
    runner = ProcrastinateJobRunner(
        conninfo_from_url(url), handlers, concurrency=2, reconcile_seconds=60
    )

    async def work() -> str:
        await asyncio.sleep(0.05)
        return f"pid {os.getpid()}"

    scheduler = Scheduler(
        uow=lambda: SqlUnitOfWork(sessions),
        jobs=runner,
        clock=SystemClock(),
        tasks=[TaskSpec(name=task, interval=timedelta(hours=1), work=work)],
    )
    handlers[PERIODIC_JOB] = scheduler.run
    runner.set_reconciler(scheduler.reconcile)
    try:
        await runner.run_worker(install_signal_handlers=False, drain=True)
    finally:
        await runner.stop()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
