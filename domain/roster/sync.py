"""Bookkeeping of roster synchronisation: runs and their progress, checkpoints, watermarks, and the
change feed a front end follows to keep its own copy fresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.roster.entities import EntityKind


class SyncKind(StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"


class SyncStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityProgress:
    """How far a run has got with one kind: pages done of total (None until the total is known)."""

    entity: EntityKind
    status: SyncStatus = SyncStatus.PENDING
    pages_done: int = 0
    pages_total: int | None = None
    rows: int = 0
    errors: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncRun:
    id: str
    kind: SyncKind
    status: SyncStatus
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    entities: tuple[EntityProgress, ...] = ()
    #: the run this one waited for (another sync held the lock when it was to start)
    waiting_for: str | None = None
    #: the run whose work stood for this one's: it waited for it, and that run did what it asked
    joined: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncCheckpoint:
    """Where a run got to with a kind: the next offset to fetch. A resumed run starts there."""

    entity: EntityKind
    run_id: str
    next_offset: int
    updated_at: datetime


class ChangeOp(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One entry of the change feed; ``cursor`` increases strictly along the feed."""

    cursor: int
    kind: EntityKind
    sourced_id: str
    op: ChangeOp
    at: datetime
