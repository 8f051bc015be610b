"""A sync process killed mid-way (SIGKILL: no exception handler, no cleanup) on PostgreSQL: the
next run goes on from the checkpoint, and the run the dead process left "running" says it was
interrupted (issue 14)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from adapters.clock import SystemClock
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.sync_lock import make_sync_lock
from adapters.db.uow import SqlUnitOfWork
from adapters.timeback.oneroster import OneRosterClient
from adapters.timeback.roster_source import TimebackRosterSource
from domain.ports import UnitOfWork
from domain.roster.entities import EntityKind
from domain.roster.query import RosterQuery
from domain.roster.sync import SyncKind, SyncStatus
from domain.scope import Scope
from domain.services.roster_sync import RosterSyncService
from simulators.kit.transport import SimulatorTransport
from tests.conftest import pg_database
from tests.support import sync_process
from tests.support.timeback_client import sandbox_client

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def pg_url(pg_template: str) -> AsyncIterator[str]:
    with pg_database(template=pg_template) as url:
        yield url


async def test_a_killed_sync_process_is_resumed_from_its_checkpoint(pg_url: str) -> None:
    engine = make_engine(pg_url, pool_size=2)
    sessions = make_session_factory(engine)

    def new_uow() -> UnitOfWork:
        return SqlUnitOfWork(sessions)

    # the run is recorded here, done by the child process, as by a worker
    sim = sync_process.simulator()
    service = RosterSyncService(uow=new_uow, source=None, clock=SystemClock())  # type: ignore[arg-type]
    run = await service.start(SyncKind.FULL)
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.sync_process", pg_url, run.id, cwd=ROOT
    )
    try:
        for _ in range(1200):  # until a few pages of users are in
            async with new_uow() as uow:
                checkpoint = await uow.roster.checkpoint(EntityKind.USERS)
            if checkpoint is not None and checkpoint.next_offset >= 3 * sync_process.PAGE:
                break
            assert child.returncode is None, "the sync process ended before it could be killed"
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the sync process never got to the users")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        await asyncio.wait_for(child.wait(), timeout=30)

    async with new_uow() as uow:
        left = await uow.roster.checkpoint(EntityKind.USERS)
        killed = await uow.roster.get_run(run.id)
    assert left is not None
    assert killed is not None
    assert killed.status is SyncStatus.RUNNING

    # a new full run, in this process, on the same database (the lock died with the process)
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        source = TimebackRosterSource(
            OneRosterClient(http), page_size=sync_process.PAGE, concurrency=2
        )
        resumer = RosterSyncService(
            uow=new_uow, source=source, clock=SystemClock(), lock=make_sync_lock(engine)
        )
        again = await asyncio.wait_for(
            resumer.run((await resumer.start(SyncKind.FULL)).id), timeout=120
        )
    assert again.status is SyncStatus.SUCCEEDED, again.error
    assert again.waiting_for is None, "the dead process's lock was still held"
    user_reads = [e for e in sim.log.entries() if e.path.endswith("/users")]
    offsets = [int(dict(parse_qsl(e.query)).get("offset", 0)) for e in user_reads]
    assert min(offsets) == left.next_offset, "the new run read users from the start again"

    async with new_uow() as uow:
        dead = await uow.roster.get_run(run.id)
        users = sum(
            1 for e in sim.state.stored()["users"].all() if e.get("status") != "tobedeleted"
        )
        cached = (
            await uow.roster.query(
                RosterQuery(kind=EntityKind.USERS, scope=Scope(everything=True), limit=1)
            )
        )[1]
    assert dead is not None
    assert dead.status is SyncStatus.FAILED, "the killed run still shows as running"
    assert dead.error is not None
    assert "interrupted" in dead.error
    assert cached == users
    await engine.dispose()
