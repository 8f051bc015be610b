"""What people may ask of the roster sync: start a run, watch runs, follow the change feed."""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import NotFound
from domain.models.identity import Actor
from domain.policy import Action, Area, Policy
from domain.ports import JobQueue, UnitOfWorkFactory
from domain.roster.sync import Change, SyncKind, SyncRun
from domain.services.roster_sync import RosterSyncService

ROSTER_SYNC_JOB = "roster-sync"


class SyncAdminService:
    def __init__(
        self, *, uow: UnitOfWorkFactory, policy: Policy, jobs: JobQueue, sync: RosterSyncService
    ) -> None:
        self._uow = uow
        self._policy = policy
        self._jobs = jobs
        self._sync = sync

    async def request(self, *, actor: Actor, kind: SyncKind) -> SyncRun:
        """Record a pending run and enqueue the job that does it (admins only)."""
        await self._policy.require(actor, Action.WRITE, Area.OPERATIONS)
        run = await self._sync.start(kind)
        await self._jobs.enqueue(
            ROSTER_SYNC_JOB, {"run_id": run.id}, dedupe_key=f"{ROSTER_SYNC_JOB}:{run.id}"
        )
        return run

    async def runs(self, *, actor: Actor, limit: int, offset: int) -> tuple[Sequence[SyncRun], int]:
        await self._policy.require(actor, Action.READ, Area.OPERATIONS)
        async with self._uow() as uow:
            return await uow.roster.list_runs(limit=limit, offset=offset)

    async def run(self, *, actor: Actor, run_id: str) -> SyncRun:
        await self._policy.require(actor, Action.READ, Area.OPERATIONS)
        async with self._uow() as uow:
            run = await uow.roster.get_run(run_id)
        if run is None:
            raise NotFound(f"No sync run {run_id!r}.")
        return run

    async def changes(
        self, *, actor: Actor, cursor: int, limit: int
    ) -> tuple[Sequence[Change], int]:
        """Upserts and deletes in the order they reached the cache, after ``cursor``."""
        await self._policy.require(actor, Action.READ, Area.OPERATIONS)
        async with self._uow() as uow:
            return await uow.roster.changes_since(cursor, limit=limit)
