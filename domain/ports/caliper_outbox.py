"""Accepted Caliper events (the outbox) and the claims their delivery works through.

Delivery coordinates through the rows alone, as the time-log sync does: a worker *claims* a batch
with one conditional update that leases the rows (``next_attempt_at`` moves past the attempt) and
stamps them with its claim token; every later write of that attempt names the token, so a worker
that lost its lease (it stalled, or was presumed dead) changes nothing (decision D61).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.models.caliper_events import DeliveryState, OutboxEvent
from domain.scope import Scope


@dataclass(frozen=True, slots=True, kw_only=True)
class EventQuery:
    #: None: every event (admins); otherwise events whose actor is one of these people.
    scope: Scope | None = None
    #: the actor's IRI or roster sourcedId
    actor: str | None = None
    types: frozenset[str] | None = None
    actions: frozenset[str] | None = None
    #: events whose ``eventTime`` is at or after ``since`` and before ``until``
    since: datetime | None = None
    until: datetime | None = None
    states: frozenset[DeliveryState] | None = None
    limit: int | None = 100
    offset: int = 0


class EventOutbox(Protocol):
    async def add(self, event: OutboxEvent) -> OutboxEvent | None:
        """Store a newly accepted event; when its id is taken, store nothing and return the event
        stored under it (the caller compares fingerprints)."""
        ...

    async def get(self, event_id: str) -> OutboxEvent | None: ...

    async def get_many(self, event_ids: Sequence[str]) -> Sequence[OutboxEvent]: ...

    async def list(self, query: EventQuery) -> tuple[Sequence[OutboxEvent], int]:
        """Events matching ``query`` by event time, oldest first, and how many match in all."""
        ...

    async def has_due(self, now: datetime) -> bool:
        """Whether any open event's next attempt is due (or its lease has run out)."""
        ...

    async def claim(
        self, *, token: str, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[OutboxEvent]:
        """Take up to ``limit`` due open events for one attempt, oldest first: leased until
        ``lease_until`` and stamped with ``token``. Rows another worker holds are skipped."""
        ...

    async def mark_sent(self, event_ids: Sequence[str], *, token: str, now: datetime) -> int:
        """Record, before the envelope leaves, that these events may be upstream from now on."""
        ...

    async def record_job(
        self, event_ids: Sequence[str], *, token: str, job_id: str, check_at: datetime
    ) -> int:
        """TimeBack answered the send with an ingestion job: follow it from ``check_at``."""
        ...

    async def delivered(
        self, allocated: Mapping[str, str], *, token: str | None, now: datetime
    ) -> int:
        """These events (id -> TimeBack's allocated id) are stored upstream. ``token`` None: a
        lookup settled it, whoever holds the row."""
        ...

    async def failed(self, reasons: Mapping[str, str], *, token: str, now: datetime) -> int:
        """TimeBack refused these events for good (id -> its reason)."""
        ...

    async def retry(
        self,
        event_ids: Sequence[str],
        *,
        token: str,
        state: DeliveryState,
        next_attempt_at: datetime,
        error: str | None,
        count_attempt: bool,
        forget_send: bool,
        now: datetime,
    ) -> int:
        """Leave these events open in ``state`` until ``next_attempt_at``. ``forget_send``: they
        are known not to be upstream (a 429, a lookup that found nothing), so the send and the
        job are forgotten and a resend is safe."""
        ...
