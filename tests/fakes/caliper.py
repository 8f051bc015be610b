"""In-memory fakes for the Caliper event services: an outbox with the SQL one's claim rules, a
unit of work that applies writes on commit, and a TimeBack Caliper endpoint with scripted faults
that counts how many times each event was stored."""

from __future__ import annotations

import builtins
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from domain.errors import UpstreamRateLimited, UpstreamUnavailable
from domain.models.caliper_events import OPEN_STATES, DeliveryState, OutboxEvent
from domain.ports.caliper import (
    CaliperJob,
    CaliperRefusal,
    CaliperSink,
    Envelope,
    JobState,
    StoredEvent,
)
from domain.ports.caliper_lookup import CaliperLookup
from domain.ports.caliper_outbox import EventOutbox, EventQuery
from domain.roster.entities import EntityKind, RosterRecord

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class OutboxDb:
    rows: dict[str, OutboxEvent] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)
    #: roster people that exist
    people: set[str] = field(default_factory=set)


class InMemoryOutbox(EventOutbox):
    def __init__(self, rows: dict[str, OutboxEvent], tokens: dict[str, str | None]) -> None:
        self.rows, self.tokens = rows, tokens

    async def add(self, event: OutboxEvent) -> OutboxEvent | None:
        if event.id in self.rows:
            return self.rows[event.id]
        self.rows[event.id] = event
        return None

    async def get(self, event_id: str) -> OutboxEvent | None:
        return self.rows.get(event_id)

    async def get_many(self, event_ids: Sequence[str]) -> Sequence[OutboxEvent]:
        return [self.rows[i] for i in event_ids if i in self.rows]

    async def list(self, query: EventQuery) -> tuple[Sequence[OutboxEvent], int]:
        found = [
            e
            for e in self.rows.values()
            if (query.actor is None or query.actor in (e.actor_id, e.person_sourced_id))
            and (query.types is None or e.type in query.types)
            and (query.actions is None or e.action in query.actions)
            and (query.states is None or e.state in query.states)
        ]
        found.sort(key=lambda e: (e.event_time, e.id))
        end = None if query.limit is None else query.offset + query.limit
        return found[query.offset : end], len(found)

    def _due(self, e: OutboxEvent, now: datetime) -> bool:
        return e.state in OPEN_STATES and (e.next_attempt_at is None or e.next_attempt_at <= now)

    async def has_due(self, now: datetime) -> bool:
        return any(self._due(e, now) for e in self.rows.values())

    async def claim(
        self, *, token: str, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[OutboxEvent]:
        due = sorted(
            (e for e in self.rows.values() if self._due(e, now)),
            key=lambda e: (e.next_attempt_at or now, e.accepted_at),
        )[:limit]
        for e in due:
            self.rows[e.id] = replace(e, next_attempt_at=lease_until)
            self.tokens[e.id] = token
        return [self.rows[e.id] for e in due]

    def _held(self, ids: Sequence[str], token: str | None) -> builtins.list[str]:
        if token is None:
            return [i for i in ids if i in self.rows and self.rows[i].state in OPEN_STATES]
        return [i for i in ids if self.tokens.get(i) == token]

    def _set(self, ids: Sequence[str], token: str | None, **changes: Any) -> int:
        held = self._held(ids, token)
        for i in held:
            self.rows[i] = replace(self.rows[i], **changes)
        return len(held)

    async def mark_sent(self, event_ids: Sequence[str], *, token: str, now: datetime) -> int:
        return self._set(event_ids, token, state=DeliveryState.SENDING, sent_at=now, job_id=None)

    async def record_job(
        self, event_ids: Sequence[str], *, token: str, job_id: str, check_at: datetime
    ) -> int:
        return self._set(event_ids, token, job_id=job_id, next_attempt_at=check_at)

    async def delivered(
        self, allocated: Mapping[str, str], *, token: str | None, now: datetime
    ) -> int:
        done = 0
        for i, allocated_id in allocated.items():
            done += self._set(
                [i],
                token,
                state=DeliveryState.DELIVERED,
                allocated_id=allocated_id,
                delivered_at=now,
                next_attempt_at=None,
                last_error=None,
            )
            self.tokens[i] = None
        return done

    async def failed(self, reasons: Mapping[str, str], *, token: str, now: datetime) -> int:
        done = 0
        for i, reason in reasons.items():
            done += self._set(
                [i], token, state=DeliveryState.FAILED, failure_reason=reason, next_attempt_at=None
            )
            self.tokens[i] = None
        return done

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
        held = self._held(event_ids, token)
        for i in held:
            row = self.rows[i]
            self.rows[i] = replace(
                row,
                state=state,
                next_attempt_at=next_attempt_at,
                last_error=error,
                attempts=row.attempts + 1 if count_attempt else row.attempts,
                sent_at=None if forget_send else row.sent_at,
                job_id=None if forget_send else row.job_id,
            )
            self.tokens[i] = None
        return len(held)


class _People:
    def __init__(self, people: set[str]) -> None:
        self._people = people

    async def get(self, kind: EntityKind, sourced_id: str) -> RosterRecord | None:
        if kind is not EntityKind.USERS or sourced_id not in self._people:
            return None
        payload = {"sourcedId": sourced_id, "email": f"{sourced_id}@school.example"}
        return RosterRecord(
            kind=kind,
            sourced_id=sourced_id,
            status="active",
            date_last_modified=EPOCH,
            payload=payload,
        )


class FakeEventsUnitOfWork:
    """The outbox and a roster that knows which people exist; writes apply on commit."""

    def __init__(self, db: OutboxDb) -> None:
        self._db = db
        self.commits = 0

    async def __aenter__(self) -> Self:
        self._rows = dict(self._db.rows)
        self._tokens = dict(self._db.tokens)
        self.caliper_events = InMemoryOutbox(self._rows, self._tokens)
        self.roster = _People(self._db.people)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self._db.rows.clear()
        self._db.rows.update(self._rows)
        self._db.tokens.clear()
        self._db.tokens.update(self._tokens)
        self.commits += 1

    async def rollback(self) -> None:
        self._rows = dict(self._db.rows)
        self._tokens = dict(self._db.tokens)
        self.caliper_events = InMemoryOutbox(self._rows, self._tokens)


#: a scripted fault: raise before storing, or store and then lose the reply
LOST_REPLY = "lost-reply"
Fault = Exception | str


@dataclass
class FakeCaliper(CaliperSink, CaliperLookup):
    """TimeBack's Caliper endpoint: stores every event it is sent (as TimeBack does, twice when
    sent twice), answers with a job that completes after ``polls_to_complete`` status reads."""

    polls_to_complete: int = 0
    faults: list[Fault] = field(default_factory=list)
    #: event id -> why TimeBack refuses it (the whole envelope is refused, naming it)
    refuse: dict[str, str] = field(default_factory=dict)
    #: refuse without naming events
    refuse_silently: bool = False
    #: how many times each event id was stored
    stored_count: Counter[str] = field(default_factory=Counter)
    envelopes: list[Envelope] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    _jobs: dict[str, tuple[list[str], int]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _allocated: dict[str, str] = field(default_factory=dict)

    async def send(self, envelope: Envelope) -> str:
        fault = self.faults.pop(0) if self.faults else None
        if isinstance(fault, Exception):
            raise fault
        ids = [str(e["id"]) for e in envelope.data]
        named = {i: self.refuse[i] for i in ids if i in self.refuse}
        if named:
            if self.refuse_silently:
                raise CaliperRefusal("The envelope is invalid", upstream="caliper")
            raise CaliperRefusal("The envelope is invalid", upstream="caliper", reasons=named)
        self.envelopes.append(envelope)
        for i in ids:
            self.stored_count[i] += 1
            self._allocated[i] = str(next(self._ids))
        job_id = f"job-{len(self.envelopes)}"
        self._jobs[job_id] = (ids, 0)
        if fault == LOST_REPLY:
            raise UpstreamUnavailable("Caliper timed out", upstream="caliper")
        return job_id

    async def job(self, job_id: str) -> CaliperJob:
        ids, polls = self._jobs[job_id]
        self._jobs[job_id] = (ids, polls + 1)
        if polls < self.polls_to_complete:
            return CaliperJob(job_id=job_id, state=JobState.ACTIVE)
        stored = tuple(StoredEvent(self._allocated[i], i) for i in ids)
        return CaliperJob(job_id=job_id, state=JobState.COMPLETED, stored=stored)

    async def stored(self, external_id: str) -> StoredEvent | None:
        self.lookups.append(external_id)
        if self.stored_count[external_id]:
            return StoredEvent(self._allocated[external_id], external_id)
        return None


def rate_limited(retry_after: float) -> UpstreamRateLimited:
    return UpstreamRateLimited("Too many requests", upstream="caliper", retry_after=retry_after)
