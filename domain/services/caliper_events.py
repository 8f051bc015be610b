"""Caliper events from front ends: validate, complete, judge, store once, list (decision D60).

A request is an envelope or a bare list of events. The BFF completes what a front end may leave
out (the envelope's ``sensor``, ``sendTime`` and ``dataVersion``; each event's ``edApp``, its
``profile``, which TimeBack requires, as ``GeneralProfile``, and its actor, the caller as a
TimeBack user IRI), validates the whole document with the Caliper 1.2
validator (``domain.caliper.validation``), and answers one verdict per event:

* ``accepted``: stored in the outbox, delivered to TimeBack by the delivery job;
* ``duplicate``: this exact event (same canonical JSON) is already stored: nothing happens;
* ``refused``: the event's problems, each with its JSON path and rule.

Problems with the envelope itself, or every event refused, refuse the request (422). An event whose
actor the caller may not send as refuses the request (403, nothing stored): authorization is not
a property of one event. An id already used by a different event refuses the request (409).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from domain.caliper.validation import validate_envelope
from domain.errors import (
    DocumentConflict,
    DocumentForbidden,
    InvalidDocument,
    NotFound,
    PermissionDenied,
    Violation,
)
from domain.models.caliper_events import DeliveryState, OutboxEvent, canonical_json
from domain.models.identity import Actor
from domain.policy import Action, PersonRef, Policy
from domain.ports import Clock, JobQueue, UnitOfWork, UnitOfWorkFactory
from domain.ports.caliper_outbox import EventQuery
from domain.roster.entities import EntityKind
from domain.services.caliper_delivery import LANES, kick_delivery

DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
#: where a TimeBack user's IRI starts, after the TimeBack base URL
USERS_PATH = "/ims/oneroster/rostering/v1p2/users/"
GENERAL_PROFILE = "GeneralProfile"
#: what the outbox can hold as an event id
MAX_ID_LENGTH = 512

_EVENT_PATH = re.compile(r"^\$\.data\[(\d+)\]")


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class EventVerdict:
    index: int
    id: str | None
    verdict: Verdict
    problems: tuple[Violation, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class EventsConfig:
    #: the envelope ``sensor`` when a request names none (and of every envelope sent upstream)
    sensor: str
    #: an event's ``edApp`` when it names none
    ed_app: str
    #: TimeBack's base URL: actors are ``<base>/ims/oneroster/rostering/v1p2/users/<sourcedId>``
    timeback_base: str
    #: delivery jobs woken after an accept
    lanes: int = LANES

    @property
    def users_prefix(self) -> str:
        return self.timeback_base.rstrip("/") + USERS_PATH


@dataclass(frozen=True, slots=True, kw_only=True)
class EventFilter:
    actor: str | None = None
    types: frozenset[str] | None = None
    actions: frozenset[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    states: frozenset[DeliveryState] | None = None
    limit: int = 100
    offset: int = 0


@dataclass(slots=True)
class _Candidate:
    index: int
    path: str
    event: dict[str, Any]
    problems: list[Violation] = field(default_factory=list)
    actor_id: str | None = None
    person: str | None = None

    @property
    def id(self) -> str | None:
        value = self.event.get("id")
        return value if isinstance(value, str) else None


class CaliperEventService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        policy: Policy,
        clock: Clock,
        jobs: JobQueue,
        config: EventsConfig,
    ) -> None:
        self._uow = uow
        self._policy = policy
        self._clock = clock
        self._jobs = jobs
        self._config = config

    # -- accepting ------------------------------------------------------------------------------

    async def accept(self, *, actor: Actor, payload: object) -> list[EventVerdict]:
        """Judge every event and store the accepted ones; the delivery job is woken."""
        verdicts = await self._judge(actor, payload, store=True)
        if any(v.verdict is Verdict.ACCEPTED for v in verdicts):
            await kick_delivery(self._jobs, self._config.lanes)
        return verdicts

    async def validate(self, *, actor: Actor, payload: object) -> list[EventVerdict]:
        """What :meth:`accept` would answer, storing nothing."""
        return await self._judge(actor, payload, store=False)

    async def _judge(self, actor: Actor, payload: object, *, store: bool) -> list[EventVerdict]:
        if not actor.can_write:
            raise PermissionDenied("A read-only token cannot send events.")
        bare = isinstance(payload, list)
        envelope = self._envelope(payload)
        candidates = self._candidates(envelope, actor, await self._email_of(actor), bare=bare)
        request_problems: list[Violation] = []
        for problem in validate_envelope(envelope):
            violation = Violation(_caller_path(problem.path, bare), problem.rule, problem.message)
            match = _EVENT_PATH.match(problem.path)
            index = int(match.group(1)) if match else None
            if index is not None and index < len(candidates):
                candidates[index].problems.append(violation)
            else:
                request_problems.append(violation)
        if request_problems:
            everything = request_problems + [p for c in candidates for p in c.problems]
            raise InvalidDocument("The envelope is not valid Caliper 1.2.", tuple(everything))
        for candidate in candidates:
            self._check_fields(candidate)
        await self._check_reach(actor, candidates)
        async with self._uow() as uow:
            await self._check_people(uow, candidates)
            verdicts = await self._record(uow, actor, candidates, store=store)
            if not any(v.verdict is not Verdict.REFUSED for v in verdicts):
                problems = tuple(p for v in verdicts for p in v.problems)
                raise InvalidDocument("Every event was refused.", problems)
            if store:
                await uow.commit()
        return verdicts

    def _envelope(self, payload: object) -> dict[str, Any]:
        """The request as a complete envelope: a bare list wrapped, what is missing filled."""
        now = self._clock.now().astimezone(UTC)
        filled: dict[str, Any]
        if isinstance(payload, list):
            filled = {"data": list(payload)}
        elif isinstance(payload, dict):
            filled = dict(payload)
        else:
            raise InvalidDocument(
                "The body must be a Caliper envelope or a list of events.",
                (
                    Violation(
                        "$", "type", "Expected an object (an envelope) or an array of events."
                    ),
                ),
            )
        filled.setdefault("sensor", self._config.sensor)
        filled.setdefault("sendTime", now.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
        filled.setdefault("dataVersion", DATA_VERSION)
        return filled

    async def _email_of(self, actor: Actor) -> str | None:
        """The caller's email in the roster: a TimeBack user actor carries it."""
        if actor.person_sourced_id is None:
            return None
        async with self._uow() as uow:
            record = await uow.roster.get(EntityKind.USERS, actor.person_sourced_id)
        email = record.payload.get("email") if record is not None else None
        return email if isinstance(email, str) and email else None

    def _candidates(
        self, envelope: dict[str, Any], actor: Actor, email: str | None, *, bare: bool
    ) -> list[_Candidate]:
        data = envelope.get("data")
        if not isinstance(data, list):
            return []
        me = self._actor_iri(actor)
        out: list[_Candidate] = []
        for index, raw in enumerate(data):
            path = f"$[{index}]" if bare else f"$.data[{index}]"
            if not isinstance(raw, dict):
                out.append(_Candidate(index, path, {}))
                continue
            event = dict(raw)
            event.setdefault("edApp", self._config.ed_app)
            # Caliper makes the profile optional, TimeBack requires one: the general profile
            # covers every Caliper event type and action.
            event.setdefault("profile", GENERAL_PROFILE)
            if me is not None:
                event["actor"] = _with_caller(event.get("actor"), event, me, email)
            data[index] = event
            out.append(_Candidate(index, path, event))
        return out

    def _actor_iri(self, actor: Actor) -> str | None:
        if actor.person_sourced_id is None:
            return None
        return self._config.users_prefix + actor.person_sourced_id

    def _check_fields(self, candidate: _Candidate) -> None:
        """What the outbox needs beyond Caliper's own rules."""
        event = candidate.event
        event_id = candidate.id
        if event_id is not None and len(event_id) > MAX_ID_LENGTH:
            candidate.problems.append(
                Violation(
                    f"{candidate.path}.id", "maxLength", f"At most {MAX_ID_LENGTH} characters."
                )
            )
        actor = event.get("actor")
        actor_id = actor.get("id") if isinstance(actor, dict) else actor
        if isinstance(actor_id, str):
            candidate.actor_id = actor_id[:MAX_ID_LENGTH]
            prefix = self._config.users_prefix
            rest = actor_id.removeprefix(prefix)
            if rest != actor_id and rest and "/" not in rest:
                candidate.person = rest
        if _event_time(event) is None and not candidate.problems:
            candidate.problems.append(
                Violation(f"{candidate.path}.eventTime", "format", "An ISO 8601 date-time.")
            )

    async def _check_reach(self, actor: Actor, candidates: Sequence[_Candidate]) -> None:
        """Reach before existence (D38): who may send as whom is decided for the whole request."""
        forbidden: list[Violation] = []
        for candidate in candidates:
            if candidate.problems or candidate.actor_id is None:
                continue
            where = f"{candidate.path}.actor"
            if candidate.person is None:
                if not actor.is_admin:
                    forbidden.append(
                        Violation(where, "own-actor", "Events may name only you as their actor.")
                    )
            elif not await self._policy.allows(actor, Action.WRITE, PersonRef(candidate.person)):
                forbidden.append(
                    Violation(where, "own-actor", "You may not send events for this person.")
                )
        if forbidden:
            raise DocumentForbidden(
                "Events may be sent only as yourself (staff: people in your orgs).",
                tuple(forbidden),
            )

    async def _check_people(self, uow: UnitOfWork, candidates: Sequence[_Candidate]) -> None:
        known: dict[str, bool] = {}  # a request's events mostly name one actor: asked once
        for candidate in candidates:
            person = candidate.person
            if candidate.problems or person is None:
                continue
            if person not in known:
                known[person] = await uow.roster.get(EntityKind.USERS, person) is not None
            if not known[person]:
                candidate.problems.append(
                    Violation(
                        f"{candidate.path}.actor",
                        "known-person",
                        f"No roster person with sourcedId '{candidate.person}'.",
                    )
                )

    async def _record(
        self, uow: UnitOfWork, actor: Actor, candidates: Sequence[_Candidate], *, store: bool
    ) -> list[EventVerdict]:
        now = self._clock.now()
        verdicts: list[EventVerdict] = []
        conflicts: list[Violation] = []
        seen: dict[str, str] = {}
        for candidate in candidates:
            if candidate.problems or candidate.id is None or candidate.actor_id is None:
                problems = tuple(candidate.problems) or (
                    Violation(candidate.path, "event", "Not an event."),
                )
                verdicts.append(
                    EventVerdict(candidate.index, candidate.id, Verdict.REFUSED, problems)
                )
                continue
            outbox = outbox_entry(
                candidate.event,
                actor_id=candidate.actor_id,
                person=candidate.person,
                account_id=actor.account_id,
                now=now,
            )
            fingerprint = outbox.fingerprint
            if store:
                taken = await uow.caliper_events.add(outbox)
                earlier = taken.fingerprint if taken else None
            else:
                found = await uow.caliper_events.get(candidate.id)
                earlier = found.fingerprint if found else seen.get(candidate.id)
                seen.setdefault(candidate.id, fingerprint)
            if earlier is None:
                verdict = Verdict.ACCEPTED
            elif earlier == fingerprint:
                verdict = Verdict.DUPLICATE
            else:
                conflicts.append(
                    Violation(
                        f"{candidate.path}.id",
                        "id-reused",
                        f"Another event was already sent with the id '{candidate.id}'.",
                    )
                )
                continue
            verdicts.append(EventVerdict(candidate.index, candidate.id, verdict))
        if conflicts:
            raise DocumentConflict(
                "An event id is already used by a different event.", tuple(conflicts)
            )
        return verdicts

    # -- reading --------------------------------------------------------------------------------

    async def list(self, *, actor: Actor, query: EventFilter) -> tuple[Sequence[OutboxEvent], int]:
        """Events whose actor the caller may see, by event time."""
        async with self._uow() as uow:
            return await uow.caliper_events.list(
                EventQuery(
                    scope=self._policy.scope(actor),
                    actor=query.actor,
                    types=query.types,
                    actions=query.actions,
                    since=query.since,
                    until=query.until,
                    states=query.states,
                    limit=query.limit,
                    offset=query.offset,
                )
            )

    async def get(self, *, actor: Actor, event_id: str) -> OutboxEvent:
        async with self._uow() as uow:
            found = await uow.caliper_events.get(event_id)
        if found is None or not await self._may_read(actor, found):
            raise NotFound(f"No event with id '{event_id}'.")
        return found

    async def _may_read(self, actor: Actor, event: OutboxEvent) -> bool:
        if actor.is_admin:
            return True
        if event.person_sourced_id is None:
            return False
        return await self._policy.allows(actor, Action.READ, PersonRef(event.person_sourced_id))


def outbox_entry(
    event: Mapping[str, Any], *, actor_id: str, person: str | None, account_id: str, now: datetime
) -> OutboxEvent:
    """A newly accepted event as the outbox stores it (its ``id`` is the event's own), due now;
    the fingerprint tells a replay (the same event) from a different event under a used id."""
    return OutboxEvent(
        id=str(event["id"]),
        event=event,
        fingerprint=hashlib.sha256(canonical_json(event).encode()).hexdigest(),
        actor_id=actor_id,
        person_sourced_id=person,
        type=str(event.get("type", ""))[:100],
        action=str(event.get("action", ""))[:100],
        event_time=_event_time(event) or now,
        account_id=account_id,
        accepted_at=now,
        next_attempt_at=now,
        updated_at=now,
    )


def _with_caller(given: object, event: Mapping[str, Any], me: str, email: str | None) -> object:
    """The actor with the caller filled in where it is left out: the whole actor (a TimeBack
    user, with the email TimeBack's profile requires, in a TimeBack profile event; else a
    Person), or the id of an actor object without one, or the email of the caller's TimeBack
    user actor."""
    timeback = event.get("profile") == "TimebackProfile"
    if given is None:
        actor: dict[str, Any] = {"id": me, "type": "TimebackUser" if timeback else "Person"}
    elif isinstance(given, dict):
        actor = {"id": me, **given}
    else:
        return given
    if actor.get("type") == "TimebackUser" and actor["id"] == me and email:
        actor.setdefault("email", email)
    return actor


def _caller_path(path: str, bare: bool) -> str:
    """The validator sees an envelope; a caller who sent a bare list reads ``$[0]``."""
    return "$" + path.removeprefix("$.data") if bare and path.startswith("$.data[") else path


def _event_time(event: Mapping[str, Any]) -> datetime | None:
    value = event.get("eventTime")
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
