"""Scoring an answer, validating QTI XML, and feedback on questions and lessons."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from api.access import Access, access
from api.deps import ActorDep, AssessmentScoringDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, window
from api.schemas.assessments import (
    FeedbackIn,
    FeedbackOut,
    FeedbackPage,
    ScoreIn,
    ScoreOut,
    ValidateIn,
    ValidationOut,
)
from api.strict_json import StrictJsonRoute
from domain.ports.assessments import FeedbackKind

router = APIRouter(
    prefix="/v1/assessments",
    tags=["assessments"],
    responses=COMMON_RESPONSES,
    route_class=StrictJsonRoute,
)

Id = Annotated[str, Path(max_length=255)]


@router.post(
    "/items/{item_id}/score",
    operation_id="score_assessment_item",
    response_model=ScoreOut,
    responses=problem_responses(401, 404, 502, 503),
    openapi_extra=access(Access.DELIVERY),
)
async def score(item_id: Id, body: ScoreIn, actor: ActorDep, scoring: AssessmentScoringDep) -> Any:
    """Score your answer with the item's response processing; nothing is stored. A learner gets
    the score and the feedback the answer earned, nothing of the answer key; the item's authors
    get QTI's whole answer."""
    return await scoring.score(actor=actor, item=item_id, response=body.response)


@router.post(
    "/validate",
    operation_id="validate_assessment_xml",
    response_model=ValidationOut,
    responses=problem_responses(401, 403, 502, 503),
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def validate(body: ValidateIn, actor: ActorDep, scoring: AssessmentScoringDep) -> Any:
    """Validate QTI 3 XML (``xml``), or stored content you author (``entityId``), against its
    schema; QTI's messages come back in ``validationErrors``."""
    return await scoring.validate(
        actor=actor, schema=body.schema_, xml=body.xml, entity_id=body.entityId
    )


async def _report(
    kind: FeedbackKind, body: FeedbackIn, actor: ActorDep, scoring: AssessmentScoringDep
) -> Any:
    return await scoring.report(actor=actor, kind=kind, body=body.wire())


@router.post(
    "/feedback/questions",
    status_code=201,
    operation_id="create_question_feedback",
    response_model=FeedbackOut,
    responses=problem_responses(401, 403, 502, 503),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def question_feedback(
    body: FeedbackIn, actor: ActorDep, scoring: AssessmentScoringDep
) -> Any:
    """Report something about a question (an item of a lesson), as yourself."""
    return await _report(FeedbackKind.QUESTION, body, actor, scoring)


@router.post(
    "/feedback/lessons",
    status_code=201,
    operation_id="create_lesson_feedback",
    response_model=FeedbackOut,
    responses=problem_responses(401, 403, 502, 503),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def lesson_feedback(body: FeedbackIn, actor: ActorDep, scoring: AssessmentScoringDep) -> Any:
    """Report something about a lesson (an assessment test), as yourself."""
    return await _report(FeedbackKind.LESSON, body, actor, scoring)


@router.get(
    "/feedback/lessons/{lesson_id}",
    operation_id="list_lesson_feedback",
    response_model=FeedbackPage,
    responses=problem_responses(401, 403, 404, 502, 503) | PAGED,
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def list_lesson_feedback(
    request: Request,
    response: Response,
    lesson_id: Id,
    actor: ActorDep,
    scoring: AssessmentScoringDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Any:
    """What people reported about a lesson and its questions (the lesson's authors)."""
    found = await scoring.lesson_feedback(actor=actor, lesson=lesson_id)
    return {
        "items": window(request, response, found, limit=limit, offset=offset),
        "total": len(found),
    }


@router.delete(
    "/feedback/{feedback_id}",
    status_code=204,
    operation_id="delete_feedback",
    response_class=Response,
    responses=problem_responses(401, 403, 404, 502, 503),
    openapi_extra=access(Access.OPERATIONS),
)
async def delete_feedback(
    feedback_id: Id, actor: ActorDep, scoring: AssessmentScoringDep
) -> Response:
    """Delete a piece of feedback (staff and admins)."""
    await scoring.delete_feedback(actor=actor, identifier=feedback_id)
    return Response(status_code=204)
