"""Time on task: heartbeats become Caliper TimeSpentEvents delivered to TimeBack once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from api.access import Access, access
from api.deps import ActorDep, LearningActivityDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.schemas.learning_activity import HeartbeatIn, HeartbeatOut
from api.strict_json import StrictJsonRoute

router = APIRouter(tags=["learning"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute)

BASE = "/v1/learning/activity"


@router.post(
    f"{BASE}/heartbeat",
    operation_id="learning_heartbeat",
    status_code=202,
    response_model=HeartbeatOut,
    responses=problem_responses(401, 403, 422, 502, 503),
    openapi_extra=access(Access.LEARNER),
)
async def heartbeat(
    body: HeartbeatIn,
    actor: ActorDep,
    activity: LearningActivityDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="Send a heartbeat again safely: the same key and body are stored once.",
        ),
    ] = None,
) -> HeartbeatOut:
    """Report a student's time on a lesson (you; teachers and staff: a learner they teach or
    reach; never a guardian for a child): active and inactive seconds between two instants. It
    becomes a Caliper `TimeSpentEvent` (TimeBack's profile), delivered to TimeBack once; a
    heartbeat sent again (same `Idempotency-Key`, or `sequence`, or span) is a `duplicate`."""
    outcome = await activity.heartbeat(actor=actor, beat=body.heartbeat(idempotency_key))
    return HeartbeatOut.of(outcome)
