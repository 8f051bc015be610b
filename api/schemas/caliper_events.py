"""Caliper events: what a send answers, and an event with its delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.paging import Page
from domain.errors import Violation
from domain.models.caliper_events import DeliveryState, OutboxEvent
from domain.services.caliper_events import EventVerdict, Verdict

#: Shown in the OpenAPI document: an envelope, or the same events as a bare list.
EVENTS_BODY_EXAMPLES: dict[str, Any] = {
    "envelope": {
        "summary": "An envelope (sensor, sendTime and the actor filled in when left out)",
        "value": {
            "data": [
                {
                    "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
                    "id": "urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594",
                    "type": "ActivityEvent",
                    "profile": "TimebackProfile",
                    "action": "Completed",
                    "eventTime": "2026-12-06T10:15:00.000Z",
                    "object": {
                        "id": "https://app.example/activities/quiz-1",
                        "type": "TimebackActivityContext",
                        "subject": "Math",
                        "app": {"name": "My App"},
                    },
                }
            ]
        },
    },
    "list": {
        "summary": "A bare list of events",
        "value": [
            {
                "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
                "id": "urn:uuid:0c8b4c7a-6a53-4d8c-9b4e-3d1d2bb0a9e1",
                "type": "SessionEvent",
                "action": "LoggedIn",
                "eventTime": "2026-12-06T10:00:00.000Z",
                "object": {"id": "https://app.example", "type": "SoftwareApplication"},
            }
        ],
    },
}


class EventProblem(BaseModel):
    path: str = Field(description="JSON path in the request body.", examples=["$.data[0].action"])
    rule: str = Field(examples=["action-for-type"])
    message: str

    @classmethod
    def of(cls, v: Violation) -> EventProblem:
        return cls(path=v.path, rule=v.rule, message=v.message)


class EventVerdictOut(BaseModel):
    index: int = Field(description="The event's position in the request's list.")
    id: str | None = Field(description="The event's Caliper id, when it has one.")
    verdict: Verdict = Field(
        description="accepted: stored and on its way to TimeBack; duplicate: this very event "
        "was sent before (nothing happens); refused: see problems."
    )
    problems: list[EventProblem] = []

    @classmethod
    def of(cls, v: EventVerdict) -> EventVerdictOut:
        return cls(
            index=v.index,
            id=v.id,
            verdict=v.verdict,
            problems=[EventProblem.of(p) for p in v.problems],
        )


class EventsVerdict(BaseModel):
    accepted: int
    duplicates: int
    refused: int
    events: list[EventVerdictOut]

    @classmethod
    def of(cls, verdicts: Sequence[EventVerdict]) -> EventsVerdict:
        def count(kind: Verdict) -> int:
            return sum(1 for v in verdicts if v.verdict is kind)

        return cls(
            accepted=count(Verdict.ACCEPTED),
            duplicates=count(Verdict.DUPLICATE),
            refused=count(Verdict.REFUSED),
            events=[EventVerdictOut.of(v) for v in verdicts],
        )


class DeliveryOut(BaseModel):
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    job_id: str | None = Field(description="TimeBack's ingestion job.")
    allocated_id: str | None = Field(description="TimeBack's id for the stored event.")
    delivered_at: datetime | None
    failure_reason: str | None = Field(description="Why TimeBack refused the event for good.")
    last_error: str | None = Field(description="Why the last attempt did not deliver it yet.")


class CaliperEventOut(BaseModel):
    id: str
    type: str
    action: str
    actor_id: str
    person_sourced_id: str | None
    event_time: datetime
    accepted_at: datetime
    delivery: DeliveryOut
    event: dict[str, Any] = Field(description="The event as sent to TimeBack.")

    @classmethod
    def of(cls, e: OutboxEvent) -> CaliperEventOut:
        return cls(
            id=e.id,
            type=e.type,
            action=e.action,
            actor_id=e.actor_id,
            person_sourced_id=e.person_sourced_id,
            event_time=e.event_time,
            accepted_at=e.accepted_at,
            delivery=DeliveryOut(
                state=e.state,
                attempts=e.attempts,
                next_attempt_at=e.next_attempt_at,
                sent_at=e.sent_at,
                job_id=e.job_id,
                allocated_id=e.allocated_id,
                delivered_at=e.delivered_at,
                failure_reason=e.failure_reason,
                last_error=e.last_error,
            ),
            event=dict(e.event),
        )


class CaliperEventPage(Page[CaliperEventOut]):
    pass
