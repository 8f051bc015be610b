"""A full roster sync in a process of its own, for tests that kill it: ``python -m
tests.support.sync_process <database URL> <run id>`` runs that (already started) run against an
in-process TimeBack simulator (``SEED``, ``USERS``, 25 a page, 50 ms a response) with the
database's sync lock, as a worker would."""

from __future__ import annotations

import asyncio
import sys

from adapters.clock import SystemClock
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.sync_lock import make_sync_lock
from adapters.db.uow import SqlUnitOfWork
from adapters.timeback.oneroster import OneRosterClient
from adapters.timeback.roster_source import TimebackRosterSource
from domain.ports import UnitOfWork
from domain.services.roster_sync import RosterSyncService
from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.support.timeback_client import sandbox_client

SEED = 7
USERS = 300
PAGE = 25


def simulator() -> TimebackSimulator:
    return TimebackSimulator(seed=SEED, users=USERS, classes=6)


async def sync(url: str, run_id: str, sim: TimebackSimulator) -> None:
    engine = make_engine(url, pool_size=3)
    sessions = make_session_factory(engine)

    def new_uow() -> UnitOfWork:
        return SqlUnitOfWork(sessions)

    try:
        async with sandbox_client(SimulatorTransport(sim.app)) as http:
            source = TimebackRosterSource(OneRosterClient(http), page_size=PAGE, concurrency=2)
            service = RosterSyncService(
                uow=new_uow, source=source, clock=SystemClock(), lock=make_sync_lock(engine)
            )
            await service.run(run_id)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    slow = simulator()
    slow.faults.add_latency(0.05)
    asyncio.run(sync(sys.argv[1], sys.argv[2], slow))
