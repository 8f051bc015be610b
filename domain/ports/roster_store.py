"""The local roster cache: OneRoster entities, sync bookkeeping and a change feed.

One port per job, and :class:`RosterStore`, all of them, which the unit of work hands out as
``uow.roster``. Everything is served by one unit of work's transaction and nothing here commits.
The policy's relation questions are answered by ``RosterRelations`` (decision D24), not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from domain.roster.entities import EntityKind, RosterRecord
from domain.roster.sync import (
    Change,
    EntityProgress,
    SyncCheckpoint,
    SyncRun,
    SyncStatus,
)

if TYPE_CHECKING:
    # Only named in annotations. At run time it would close a loop: domain.roster.query imports
    # domain.policy, whose import of domain.ports.roster_relations runs domain/ports/__init__.py,
    # which imports the unit of work and so this module.
    from domain.roster.query import RosterQuery


class RosterQueries(Protocol):
    """Reads of cached records, narrowed by the query's scope."""

    async def get(self, kind: EntityKind, sourced_id: str) -> RosterRecord | None:
        """One record by id, unscoped (for writes that must see what is cached)."""
        ...

    async def ids_modified_before(self, kind: EntityKind, moment: datetime) -> set[str]:
        """Ids of the cached records of ``kind`` last modified before ``moment`` (or never said):
        what a full listing that began after it must have seen, if upstream still has them."""
        ...

    async def query(self, q: RosterQuery) -> tuple[Sequence[RosterRecord], int]:
        """A page (scope, relation, filter, search, sort with a stable sourcedId tiebreak, limit and
        offset) and the total matching count; ``q.fields`` trims each payload."""
        ...


class RosterUpserts(Protocol):
    """Writes of records. Every one that changes the cache appends to the change feed in the same
    transaction."""

    async def upsert_many(self, kind: EntityKind, records: Iterable[RosterRecord]) -> int:
        """Insert or update records in batches; idempotent. A record whose status is
        ``tobedeleted`` is removed instead. Returns how many rows really changed (an identical
        record changes nothing and adds nothing to the change feed)."""
        ...

    async def delete_many(self, kind: EntityKind, sourced_ids: Iterable[str]) -> int:
        """Remove records (unknown ids are ignored); returns how many were there."""
        ...


class SyncBookkeeping(Protocol):
    """Where syncs stand: watermarks, checkpoints, runs and their progress."""

    async def watermark(self, entity: EntityKind) -> datetime | None:
        """The newest ``dateLastModified`` a sync has fully taken in for this kind."""
        ...

    async def set_watermark(self, entity: EntityKind, value: datetime) -> None: ...

    async def checkpoint(self, entity: EntityKind) -> SyncCheckpoint | None: ...

    async def save_checkpoint(self, checkpoint: SyncCheckpoint) -> None: ...

    async def clear_checkpoint(self, entity: EntityKind) -> None: ...

    async def add_run(self, run: SyncRun) -> None:
        """Record a new run with its entities' initial progress."""
        ...

    async def update_progress(self, run_id: str, progress: EntityProgress) -> None:
        """Replace one entity's progress in a run (added when absent)."""
        ...

    async def finish_run(
        self, run_id: str, *, status: SyncStatus, finished_at: datetime, error: str | None = None
    ) -> None: ...

    async def mark_run(
        self,
        run_id: str,
        *,
        status: SyncStatus,
        waiting_for: str | None = None,
        joined: str | None = None,
    ) -> None:
        """Set a run's status and whom it waited for or joined (one sync at a time, D52)."""
        ...

    async def get_run(self, run_id: str) -> SyncRun | None: ...

    async def list_runs(
        self, *, status: SyncStatus | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[Sequence[SyncRun], int]:
        """Newest first, and the total count."""
        ...


class RosterChangeFeed(Protocol):
    async def changes_since(self, cursor: int, limit: int = 500) -> tuple[Sequence[Change], int]:
        """Changes after ``cursor`` in order, and the cursor to ask with next time (``cursor``
        itself when there is nothing new). Start with cursor 0."""
        ...


class RosterStore(RosterQueries, RosterUpserts, SyncBookkeeping, RosterChangeFeed, Protocol):
    """The whole cache, as one unit of work hands it out (``uow.roster``)."""
