"""Time on task: a learner's heartbeat becomes one Caliper ``TimeSpentEvent`` in the outbox
(decisions D96, D97).

A front end reports, every so often, how long a learner was active and inactive on a PowerPath
lesson between two instants. The BFF checks who may report it (a student of the roster cache,
then ``LearnerRef`` WRITE: the learner, their teachers, staff of their orgs; D85), that the
lesson exists and that the figures fit the span, builds the event as TimeBack's profile
describes it (actor the learner's TimeBack user, object the lesson's activity context with
its course and subject, ``generated`` the active and inactive seconds), validates it with the
Caliper 1.2 validator and stores it in the event outbox, which delivers it to TimeBack once.

The event id is derived, never drawn: a UUID 5 of the learner, the lesson and the heartbeat's key
(its ``Idempotency-Key``, else its ``sequence``, else its span). A retried heartbeat is the same
event under the same id, stored once (``duplicate``); another heartbeat under a used key is
refused (422), as a reused ``Idempotency-Key`` is everywhere in the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.caliper.iri import segment
from domain.caliper.validation import validate_envelope
from domain.errors import InvalidInput
from domain.models.caliper_events import DeliveryState
from domain.models.identity import Actor
from domain.policy import Action
from domain.ports import Clock, JobQueue, UnitOfWorkFactory
from domain.ports.assessments import LessonCourses
from domain.roster.entities import TO_BE_DELETED, EntityKind
from domain.services.caliper_delivery import kick_delivery
from domain.services.caliper_events import DATA_VERSION, EventsConfig, outbox_entry
from domain.services.learner_references import LearnerReferences
from domain.services.lesson_courses import course_in_cache

#: the namespace of heartbeat event ids (uuid5 of "learner|lesson|key")
HEARTBEAT_NAMESPACE = uuid.UUID("4f9c2d0e-5b7a-5c1e-9d43-17a0e6b2c8f1")
#: one heartbeat covers at most a day; longer spans are a client's clock gone wrong
MAX_SPAN = timedelta(hours=24)
#: a client's counters and its clock may disagree by rounding: the seconds reported may exceed
#: the span by this much
SLACK_SECONDS = 1.0
ROSTERING = "/ims/oneroster/rostering/v1p2"
APP_NAME = "Learning BFF"
#: a roster course's subjects as TimeBack's Caliper profile names them (anything else: "None")
SUBJECTS = {
    "Math": "Math",
    "Mathematics": "Math",
    "FastMath": "Math",
    "Reading": "Reading",
    "English Language Arts": "Reading",
    "Vocabulary": "Language",
    "Language": "Language",
    "Writing": "Language",
    "Science": "Science",
    "Social Studies": "Social Studies",
}


class HeartbeatState(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True, kw_only=True)
class Heartbeat:
    lesson: str
    learner: str | None
    active_seconds: float
    inactive_seconds: float
    started_at: datetime
    ended_at: datetime
    sequence: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class HeartbeatOutcome:
    event_id: str
    state: HeartbeatState
    delivery: DeliveryState


class LearningActivityService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        refs: LearnerReferences,
        clock: Clock,
        jobs: JobQueue,
        lessons: LessonCourses,
        config: EventsConfig,
    ) -> None:
        self._uow = uow
        self._refs = refs
        self._clock = clock
        self._jobs = jobs
        self._lessons = lessons
        self._config = config

    async def heartbeat(self, *, actor: Actor, beat: Heartbeat) -> HeartbeatOutcome:
        learner = LearnerReferences.learner_of(actor, beat.learner)
        _check_figures(beat)
        # a student of the roster cache (422 naming `learner`), then LearnerRef WRITE (D85)
        await self._refs.learner(actor, learner, Action.WRITE, field="learner")
        async with self._uow() as uow:
            person = await uow.roster.get(EntityKind.USERS, learner)
            lesson = await uow.roster.get(EntityKind.COMPONENT_RESOURCES, beat.lesson)
            if lesson is not None and lesson.status == TO_BE_DELETED:
                lesson = None
            course_id = await course_in_cache(uow, lesson)
        if lesson is None:  # newer than the last sync, or no lesson at all: TimeBack says
            course_id = await self._lessons.course_of_lesson(beat.lesson)
        async with self._uow() as uow:
            course = await uow.roster.get(EntityKind.COURSES, course_id) if course_id else None
        if person is None:
            raise InvalidInput(f"No roster person with sourcedId '{learner}'.", field="learner")
        email = person.payload.get("email")
        if not isinstance(email, str) or not email:
            raise InvalidInput(
                "TimeBack records time only for a learner with an email; this one has none.",
                field="learner",
            )
        if course_id is None:
            raise InvalidInput(f"No lesson with id '{beat.lesson}'.", field="lesson")
        course_payload = course.payload if course is not None else {}
        title = lesson.payload.get("title") if lesson is not None else None
        name = title if isinstance(title, str) and title else f"Lesson {beat.lesson}"
        event = self._event(beat, learner, email, course_id, course_payload, name)
        problems = validate_envelope(
            {
                "sensor": self._config.sensor,
                "sendTime": _iso(self._clock.now()),
                "dataVersion": DATA_VERSION,
                "data": [event],
            }
        )
        if problems:  # the BFF built the event from checked figures: a fault of ours, not input
            raise RuntimeError(f"TimeSpentEvent failed Caliper validation: {problems}")
        entry = outbox_entry(
            event,
            actor_id=event["actor"]["id"],
            person=learner,
            account_id=actor.account_id,
            now=self._clock.now(),
        )
        async with self._uow() as uow:
            earlier = await uow.caliper_events.add(entry)
            if earlier is None:
                await uow.commit()
        if earlier is not None:
            if earlier.fingerprint != entry.fingerprint:
                what = "Idempotency-Key" if beat.idempotency_key else "sequence"
                raise InvalidInput(
                    f"This {what} was already used for a different heartbeat of this learner "
                    "on this lesson; send a new one.",
                    field=what if beat.idempotency_key else "sequence",
                )
            return HeartbeatOutcome(entry.id, HeartbeatState.DUPLICATE, earlier.state)
        await kick_delivery(self._jobs, self._config.lanes)
        return HeartbeatOutcome(entry.id, HeartbeatState.ACCEPTED, entry.state)

    def _event(
        self,
        beat: Heartbeat,
        learner: str,
        email: str,
        course_id: str,
        course: Mapping[str, Any],
        lesson_name: str,
    ) -> dict[str, Any]:
        base = self._config.timeback_base.rstrip("/")
        event_id = heartbeat_event_id(learner, beat)
        started, ended = _iso(beat.started_at), _iso(beat.ended_at)
        span = {"startDate": started, "endDate": ended}
        lesson_iri = f"{base}{ROSTERING}/courses/component-resources/{segment(beat.lesson)}"
        activity_context: dict[str, Any] = {
            "id": lesson_iri,
            "type": "TimebackActivityContext",
            "subject": subject_of(course),
            "app": {"id": self._config.ed_app, "name": APP_NAME},
            "activity": {"id": lesson_iri, "name": lesson_name},
        }
        title = course.get("title")
        activity_context["course"] = {
            "id": f"{base}{ROSTERING}/courses/{segment(course_id)}",
            "name": title if isinstance(title, str) and title else course_id,
        }
        return {
            "@context": DATA_VERSION,
            "id": event_id,
            "type": "TimeSpentEvent",
            "profile": "TimebackProfile",
            "action": "SpentTime",
            "eventTime": ended,
            "edApp": self._config.ed_app,
            "actor": {
                "id": self._config.users_prefix + segment(learner),
                "type": "TimebackUser",
                "email": email,
            },
            "object": activity_context,
            "generated": {
                "id": f"urn:uuid:{uuid.uuid5(HEARTBEAT_NAMESPACE, event_id + '#generated')}",
                "type": "TimebackTimeSpentMetricsCollection",
                "items": [
                    {"type": "active", "value": beat.active_seconds, **span},
                    {"type": "inactive", "value": beat.inactive_seconds, **span},
                ],
                # TimeBack's collection has no duration of its own: the span's, as ISO 8601
                "extensions": {"duration": iso_duration(beat.ended_at - beat.started_at)},
            },
        }


def heartbeat_event_id(learner: str, beat: Heartbeat) -> str:
    if beat.idempotency_key is not None:
        key = f"key:{beat.idempotency_key}"
    elif beat.sequence is not None:
        key = f"seq:{beat.sequence}"
    else:
        key = f"span:{_iso(beat.started_at)}/{_iso(beat.ended_at)}"
    return f"urn:uuid:{uuid.uuid5(HEARTBEAT_NAMESPACE, f'{learner}|{beat.lesson}|{key}')}"


def subject_of(course: Mapping[str, Any]) -> str:
    for subject in course.get("subjects") or ():
        if isinstance(subject, str) and subject in SUBJECTS:
            return SUBJECTS[subject]
    return "None"


def iso_duration(span: timedelta) -> str:
    """``PT1H2M3.5S``: hours, minutes and seconds, as Caliper's durations are written."""
    total = span.total_seconds()
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    if seconds or text == "PT":
        text += f"{seconds:.3f}".rstrip("0").rstrip(".") + "S"
    return text


def _check_figures(beat: Heartbeat) -> None:
    started, ended = _utc(beat.started_at), _utc(beat.ended_at)
    if ended < started:
        raise InvalidInput("ended_at is before started_at.", field="ended_at")
    span = ended - started
    if span > MAX_SPAN:
        raise InvalidInput("One heartbeat covers at most 24 hours.", field="ended_at")
    reported = beat.active_seconds + beat.inactive_seconds
    if reported > span.total_seconds() + SLACK_SECONDS:
        raise InvalidInput(
            f"active_seconds and inactive_seconds add up to {reported:g} s, more than the "
            f"{span.total_seconds():g} s between started_at and ended_at.",
            fields=("active_seconds", "inactive_seconds"),
        )


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return _utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")
