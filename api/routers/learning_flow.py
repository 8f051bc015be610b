"""The learner flow: start a lesson, its next question (delivery form), answer, complete, the
attempts; and completing an activity PowerPath does not score. Completions write the gradebook
result and the Caliper event exactly once (docs/api.md, "Learner flow")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from api.access import Access, access
from api.deps import ActorDep, get_container
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, window
from api.schemas.learning_flow import (
    ActivityCompleteIn,
    ActivityCompleteOut,
    AnswerIn,
    AnswerOut,
    AttemptDetailOut,
    AttemptPage,
    CompleteOut,
    LearnerIn,
    NextOut,
    StartOut,
)
from api.strict_json import StrictJsonRoute
from domain.services.activity_completion import ActivityCompletionService
from domain.services.learner_flow import LearnerFlowService

router = APIRouter(tags=["learning"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute)

BASE = "/v1/learning/lessons/{lesson}"


async def get_learner_flow(request: Request) -> LearnerFlowService:
    return (await get_container(request)).learner_flow()


async def get_activity_completion(request: Request) -> ActivityCompletionService:
    return (await get_container(request)).activity_completion()


FlowDep = Annotated[LearnerFlowService, Depends(get_learner_flow)]
ActivityDep = Annotated[ActivityCompletionService, Depends(get_activity_completion)]
Lesson = Annotated[
    str, Path(min_length=1, max_length=255, description="The PowerPath lesson (resource) id.")
]
LearnerQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=255, description="The learner (sourcedId); defaults to you."),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Repeat the request safely: the same key and body answer the first answer; "
        "the same key with another body is a 422.",
    ),
]


@router.post(
    f"{BASE}/start",
    operation_id="start_lesson",
    response_model=StartOut,
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=access(Access.LEARNER),
)
async def start_lesson(
    lesson: Lesson, actor: ActorDep, flow: FlowDep, body: LearnerIn | None = None
) -> dict[str, object]:
    """The open attempt's progress; a new attempt when the last one is finalized or none was
    made. Questions come in their delivery form."""
    return await flow.start(actor=actor, lesson=lesson, learner=body.learner if body else None)


@router.get(
    f"{BASE}/next",
    operation_id="next_question",
    response_model=NextOut,
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=access(Access.LEARNER),
)
async def next_question(
    lesson: Lesson, actor: ActorDep, flow: FlowDep, learner: LearnerQuery = None
) -> dict[str, object]:
    """The question to answer now (adaptive practice chooses it by the score), in its delivery
    form; `{"question": null, "done": true}` when there is none left."""
    return await flow.next(actor=actor, lesson=lesson, learner=learner)


@router.post(
    f"{BASE}/answer",
    operation_id="answer_question",
    response_model=AnswerOut,
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=access(Access.LEARNER),
)
async def answer_question(
    lesson: Lesson,
    body: AnswerIn,
    actor: ActorDep,
    flow: FlowDep,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """Answer a question PowerPath served in this attempt: scored, with feedback and the
    attempt's progress. A question not served in the attempt is a 422; one already answered a
    409 (with an `Idempotency-Key`, the repeat answers the first answer)."""
    return await flow.answer(
        actor=actor,
        lesson=lesson,
        learner=body.learner,
        question=body.question,
        response=body.response,
        idempotency_key=idempotency_key,
    )


@router.post(
    f"{BASE}/complete",
    operation_id="complete_lesson",
    response_model=CompleteOut,
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=access(Access.LEARNER),
)
async def complete_lesson(
    lesson: Lesson,
    actor: ActorDep,
    flow: FlowDep,
    body: LearnerIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """Finalize the attempt and record it once: the gradebook assessment result and a Caliper
    `ActivityEvent`. A repeat (same key, or none: a double tap) answers the first completion;
    `side_effects` says what is delivered and what is still pending."""
    return await flow.complete(
        actor=actor,
        lesson=lesson,
        learner=body.learner if body else None,
        idempotency_key=idempotency_key,
    )


@router.get(
    f"{BASE}/attempts",
    operation_id="list_lesson_attempts",
    response_model=AttemptPage,
    responses=problem_responses(401, 403, 404, 422) | PAGED,
    openapi_extra=access(Access.LEARNER),
)
async def list_attempts(
    request: Request,
    response: Response,
    lesson: Lesson,
    actor: ActorDep,
    flow: FlowDep,
    learner: LearnerQuery = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> dict[str, object]:
    """The learner's attempts at the lesson, oldest first, each with its completion's side
    effects (PowerPath answers a lesson's attempts whole: a handful)."""
    items = await flow.attempts(actor=actor, lesson=lesson, learner=learner)
    page = window(request, response, items, limit=limit, offset=offset)
    return {"items": page, "total": len(items)}


@router.get(
    f"{BASE}/attempts/{{number}}",
    operation_id="get_lesson_attempt",
    response_model=AttemptDetailOut,
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=access(Access.LEARNER),
)
async def get_attempt(
    lesson: Lesson,
    number: Annotated[int, Path(ge=1, le=100_000)],
    actor: ActorDep,
    flow: FlowDep,
    learner: LearnerQuery = None,
) -> dict[str, object]:
    """One attempt, its questions (delivery form) and its completion's side effects."""
    return await flow.attempt(actor=actor, lesson=lesson, learner=learner, number=number)


@router.post(
    "/v1/learning/activity/complete",
    operation_id="complete_activity",
    response_model=ActivityCompleteOut,
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=access(Access.LEARNER),
)
async def complete_activity(
    body: ActivityCompleteIn,
    actor: ActorDep,
    activities: ActivityDep,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """An activity PowerPath does not score (video, article, external tool) is done: the
    caller's metrics go to the gradebook and a Caliper `ActivityEvent`, exactly once."""
    return await activities.complete(actor=actor, data=body.data(), idempotency_key=idempotency_key)
