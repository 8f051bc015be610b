"""Stored time logs and the queries the log use cases and the sync need.

The sync coordinates through the rows alone: a push *claims* a log with one conditional update (a
lease in ``next_attempt_at``), and writes its outcome conditionally on the log's ``version`` so a user
edit made during a push is never overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.models.timesheets import ProjectRef, SyncState, TimeLog

#: States a push job has work to do in.
ACTIVE_STATES = frozenset({SyncState.PENDING, SyncState.FAILED_RETRYABLE, SyncState.DELETING})


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeLogQuery:
    #: None: every account's logs (admins); otherwise only these accounts'.
    account_ids: frozenset[str] | None = None
    #: Logs starting at or after ``since`` and before ``until``.
    since: datetime | None = None
    until: datetime | None = None
    states: frozenset[SyncState] | None = None
    limit: int | None = 100
    offset: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class LogOwner:
    account_id: str
    person_sourced_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PushOutcome:
    """What a push attempt leaves on the row.

    The upstream bookkeeping (where the copy is) is always written: it describes the upstream,
    whatever the user did meanwhile. ``state``, ``last_error``, ``attempts`` and
    ``next_attempt_at`` are written only if the log is still at ``version``; otherwise the row keeps
    the state the user's edit gave it and its lease is released so the next push runs at once.
    """

    version: int
    upstream_id: str | None
    synced_project: ProjectRef | None
    synced_version: int | None
    create_in_flight: bool
    state: SyncState
    last_error: str | None
    attempts: int
    next_attempt_at: datetime | None
    #: When the attempt ended: a stale outcome makes the log due again from then.
    now: datetime


class TimeLogRepository(Protocol):
    async def add(self, log: TimeLog) -> None:
        """Raises ``Conflict`` when the account already used ``log.idempotency_key``."""
        ...

    async def get(self, log_id: str) -> TimeLog | None: ...

    async def by_idempotency_key(self, account_id: str, key: str) -> TimeLog | None: ...

    async def save_edit(self, log: TimeLog, *, now: datetime) -> bool:
        """Write the user's fields of ``log`` and bump its version. The new state is decided in the
        database, against the row as it is now, not as the user read it: ``pending`` when the log
        is complete or has (or may have) an upstream copy to remove, else ``local``. An active
        lease or back-off is kept. False when the log is gone or being deleted."""
        ...

    async def delete_unsynced(self, log_id: str) -> bool:
        """Remove the log if it has no upstream copy and no create in flight."""
        ...

    async def mark_deleting(self, log_id: str, *, now: datetime) -> bool:
        """The log has an upstream copy: hand it to the sync to remove, then the row goes."""
        ...

    async def list(self, query: TimeLogQuery) -> tuple[Sequence[TimeLog], int]:
        """Logs matching ``query`` by start, oldest first, and how many match in all."""
        ...

    async def overlapping(
        self, account_id: str, *, start: datetime, end: datetime | None, exclude: str | None
    ) -> TimeLog | None:
        """A log of the account (not being deleted) whose span meets ``[start, end)``; a running
        log spans to infinity, and so does ``end=None``."""
        ...

    async def running(self, account_id: str) -> TimeLog | None: ...

    async def owners(self) -> Sequence[LogOwner]:
        """Every account that has logs, with its roster person, for narrowing lists."""
        ...

    async def due(self, now: datetime, *, limit: int) -> Sequence[str]:
        """Ids of logs in an active state whose next attempt is due (or unset)."""
        ...

    async def claim(self, log_id: str, *, now: datetime, lease_until: datetime) -> TimeLog | None:
        """Atomically take a due, active log for one push until ``lease_until``; None if it is
        not due, not active, or another worker holds it."""
        ...

    async def mark_create_in_flight(self, log_id: str, *, project: ProjectRef) -> bool:
        """Record, before the upstream create is sent, that a copy may appear in ``project``.
        False when the row is gone (deleted meanwhile): then nothing may be created."""
        ...

    async def record_push(self, log_id: str, outcome: PushOutcome) -> None: ...

    async def delete_if_version(self, log_id: str, version: int) -> bool:
        """Remove a deleted log once its upstream copy is gone, unless it changed meanwhile."""
        ...

    async def wake(self, integration_id: str, *, now: datetime) -> int:
        """Make this integration's waiting logs due now (after a reconnect); returns how many."""
        ...
