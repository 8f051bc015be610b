"""The lesson catalogue of a learner's app: a course's lessons from the roster cache."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.access import Access, access
from api.deps import ActorDep, LearningLessonsDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, paging_headers
from api.schemas.common import SourcedId
from api.schemas.learning_lessons import LessonOut, LessonPage
from api.strict_json import StrictJsonRoute

router = APIRouter(tags=["learning"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute)


@router.get(
    "/v1/learning/lessons",
    operation_id="list_learning_lessons",
    response_model=LessonPage,
    responses=problem_responses(401, 403, 404, 422) | PAGED,
    openapi_extra=access(Access.SCOPED),
)
async def list_learning_lessons(
    request: Request,
    response: Response,
    actor: ActorDep,
    lessons: LearningLessonsDep,
    course: Annotated[SourcedId, Query(description="The course's sourcedId.")],
    learner: Annotated[
        SourcedId | None,
        Query(description="A learner enrolled in the course, whose learning you may read."),
    ] = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> LessonPage:
    """A course's lessons (component resources; each id is a PowerPath lesson id) with their
    type, unit and resource, ordered by unit then lesson, from the local roster cache in one
    query. For whoever reaches the course: its students and their guardians, its teachers,
    staff of its school, admins."""
    items, total = await lessons.lessons(
        actor=actor, course_id=course, learner_id=learner, limit=limit, offset=offset
    )
    paging_headers(request, response, limit=limit, offset=offset, total=total)
    return LessonPage(items=[LessonOut.of(x) for x in items], total=total)
