"""Keeping the local roster cache in step with TimeBack: full and incremental syncs.

A run reads each entity kind page by page and writes every page in its own transaction, together
with a checkpoint (the next offset) and the run's progress. A run that dies is resumed: the next run
of the same kind starts each entity from its checkpoint instead of from the beginning. Incremental
runs read only what changed since the entity's watermark (the newest ``dateLastModified`` seen);
``>=`` rather than ``>`` so nothing modified in the same instant is missed, and the store's
idempotent upsert makes the overlap free. ``tobedeleted`` objects are removed from the cache.

The watermark never moves past the moment the entity's listing began (less a margin for clock skew
between us and TimeBack): an object modified while the pages were being read may sit on a page
already passed, and the next incremental run must still see it.

Reading and writing overlap by one page: while page N is written, page N+1 is read and turned
into records. Pages are still written one at a time and in order, so a checkpoint never passes a
page that was not written.

A full run also reconciles: a cached record that the listing did not bring, and that was last
modified before the listing began, is asked for by id; what upstream no longer has is removed
(and fed as a delete), what the listing missed while pages moved under it is written. A full run
that resumed a kind from a checkpoint did not see that kind's first pages, so it leaves this to
the next full run.

Every kind's first page is asked for when the run starts, all at once, and then kinds are written
in reference order as before. An incremental run is mostly one short page per kind, so asking kind
after kind was mostly waiting for ten round trips in a row; only that first page is read ahead
(the source reads the rest when its kind's turn comes), so memory stays bounded.

One run at a time (decision D52): a run works only while it holds the sync lock, which the
database releases when the holding process dies. A run that finds it held records whom it waits
for and waits; once it holds the lock, it is done at once ("joined") if a run that finished while
it waited covered it (a full run covers both kinds, an incremental one another incremental), and
otherwise works, from the checkpoints where the other stopped. A run still marked running when
the lock is free belonged to a process that died: it is marked failed, and the checkpoints it left
are where the new run begins.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from domain.errors import DomainError
from domain.ports import Clock, UnitOfWorkFactory
from domain.ports.roster_source import RosterSource, SourcePage
from domain.ports.sync_lock import ProcessSyncLock, SyncLock
from domain.roster.entities import EntityKind
from domain.roster.sync import EntityProgress, SyncCheckpoint, SyncKind, SyncRun, SyncStatus

#: References before what refers to them, so a page never points at rows a later page brings.
SYNC_ORDER: tuple[EntityKind, ...] = (
    EntityKind.ORGS,
    EntityKind.ACADEMIC_SESSIONS,
    EntityKind.COURSES,
    EntityKind.CLASSES,
    EntityKind.USERS,
    EntityKind.ENROLLMENTS,
    EntityKind.DEMOGRAPHICS,
    # the lesson catalogue (D82): the same guarantees, after the roster it hangs from
    EntityKind.COURSE_COMPONENTS,
    EntityKind.RESOURCES,
    EntityKind.COMPONENT_RESOURCES,
)


#: How far our clock and TimeBack's may disagree.
CLOCK_SKEW = timedelta(minutes=5)


class RosterSyncService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        source: RosterSource,
        clock: Clock,
        entities: Sequence[EntityKind] = SYNC_ORDER,
        lock: SyncLock | None = None,
    ) -> None:
        self._uow = uow
        self._source = source
        self._clock = clock
        self._entities = tuple(entities)
        self._lock = lock or ProcessSyncLock()

    async def start(self, kind: SyncKind) -> SyncRun:
        """Record a new run as pending and return it (the job that does the work follows)."""
        run = SyncRun(
            id=uuid.uuid4().hex,
            kind=kind,
            status=SyncStatus.PENDING,
            started_at=self._clock.now(),
            entities=tuple(EntityProgress(entity=e) for e in self._entities),
        )
        async with self._uow() as uow:
            await uow.roster.add_run(run)
            await uow.commit()
        return run

    async def run(self, run_id: str) -> SyncRun:
        """Do (or resume) the run; every entity, in reference order. Returns the finished run."""
        async with self._uow() as uow:
            run = await uow.roster.get_run(run_id)
        if run is None:
            raise DomainError(f"No sync run {run_id}.")
        if run.status in {SyncStatus.SUCCEEDED, SyncStatus.CANCELLED}:
            return run  # a repeated job: nothing left to do

        waited = False

        async def wait() -> None:
            nonlocal waited
            waited = True
            async with self._uow() as uow:
                # the holder marks itself running a moment after it takes the lock: until then,
                # the newest other run not yet finished
                active = [
                    r
                    for status in (SyncStatus.RUNNING, SyncStatus.PENDING)
                    for r in (await uow.roster.list_runs(status=status, limit=20))[0]
                    if r.id != run_id and r.waiting_for is None
                ]
                other = active[0].id if active else None
                await uow.roster.mark_run(run_id, status=SyncStatus.PENDING, waiting_for=other)
                await uow.commit()

        async with self._lock.held(on_wait=wait):
            joined = await self._take_over(run_id, waited=waited)
            if joined is not None:
                return joined
            return await self._work(run)

    async def _take_over(self, run_id: str, *, waited: bool) -> SyncRun | None:
        """With the lock held: mark runs left running by a dead process failed, then this run
        running, or joined (and returned) when a run that held the lock while this one waited
        did what it asks."""
        async with self._uow() as uow:
            now = self._clock.now()
            running, _ = await uow.roster.list_runs(status=SyncStatus.RUNNING, limit=200)
            for dead in (r for r in running if r.id != run_id):
                await uow.roster.finish_run(
                    dead.id,
                    status=SyncStatus.FAILED,
                    finished_at=now,
                    error=f"interrupted: its process stopped; run {run_id} went on from the "
                    "checkpoints it left",
                )
            current = await uow.roster.get_run(run_id)
            if current is None:
                raise DomainError(f"No sync run {run_id}.")
            covering = None
            if waited:
                done, _ = await uow.roster.list_runs(status=SyncStatus.SUCCEEDED, limit=20)
                covering = next(
                    (
                        r
                        for r in done
                        if r.joined is None
                        and r.finished_at is not None
                        and r.finished_at >= current.started_at  # it ran while this one waited
                        and (r.kind is SyncKind.FULL or r.kind is current.kind)
                    ),
                    None,
                )
            if covering is not None:
                await uow.roster.mark_run(
                    run_id,
                    status=SyncStatus.PENDING,
                    waiting_for=current.waiting_for or covering.id,
                    joined=covering.id,
                )
                await uow.roster.finish_run(
                    run_id, status=SyncStatus.SUCCEEDED, finished_at=now, error=None
                )
                await uow.commit()
                return await uow.roster.get_run(run_id)
            await uow.roster.mark_run(
                run_id, status=SyncStatus.RUNNING, waiting_for=current.waiting_for
            )
            await uow.commit()
        return None

    async def _work(self, run: SyncRun) -> SyncRun:
        listings: list[_Listing] = []
        try:
            for entity in self._entities:
                listing = await self._open(run, entity)
                if listing is not None:
                    listings.append(listing)
            for listing in listings:
                await self._sync_entity(run, listing)
        except Exception as exc:
            await self._finish(run.id, SyncStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            await asyncio.gather(*(listing.close() for listing in listings))
        await self._finish(run.id, SyncStatus.SUCCEEDED, error=None)
        async with self._uow() as uow:
            finished = await uow.roster.get_run(run.id)
        return finished or run

    async def _open(self, run: SyncRun, entity: EntityKind) -> _Listing | None:
        """Start reading ``entity`` where its checkpoint says (its first page is asked for now),
        or None when an earlier attempt of this run finished it."""
        async with self._uow() as uow:
            checkpoint = await uow.roster.checkpoint(entity)
            since = await uow.roster.watermark(entity) if run.kind is SyncKind.INCREMENTAL else None
            current = await uow.roster.get_run(run.id)
        progress = next(
            (p for p in (current.entities if current else ()) if p.entity is entity),
            EntityProgress(entity=entity),
        )
        if progress.status is SyncStatus.SUCCEEDED:
            return None  # done before the previous attempt of this run died
        started = self._clock.now()
        offset = checkpoint.next_offset if checkpoint is not None else 0
        pages = self._source.pages(entity, since=since, offset=offset)
        listing = _Listing(entity, progress, started, pages, asyncio.create_task(_next(pages)))
        listing.reconciles = run.kind is SyncKind.FULL and offset == 0
        return listing

    async def _sync_entity(self, run: SyncRun, listing: _Listing) -> None:
        entity = listing.entity
        progress = replace(listing.progress, status=SyncStatus.RUNNING)
        newest: datetime | None = None
        writing: asyncio.Task[None] | None = None
        try:
            page = await listing.first
            while page is not None:
                newest = max(
                    [newest, *(r.date_last_modified for r in page.records)], default=None, key=_key
                )
                progress = _advance(progress, page)
                if listing.reconciles:
                    listing.seen.update(r.sourced_id for r in page.records)
                if writing is not None:
                    await writing
                writing = asyncio.create_task(self._write_page(run.id, entity, page, progress))
                page = await _next(listing.pages)
            if writing is not None:
                await writing
        finally:
            if writing is not None and not writing.done():
                # the read failed: the page being written still lands, with its checkpoint
                await asyncio.gather(writing, return_exceptions=True)
        if listing.reconciles:
            await self._reconcile(listing)
        async with self._uow() as uow:
            if newest is not None:
                mark = min(newest, listing.started - CLOCK_SKEW)
                previous = await uow.roster.watermark(entity)
                if previous is None or mark > previous:
                    await uow.roster.set_watermark(entity, mark)
            await uow.roster.clear_checkpoint(entity)
            await uow.roster.update_progress(run.id, replace(progress, status=SyncStatus.SUCCEEDED))
            await uow.commit()

    async def _reconcile(self, listing: _Listing) -> None:
        """After a whole listing: remove what upstream no longer has (see the module's docs)."""
        entity = listing.entity
        async with self._uow() as uow:
            cached = await uow.roster.ids_modified_before(entity, listing.started - CLOCK_SKEW)
        unlisted = cached - listing.seen
        listing.seen.clear()
        if not unlisted:
            return
        found = await self._source.present(entity, sorted(unlisted))
        gone = unlisted - {r.sourced_id for r in found}
        async with self._uow() as uow:
            if found:
                await uow.roster.upsert_many(entity, found)
            if gone:
                await uow.roster.delete_many(entity, sorted(gone))
            await uow.commit()

    async def _write_page(
        self, run_id: str, entity: EntityKind, page: SourcePage, progress: EntityProgress
    ) -> None:
        """A page's rows, its checkpoint (the next offset) and the run's progress, in one
        transaction."""
        async with self._uow() as uow:
            await uow.roster.upsert_many(entity, page.records)
            await uow.roster.save_checkpoint(
                SyncCheckpoint(
                    entity=entity,
                    run_id=run_id,
                    next_offset=page.offset + len(page.records),
                    updated_at=self._clock.now(),
                )
            )
            await uow.roster.update_progress(run_id, progress)
            await uow.commit()

    async def _finish(self, run_id: str, status: SyncStatus, *, error: str | None) -> None:
        async with self._uow() as uow:
            await uow.roster.finish_run(
                run_id, status=status, finished_at=self._clock.now(), error=error
            )
            await uow.commit()

    async def run_job(self, payload: Mapping[str, object]) -> None:
        """The ``roster-sync`` job: do the run named in the payload (a repeat finds it finished)."""
        run_id = payload.get("run_id")
        if isinstance(run_id, str):
            await self.run(run_id)

    async def incremental(self) -> str:
        """The periodic task: one incremental run, done here; returns a one-line summary."""
        run = await self.run((await self.start(SyncKind.INCREMENTAL)).id)
        rows = sum(p.rows for p in run.entities)
        return f"incremental sync {run.status.value}: {rows} rows"


def _advance(progress: EntityProgress, page: SourcePage) -> EntityProgress:
    pages_total = progress.pages_total
    if page.total is not None and page.page_size:
        pages_total = -(-page.total // page.page_size)
    return replace(
        progress,
        pages_done=progress.pages_done + 1,
        pages_total=pages_total,
        rows=progress.rows + len(page.records),
    )


def _key(value: datetime | None) -> float:
    return value.timestamp() if value is not None else float("-inf")


@dataclass(slots=True)
class _Listing:
    """One kind's read, opened at the start of a run."""

    entity: EntityKind
    progress: EntityProgress
    #: when the listing began: the watermark never moves past it (see the module's docs)
    started: datetime
    pages: AsyncIterator[SourcePage]
    first: asyncio.Task[SourcePage | None]
    #: a full listing from its start: it removes what upstream no longer has when it ends
    reconciles: bool = False
    #: the ids it brought, while it reconciles
    seen: set[str] = field(default_factory=set)

    async def close(self) -> None:
        """Stop a read that did not finish (a failed run): its request in flight is cancelled."""
        if not self.first.done():
            self.first.cancel()
        await asyncio.gather(self.first, return_exceptions=True)
        aclose = getattr(self.pages, "aclose", None)
        if aclose is not None:
            await aclose()


async def _next(pages: AsyncIterator[SourcePage]) -> SourcePage | None:
    return await anext(pages, None)
