"""The local roster cache: OneRoster entities, sync bookkeeping and a change feed.

The policy's relation questions are answered by ``RosterRelations`` (decision D24), not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from domain.roster.entities import EntityKind, RosterRecord
from domain.roster.query import RosterQuery
from domain.roster.sync import (
    Change,
    EntityProgress,
    SyncCheckpoint,
    SyncRun,
    SyncStatus,
)


class RosterStore(Protocol):
    """Served by one unit of work's transaction; nothing here commits.

    Every write that changes the cache appends to the change feed in the same transaction.
    """

    # --- entities ---------------------------------------------------------------------------------

    async def upsert_many(self, kind: EntityKind, records: Iterable[RosterRecord]) -> int:
        """Insert or update records in batches; idempotent. A record whose status is
        ``tobedeleted`` is removed instead. Returns how many rows really changed (an identical
        record changes nothing and adds nothing to the change feed)."""
        ...

    async def delete_many(self, kind: EntityKind, sourced_ids: Iterable[str]) -> int:
        """Remove records (unknown ids are ignored); returns how many were there."""
        ...

    async def get(self, kind: EntityKind, sourced_id: str) -> RosterRecord | None: ...

    async def query(self, q: RosterQuery) -> tuple[Sequence[RosterRecord], int]:
        """A page (scope, relation, filter, search, sort with a stable sourcedId tiebreak, limit and
        offset) and the total matching count; ``q.fields`` trims each payload."""
        ...

    async def query_json(self, q: RosterQuery) -> tuple[Sequence[str], int]:
        """:meth:`query` with each payload as compact JSON text, for a response that splices the
        stored text instead of parsing and encoding every record."""
        ...

    # --- sync bookkeeping -------------------------------------------------------------------------

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

    async def get_run(self, run_id: str) -> SyncRun | None: ...

    async def list_runs(
        self, *, status: SyncStatus | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[Sequence[SyncRun], int]:
        """Newest first, and the total count."""
        ...

    # --- change feed ------------------------------------------------------------------------------

    async def changes_since(self, cursor: int, limit: int = 500) -> tuple[Sequence[Change], int]:
        """Changes after ``cursor`` in order, and the cursor to ask with next time (``cursor``
        itself when there is nothing new). Start with cursor 0."""
        ...
