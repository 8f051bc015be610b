"""Roster sync end to end: the TimeBack simulator, the real adapter, the real cache, both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest

from adapters.clock import SystemClock
from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.uow import SqlUnitOfWork
from adapters.timeback.oneroster import OneRosterClient
from adapters.timeback.roster_source import TimebackRosterSource
from domain.ports import UnitOfWork
from domain.ports.roster_source import RosterSource, SourcePage
from domain.roster.entities import EntityKind, RosterRecord
from domain.roster.query import RosterQuery
from domain.roster.sync import Change, SyncKind, SyncStatus
from domain.scope import Scope
from domain.services.roster_sync import SYNC_ORDER, RosterSyncService
from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.support.timeback_client import sandbox_client

ENTITIES = SYNC_ORDER
EVERYTHING = Scope(everything=True)
PAGE = 25


@dataclass
class World:
    sim: TimebackSimulator
    source: TimebackRosterSource
    sessions: SessionFactory

    def service(self, source: RosterSource | None = None) -> RosterSyncService:
        return RosterSyncService(
            uow=self.new_uow, source=source or self.source, clock=SystemClock(), entities=ENTITIES
        )

    def new_uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.sessions)


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    sim = TimebackSimulator(seed=7, users=120, classes=6)
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        source = TimebackRosterSource(OneRosterClient(http), page_size=PAGE, concurrency=3)
        yield World(sim=sim, source=source, sessions=sessions)
    await engine.dispose()


async def stored(uow: UnitOfWork, kind: EntityKind) -> int:
    """How many rows of a kind the cache holds."""
    return (await uow.roster.query(RosterQuery(kind=kind, scope=EVERYTHING, limit=1)))[1]


async def counts(world: World) -> dict[EntityKind, int]:
    async with world.new_uow() as uow:
        return {kind: await stored(uow, kind) for kind in ENTITIES}


#: where the simulator keeps a kind, when not under the kind's own name
SIM_COLLECTIONS = {
    EntityKind.COURSE_COMPONENTS: "courses/components",
    EntityKind.COMPONENT_RESOURCES: "courses/component-resources",
}


def upstream_counts(sim: TimebackSimulator) -> dict[EntityKind, int]:
    # the resources API's collection sits with the gradebook's (absent without demo data)
    stored = {**sim.state.stored(), **sim.state.gradebook}
    counts = {}
    for kind in ENTITIES:
        found = stored.get(SIM_COLLECTIONS.get(kind, kind.value))
        entities = found.all() if found is not None else []
        counts[kind] = sum(1 for e in entities if e.get("status") != "tobedeleted")
    return counts


async def test_full_sync_copies_every_entity(world: World) -> None:
    service = world.service()
    run = await service.run((await service.start(SyncKind.FULL)).id)
    assert run.status is SyncStatus.SUCCEEDED
    assert await counts(world) == upstream_counts(world.sim)
    users = next(p for p in run.entities if p.entity is EntityKind.USERS)
    assert users.status is SyncStatus.SUCCEEDED
    assert users.rows == upstream_counts(world.sim)[EntityKind.USERS]
    assert users.pages_done == users.pages_total


class DiesAfter(RosterSource):
    """The real source, cut off after ``pages`` pages of users: a worker killed mid-sync."""

    def __init__(self, inner: RosterSource, pages: int) -> None:
        self.inner = inner
        self.left = pages

    async def pages(
        self, kind: EntityKind, *, since: datetime | None, offset: int
    ) -> AsyncIterator[SourcePage]:
        async for page in self.inner.pages(kind, since=since, offset=offset):
            if kind is EntityKind.USERS:
                if self.left == 0:
                    raise ConnectionError("worker killed")
                self.left -= 1
            yield page

    async def present(self, kind: EntityKind, sourced_ids: Sequence[str]) -> Sequence[RosterRecord]:
        return await self.inner.present(kind, sourced_ids)


class Misses(RosterSource):
    """The real source, whose listing leaves out some ids (a record that moved to a page already
    read while the listing went on), though asking for them by id finds them."""

    def __init__(self, inner: RosterSource, missed: set[str]) -> None:
        self.inner = inner
        self.missed = missed

    async def pages(
        self, kind: EntityKind, *, since: datetime | None, offset: int
    ) -> AsyncIterator[SourcePage]:
        async for page in self.inner.pages(kind, since=since, offset=offset):
            kept = [r for r in page.records if r.sourced_id not in self.missed]
            yield replace(page, records=kept)

    async def present(self, kind: EntityKind, sourced_ids: Sequence[str]) -> Sequence[RosterRecord]:
        return await self.inner.present(kind, sourced_ids)


async def test_a_full_sync_removes_what_upstream_no_longer_lists(world: World) -> None:
    """An org and a user deleted upstream outright (no ``tobedeleted`` left behind) stayed cached
    after every later full sync; now the full sync removes them and feeds the deletes."""
    service = world.service()
    await service.run((await service.start(SyncKind.FULL)).id)
    stored_now = world.sim.state.stored()
    org = sorted(stored_now["orgs"].items)[-1]
    user = sorted(stored_now["users"].items)[0]
    del stored_now["orgs"].items[org]
    del stored_now["users"].items[user]
    _, cursor = await changes_after(world, 0)

    run = await service.run((await service.start(SyncKind.FULL)).id)

    assert run.status is SyncStatus.SUCCEEDED
    assert await counts(world) == upstream_counts(world.sim)
    async with world.new_uow() as uow:
        assert await uow.roster.get(EntityKind.ORGS, org) is None
        assert await uow.roster.get(EntityKind.USERS, user) is None
    deletes = {(c.kind, c.sourced_id) for c in (await changes_after(world, cursor))[0]}
    assert {(EntityKind.ORGS, org), (EntityKind.USERS, user)} <= deletes


async def test_a_full_sync_keeps_what_its_listing_missed(world: World) -> None:
    """A record the listing skipped is asked for by id before anything is removed."""
    await world.service().run((await world.service().start(SyncKind.FULL)).id)
    user = sorted(world.sim.state.stored()["users"].items)[3]
    _, cursor = await changes_after(world, 0)

    missing = world.service(Misses(world.source, {user}))
    run = await missing.run((await missing.start(SyncKind.FULL)).id)

    assert run.status is SyncStatus.SUCCEEDED
    async with world.new_uow() as uow:
        assert await uow.roster.get(EntityKind.USERS, user) is not None
    assert (await changes_after(world, cursor))[0] == []  # nothing removed, nothing changed


async def test_a_resumed_full_sync_removes_nothing(world: World) -> None:
    """A run resumed from a checkpoint did not see its first pages: it cannot tell gone from
    unseen, so it leaves reconciling to the next full run."""
    await world.service().run((await world.service().start(SyncKind.FULL)).id)
    service = world.service(DiesAfter(world.source, pages=2))
    run = await service.start(SyncKind.FULL)
    with pytest.raises(ConnectionError):
        await service.run(run.id)
    _, cursor = await changes_after(world, 0)
    resumed = await world.service().run(run.id)
    assert resumed.status is SyncStatus.SUCCEEDED
    assert (await changes_after(world, cursor))[0] == []


async def changes_after(world: World, cursor: int) -> tuple[list[Change], int]:
    async with world.new_uow() as uow:
        changes, last = await uow.roster.changes_since(cursor, limit=100_000)
    return list(changes), last


async def test_a_killed_sync_resumes_from_its_checkpoint(world: World) -> None:
    service = world.service(DiesAfter(world.source, pages=2))
    run = await service.start(SyncKind.FULL)
    with pytest.raises(ConnectionError):
        await service.run(run.id)
    async with world.new_uow() as uow:
        checkpoint = await uow.roster.checkpoint(EntityKind.USERS)
        failed = await uow.roster.get_run(run.id)
    assert checkpoint is not None
    assert checkpoint.next_offset == 2 * PAGE
    assert failed is not None
    assert failed.status is SyncStatus.FAILED

    world.sim.log.clear()
    resumed = await world.service().run(run.id)
    assert resumed.status is SyncStatus.SUCCEEDED
    user_reads = [e for e in world.sim.log.entries() if e.path.endswith("/users")]
    first_offsets = [int(dict(parse_qsl(e.query)).get("offset", 0)) for e in user_reads]
    assert min(first_offsets) == 2 * PAGE, "the resumed run read users from the start again"
    orgs_reads = [e for e in world.sim.log.entries() if e.path.endswith("/orgs")]
    assert orgs_reads == [], "entities finished before the kill were read again"
    assert await counts(world) == upstream_counts(world.sim)


async def test_incremental_sync_reads_only_changes_and_applies_deletes(world: World) -> None:
    service = world.service()
    await service.run((await service.start(SyncKind.FULL)).id)
    users = world.sim.state.stored()["users"]
    changed, gone = sorted(users.items)[:2]
    world.sim.clock.advance(3600)
    stamp = datetime.fromtimestamp(world.sim.clock.now(), UTC).isoformat().replace("+00:00", "Z")
    users.items[changed] = {
        **users.items[changed],
        "givenName": "Renamed",
        "dateLastModified": stamp,
    }
    users.items[gone] = {**users.items[gone], "status": "tobedeleted", "dateLastModified": stamp}

    world.sim.log.clear()
    run = await service.run((await service.start(SyncKind.INCREMENTAL)).id)
    assert run.status is SyncStatus.SUCCEEDED
    reads = [e for e in world.sim.log.entries() if e.path.endswith("/users")]
    assert reads
    assert all("dateLastModified>=" in dict(parse_qsl(e.query)).get("filter", "") for e in reads)
    async with world.new_uow() as uow:
        renamed = await uow.roster.get(EntityKind.USERS, changed)
        removed = await uow.roster.get(EntityKind.USERS, gone)
        changes, _ = await uow.roster.changes_since(0, limit=100_000)
    assert renamed is not None
    assert renamed.payload["givenName"] == "Renamed"
    assert removed is None
    assert any(c.sourced_id == gone and c.op.value == "delete" for c in changes)


class FailsOnUsersWrite(SqlUnitOfWork):
    """A unit of work whose roster refuses the ``fail_at``-th page of users (a full disk)."""

    def __init__(self, sessions: SessionFactory, counter: list[int], fail_at: int) -> None:
        super().__init__(sessions)
        self._counter = counter
        self._fail_at = fail_at

    async def __aenter__(self) -> FailsOnUsersWrite:
        await super().__aenter__()
        original = self.roster.upsert_many

        async def upsert_many(kind: EntityKind, records: Any) -> int:
            if kind is EntityKind.USERS:
                self._counter[0] += 1
                if self._counter[0] == self._fail_at:
                    raise RuntimeError("disk full")
            return await original(kind, records)

        setattr(self.roster, "upsert_many", upsert_many)  # noqa: B010 (patching one instance)
        return self


async def test_a_failed_page_write_stops_the_run_at_the_last_written_page(world: World) -> None:
    """Reading runs a page ahead of writing: a write that fails must still leave the checkpoint
    on the last page written, and nothing read after it in the cache."""
    counter = [0]
    service = RosterSyncService(
        uow=lambda: FailsOnUsersWrite(world.sessions, counter, fail_at=3),
        source=world.source,
        clock=SystemClock(),
        entities=ENTITIES,
    )
    run = await service.start(SyncKind.FULL)
    with pytest.raises(RuntimeError, match="disk full"):
        await service.run(run.id)
    async with world.new_uow() as uow:
        checkpoint = await uow.roster.checkpoint(EntityKind.USERS)
        users = await stored(uow, EntityKind.USERS)
        failed = await uow.roster.get_run(run.id)
    assert checkpoint is not None
    assert checkpoint.next_offset == 2 * PAGE
    assert users == 2 * PAGE
    assert failed is not None
    assert failed.status is SyncStatus.FAILED

    resumed = await world.service().run(run.id)
    assert resumed.status is SyncStatus.SUCCEEDED
    assert await counts(world) == upstream_counts(world.sim)
