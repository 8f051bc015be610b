"""Operational state: readiness, upstream checks and periodic tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentStatus:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Readiness:
    components: tuple[ComponentStatus, ...]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.components)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamCheck:
    """One reachability probe of an upstream system, as the periodic job recorded it."""

    upstream: str
    ok: bool
    latency_ms: float
    detail: str
    checked_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodicTask:
    """A recurring piece of work whose schedule lives in the database, not in a job queue."""

    name: str
    interval: timedelta
    next_due_at: datetime
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_outcome: str | None = None
    last_error: str | None = None
    runs: int = 0
