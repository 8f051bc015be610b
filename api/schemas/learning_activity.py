"""Time on task (``POST /v1/learning/activity/heartbeat``): what a front end reports, what it is
answered."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import FiniteNumber, IsoDateTime, SourcedId
from domain.models.caliper_events import DeliveryState
from domain.services.learning_activity import Heartbeat, HeartbeatOutcome, HeartbeatState

#: a day: no one heartbeat reports more
Seconds = Annotated[FiniteNumber, Field(ge=0, le=86_400)]


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lesson: SourcedId = Field(description="The PowerPath lesson (a course component resource).")
    learner: SourcedId | None = Field(
        default=None, description="Whose time it is; defaults to you (admins must name one)."
    )
    active_seconds: Seconds = Field(examples=[50])
    inactive_seconds: Seconds = Field(examples=[10])
    started_at: IsoDateTime
    ended_at: IsoDateTime = Field(description="At or after `started_at`, at most 24 h later.")
    sequence: int | None = Field(
        default=None,
        ge=0,
        le=2**53,
        description="The front end's count of this learner's heartbeats on this lesson: a "
        "heartbeat sent again with the same number is stored once. `Idempotency-Key` does the "
        "same; without either the span (`started_at`, `ended_at`) is the key.",
    )

    def heartbeat(self, idempotency_key: str | None) -> Heartbeat:
        return Heartbeat(
            lesson=self.lesson,
            learner=self.learner,
            active_seconds=self.active_seconds,
            inactive_seconds=self.inactive_seconds,
            started_at=self.started_at,
            ended_at=self.ended_at,
            sequence=self.sequence,
            idempotency_key=idempotency_key,
        )


class HeartbeatOut(BaseModel):
    event_id: str = Field(
        description="The Caliper TimeSpentEvent's id (see `GET /v1/events/{id}`)."
    )
    state: HeartbeatState = Field(
        description="`accepted`: stored now; `duplicate`: this heartbeat was already stored."
    )
    delivery: DeliveryState = Field(description="Where the event's delivery to TimeBack stands.")

    @classmethod
    def of(cls, outcome: HeartbeatOutcome) -> HeartbeatOut:
        return cls(event_id=outcome.event_id, state=outcome.state, delivery=outcome.delivery)
