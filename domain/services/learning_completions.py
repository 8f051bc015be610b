"""Completing a lesson, exactly once (decision D89): the ledger row and the Caliper event are
written in one transaction, the gradebook result right after it, and again by the periodic task
until the gradebook takes it.

Every upstream object a completion makes has an id derived from (learner, lesson, attempt,
source): the assessment line item (one per lesson), the assessment result and the event. The
result is written with PUT (create or replace) and the event goes through the outbox, which
keeps one row per event id; so a repeat of any step replaces, it can never add a second.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.caliper.iri import segment
from domain.caliper.validation import validate_envelope
from domain.errors import DomainError, InvalidInput, UpstreamRateLimited, UpstreamUnavailable
from domain.models.caliper_events import OutboxEvent, canonical_json
from domain.models.learning import Completion, ResultState, Source, derived_id
from domain.ports import Clock, JobQueue, UnitOfWork, UnitOfWorkFactory
from domain.ports.gradebook import GradebookKind, OneRosterObjects
from domain.roster.entities import EntityKind
from domain.services.caliper_delivery import kick_delivery

log = logging.getLogger(__name__)

DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
USERS_PATH = "/ims/oneroster/rostering/v1p2/users/"
COURSES_PATH = "/ims/oneroster/rostering/v1p2/courses/"
LESSONS_PATH = "/ims/oneroster/rostering/v1p2/courses/component-resources/"
#: TimeBack's subjects (the Caliper profile's enum); a course naming none of them is "None"
SUBJECTS = ("Science", "Math", "Reading", "Language", "Social Studies")

#: re-read PowerPath and record what it finalized, given a claimed ``finalizing`` row
Recover = Callable[[Completion, str], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletionConfig:
    timeback_base: str
    ed_app: str
    sensor: str
    #: how long a request or worker holds a completion before another may take it over
    lease: timedelta = timedelta(minutes=2)
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(hours=1)
    max_attempts: int = 12
    batch: int = 50
    #: a ``finalizing`` intent PowerPath never finalized is dropped after this long
    intent_ttl: timedelta = timedelta(hours=1)


def fingerprint(value: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def new_token() -> str:
    return uuid.uuid4().hex


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def replayed(first: str, now: str, answer: Mapping[str, Any]) -> Mapping[str, Any]:
    """The first answer under an Idempotency-Key, when the repeat is the same request."""
    if first != now:
        raise InvalidInput(
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new request.",
            field="Idempotency-Key",
        )
    return answer


class Completions:
    """The ledger and its side effects; the learner flow and the activity route call
    :meth:`record`, the periodic task :meth:`reconcile`."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        gradebook: OneRosterObjects,
        jobs: JobQueue,
        clock: Clock,
        config: CompletionConfig,
    ) -> None:
        self._uow = uow
        self._gradebook = gradebook
        self._jobs = jobs
        self._clock = clock
        self._config = config
        self.recover: Recover | None = None

    @property
    def lease(self) -> timedelta:
        return self._config.lease

    # -- recording ------------------------------------------------------------------------------

    def completion_id(self, learner: str, lesson: str, attempt: int, source: Source) -> str:
        return derived_id("completion", source.value, learner, lesson, attempt)

    async def record(
        self,
        *,
        draft: Completion,
        answer: Callable[[Completion], dict[str, Any]],
        token: str,
        completed_at: datetime | None = None,
    ) -> Completion:
        """Record ``draft`` (its metrics known) with its result and event in one transaction,
        then try the gradebook. When the completion is already recorded, the recorded one is
        returned untouched (a repeat answers the first)."""
        now = self._clock.now()
        async with self._uow() as uow:
            email, subject, course_title = await self._facts(uow, draft)
            event = self._event(draft, email, subject, course_title, completed_at or now)
            full = replace(
                draft,
                state=ResultState.PENDING,
                result_id=derived_id("result", draft.id),
                result=self._result(draft, completed_at or now),
                event_ids=(event["id"],),
                next_attempt_at=now + self._config.lease,
                updated_at=now,
            )
            full = replace(full, answer=answer(full))
            held = await uow.learning.record(full, token=token)
            if held is not None:
                return held
            await uow.caliper_events.add(self._outbox(full, event, now))
            await uow.commit()
        await kick_delivery(self._jobs)
        return await self._deliver(full, token)

    async def _facts(self, uow: UnitOfWork, draft: Completion) -> tuple[str, str, str | None]:
        user = await uow.roster.get(EntityKind.USERS, draft.learner)
        # TimeBack's user actor requires an email; a learner without one in the roster must not
        # leave a finalized attempt unrecorded, so a reserved address (RFC 2606) stands in
        email = (user.payload.get("email") if user else None) or f"{draft.learner}@learner.invalid"
        course = await uow.roster.get(EntityKind.COURSES, draft.course) if draft.course else None
        subjects = (course.payload.get("subjects") if course else None) or []
        subject = next((s for s in subjects if s in SUBJECTS), "None")
        title = course.payload.get("title") if course else None
        return str(email), subject, title if isinstance(title, str) else None

    def _result(self, c: Completion, when: datetime) -> dict[str, Any]:
        line_item = derived_id("line-item", c.lesson)
        m = c.metrics
        return {
            "lineItem": {
                "sourcedId": line_item,
                "status": "active",
                "title": f"Lesson {c.lesson}",
                "componentResource": {"sourcedId": c.lesson},
                "resultValueMin": 0,
                "resultValueMax": 100,
            },
            "result": {
                "sourcedId": derived_id("result", c.id),
                "status": "active",
                "assessmentLineItem": {"sourcedId": line_item},
                "student": {"sourcedId": c.learner},
                "score": m.score if m.score is not None else 0,
                "scoreDate": _iso(when),
                "scoreStatus": "fully graded",
                "metadata": {
                    "attempt": c.attempt,
                    "source": c.source.value,
                    "lessonType": c.lesson_type,
                    "accuracy": m.accuracy,
                    "correctQuestions": m.correct_questions,
                    "totalQuestions": m.total_questions,
                    "xp": m.xp,
                    "masteredUnits": m.mastered_units,
                    "completionId": c.id,
                },
            },
        }

    def _event(
        self, c: Completion, email: str, subject: str, course_title: str | None, when: datetime
    ) -> dict[str, Any]:
        base = self._config.timeback_base.rstrip("/")
        m = c.metrics
        items = [
            {"type": "totalQuestions", "value": m.total_questions or 0},
            {"type": "correctQuestions", "value": m.correct_questions or 0},
            {"type": "xpEarned", "value": m.xp or 0},
            {"type": "masteredUnits", "value": m.mastered_units or 0},
        ]
        context: dict[str, Any] = {
            "id": base + LESSONS_PATH + segment(c.lesson),
            "type": "TimebackActivityContext",
            "subject": subject,
            "app": {"name": self._config.ed_app},
            "activity": {"name": c.lesson},
        }
        if c.course:
            context["course"] = {
                "id": base + COURSES_PATH + segment(c.course),
                "name": course_title or c.course,
            }
        event = {
            "@context": DATA_VERSION,
            "id": "urn:uuid:" + derived_id("event", c.id),
            "type": "ActivityEvent",
            "profile": "TimebackProfile",
            "action": "Completed",
            "eventTime": _iso(when),
            "edApp": self._config.ed_app,
            "actor": {
                "id": base + USERS_PATH + segment(c.learner),
                "type": "TimebackUser",
                "email": email,
            },
            "object": context,
            "generated": {
                "id": "urn:uuid:" + derived_id("metrics", c.id),
                "type": "TimebackActivityMetricsCollection",
                "items": items,
            },
        }
        problems = validate_envelope(
            {
                "sensor": self._config.sensor,
                "sendTime": _iso(when),
                "dataVersion": DATA_VERSION,
                "data": [event],
            }
        )
        if problems:
            # what the BFF composed from its own data: a bug (or a learner without an email)
            raise InvalidInput(
                "The completion's Caliper event is not valid: "
                + "; ".join(f"{p.path}: {p.message}" for p in problems)
            )
        return event

    def _outbox(self, c: Completion, event: dict[str, Any], now: datetime) -> OutboxEvent:
        return OutboxEvent(
            id=event["id"],
            event=event,
            fingerprint=fingerprint(event),
            actor_id=event["actor"]["id"],
            person_sourced_id=c.learner,
            type="ActivityEvent",
            action="Completed",
            event_time=datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00")),
            account_id=c.account_id,
            accepted_at=now,
            next_attempt_at=now,
            updated_at=now,
        )

    # -- delivering the gradebook result ----------------------------------------------------------

    async def _deliver(self, c: Completion, token: str) -> Completion:
        """Write the line item and the result (PUT: a repeat replaces); settle the row."""
        assert c.result is not None  # noqa: S101 (a recorded completion has one)
        now = self._clock.now()
        state, error, retry_at = ResultState.DELIVERED, None, None
        try:
            line_item, result = c.result["lineItem"], c.result["result"]
            await self._gradebook.put(
                GradebookKind.ASSESSMENT_LINE_ITEMS, line_item["sourcedId"], line_item
            )
            await self._gradebook.put(GradebookKind.ASSESSMENT_RESULTS, result["sourcedId"], result)
        except DomainError as exc:
            error = f"{type(exc).__name__}: {exc}"
            # refused for good (TimeBack judged the result invalid) versus worth another try
            transient = isinstance(exc, UpstreamUnavailable | UpstreamRateLimited)
            if not transient or c.attempts + 1 >= self._config.max_attempts:
                state = ResultState.FAILED
            else:
                state = ResultState.PENDING
                retry_at = now + self._backoff(c.attempts + 1)
            log.warning("gradebook result of completion %s: %s (%s)", c.id, error, state.value)
        async with self._uow() as uow:
            await uow.learning.settle(
                c.id, token=token, state=state, error=error, next_attempt_at=retry_at, now=now
            )
            await uow.commit()
        return replace(c, state=state, last_error=error, next_attempt_at=retry_at)

    def _backoff(self, attempts: int) -> timedelta:
        grown: timedelta = self._config.backoff_base * (2 ** max(0, attempts - 1))
        return min(grown, self._config.backoff_max)

    async def reconcile(self) -> str:
        """The periodic task: deliver due results; settle intents a process left behind."""
        token = new_token()
        now = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.learning.claim(
                token=token, now=now, lease_until=now + self._config.lease, limit=self._config.batch
            )
            await uow.commit()
        delivered = recovered = 0
        for c in claimed:
            if c.state is ResultState.FINALIZING:
                if self.recover is not None:
                    try:
                        await self.recover(c, token)
                    except DomainError as exc:
                        # one intent that cannot be settled now (PowerPath down, an invalid
                        # event) waits for its lease to pass; the rest of the batch goes on
                        log.warning("completion %s not recovered: %s", c.id, exc)
                        continue
                    recovered += 1
                continue
            done = await self._deliver(c, token)
            delivered += done.state is ResultState.DELIVERED
        return (
            f"{delivered}/{len(claimed) - recovered} results delivered, {recovered} intents checked"
        )

    async def forget_intent(self, c: Completion, token: str) -> None:
        """PowerPath did not finalize: drop the intent once it is old, else look again later."""
        now = self._clock.now()
        async with self._uow() as uow:
            if now - c.created_at >= self._config.intent_ttl:
                await uow.learning.forget(c.id, token=token)
            else:
                await uow.learning.settle(
                    c.id,
                    token=token,
                    state=ResultState.FINALIZING,
                    error="PowerPath has not finalized the attempt",
                    next_attempt_at=now + self._config.lease,
                    now=now,
                )
            await uow.commit()

    # -- answering repeats ------------------------------------------------------------------------

    async def by_key(self, account_id: str, key: str, print_: str) -> Completion | None:
        """The completion made under this Idempotency-Key (a 422 when the request differs)."""
        async with self._uow() as uow:
            first = await uow.learning.by_key(account_id, key)
        if first is None:
            return None
        replayed(first.fingerprint, print_, {})
        return first

    async def answer_of(self, c: Completion) -> dict[str, Any]:
        """What completing answers: the first answer, with its side effects as they stand now."""
        async with self._uow() as uow:
            effects = await self.side_effects(uow, c)
        body = dict(c.answer or {"completion_id": c.id, "lesson": c.lesson, "learner": c.learner})
        body["side_effects"] = effects
        return body

    # -- reading ----------------------------------------------------------------------------------

    async def side_effects(self, uow: UnitOfWork, c: Completion) -> dict[str, Any]:
        events = await uow.caliper_events.get_many(list(c.event_ids))
        states = {e.id: e.state.value for e in events}
        return {
            "result": {
                "id": c.result_id,
                "state": c.state.value,
                "attempts": c.attempts,
                "last_error": c.last_error,
            },
            "events": [{"id": i, "state": states.get(i, "pending")} for i in c.event_ids],
        }
