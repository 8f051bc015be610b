"""``/v1/learning``: a learner's placement, screening, lesson plans, syllabus and test assignments
at PowerPath (docs/api.md, "Learning"). Who may: ``domain/services/learning_plans.py``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.access import Access, access
from api.deps import ActorDep, LearningPlansDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, paging_headers, window
from api.schemas.common import SourcedId
from api.schemas.learning_plans import (
    AssignmentStatus,
    AssignmentSubject,
    BulkAssigned,
    BulkTestAssignments,
    Grade,
    NextPlacementTestOut,
    PlacementLevelOut,
    PlacementOut,
    PlacementReset,
    PlacementResetOut,
    PlacementTestOut,
    PlacementTestPage,
    ScreeningAssign,
    ScreeningAssigned,
    ScreeningAssignmentOut,
    ScreeningResultOut,
    ScreeningResultPage,
    ScreeningSessionOut,
    Subject,
    SubjectProgressOut,
    SubjectProgressPage,
    TestAssignmentIn,
    TestAssignmentOut,
    TestAssignmentPage,
)
from api.schemas.lesson_plans import (
    OperationIn,
    OperationOut,
    OperationPage,
    PlanOut,
    ProgressItemOut,
    ProgressPage,
    StructurePage,
    SyllabusOut,
    structure_units,
)
from api.strict_json import StrictJsonRoute
from domain.ports.learning_plans import NewTestAssignment

router = APIRouter(tags=["learning"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute)

LEARNER = access(Access.LEARNER)
READS = problem_responses(401, 403, 404, 422, 502, 503)
WRITES = problem_responses(401, 403, 404, 422, 502, 503)
SubjectQ = Annotated[Subject, Query(description="The subject (PowerPath's name).")]


# -- placement --------------------------------------------------------------------------------


@router.get(
    "/v1/learning/placement/{learner}",
    operation_id="get_placement",
    response_model=PlacementOut,
    responses=READS,
    openapi_extra=LEARNER,
)
async def get_placement(
    learner: SourcedId, subject: SubjectQ, actor: ActorDep, service: LearningPlansDep
) -> PlacementOut:
    """The learner's placement in a subject in one answer: its placement tests with their
    results, the level reached, the next test and progress per course of the subject."""
    found = await service.placement(actor=actor, learner=learner, subject=subject)
    return PlacementOut(
        learner=learner,
        subject=subject,
        tests=[PlacementTestOut.of(t) for t in found.tests],
        level=PlacementLevelOut.of(subject, found.level),
        next=NextPlacementTestOut.of(subject, found.next_test),
        progress=[SubjectProgressOut.of(p) for p in found.progress],
    )


@router.get(
    "/v1/learning/placement/{learner}/tests",
    operation_id="list_placement_tests",
    response_model=PlacementTestPage,
    responses=READS | PAGED,
    openapi_extra=LEARNER,
)
async def list_placement_tests(
    request: Request,
    response: Response,
    learner: SourcedId,
    subject: SubjectQ,
    actor: ActorDep,
    service: LearningPlansDep,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> PlacementTestPage:
    """The subject's placement tests, lowest grade first, with the learner's results."""
    found = await service.placement_tests(actor=actor, learner=learner, subject=subject)
    items = [
        PlacementTestOut.of(t) for t in window(request, response, found, limit=limit, offset=offset)
    ]
    return PlacementTestPage(items=items, total=len(found))


@router.get(
    "/v1/learning/placement/{learner}/level",
    operation_id="get_placement_level",
    response_model=PlacementLevelOut,
    responses=READS,
    openapi_extra=LEARNER,
)
async def get_placement_level(
    learner: SourcedId, subject: SubjectQ, actor: ActorDep, service: LearningPlansDep
) -> PlacementLevelOut:
    """The grade the learner placed at in the subject."""
    found = await service.placement_level(actor=actor, learner=learner, subject=subject)
    return PlacementLevelOut.of(subject, found)


@router.get(
    "/v1/learning/placement/{learner}/next",
    operation_id="get_next_placement_test",
    response_model=NextPlacementTestOut,
    responses=READS,
    openapi_extra=LEARNER,
)
async def get_next_placement_test(
    learner: SourcedId, subject: SubjectQ, actor: ActorDep, service: LearningPlansDep
) -> NextPlacementTestOut:
    """The placement test the learner takes next in the subject."""
    found = await service.next_placement_test(actor=actor, learner=learner, subject=subject)
    return NextPlacementTestOut.of(subject, found)


@router.get(
    "/v1/learning/placement/{learner}/progress",
    operation_id="list_subject_progress",
    response_model=SubjectProgressPage,
    responses=READS | PAGED,
    openapi_extra=LEARNER,
)
async def list_subject_progress(
    request: Request,
    response: Response,
    learner: SourcedId,
    subject: SubjectQ,
    actor: ActorDep,
    service: LearningPlansDep,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> SubjectProgressPage:
    """The learner's progress in each course of the subject (lessons done, XP)."""
    found = await service.subject_progress(actor=actor, learner=learner, subject=subject)
    items = [
        SubjectProgressOut.of(p)
        for p in window(request, response, found, limit=limit, offset=offset)
    ]
    return SubjectProgressPage(items=items, total=len(found))


@router.post(
    "/v1/learning/placement/{learner}/reset",
    operation_id="reset_placement",
    response_model=PlacementResetOut,
    responses=WRITES,
    openapi_extra=LEARNER,
)
async def reset_placement(
    learner: SourcedId, body: PlacementReset, actor: ActorDep, service: LearningPlansDep
) -> PlacementResetOut:
    """Set the learner's placement in a subject aside (their placement results are dropped).
    Staff of the learner's orgs and admins only."""
    found = await service.reset_placement(actor=actor, learner=learner, subject=body.subject)
    return PlacementResetOut.of(found)


# -- screening --------------------------------------------------------------------------------


@router.get(
    "/v1/learning/screening/{learner}/results",
    operation_id="list_screening_results",
    response_model=ScreeningResultPage,
    responses=READS | PAGED,
    openapi_extra=LEARNER,
)
async def list_screening_results(
    request: Request,
    response: Response,
    learner: SourcedId,
    actor: ActorDep,
    service: LearningPlansDep,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> ScreeningResultPage:
    """The learner's screening results, one per subject PowerPath reports."""
    found = await service.screening_results(actor=actor, learner=learner)
    rows = [ScreeningResultOut.of(subject, result) for subject, result in found.items()]
    return ScreeningResultPage(
        items=window(request, response, rows, limit=limit, offset=offset), total=len(rows)
    )


@router.get(
    "/v1/learning/screening/{learner}/session",
    operation_id="get_screening_session",
    response_model=ScreeningSessionOut,
    responses=READS,
    openapi_extra=LEARNER,
)
async def get_screening_session(
    learner: SourcedId, actor: ActorDep, service: LearningPlansDep
) -> ScreeningSessionOut:
    """The learner's screening session: their test login and the test assigned."""
    return ScreeningSessionOut.of(await service.screening_session(actor=actor, learner=learner))


@router.post(
    "/v1/learning/screening/{learner}/session/reset",
    operation_id="reset_screening_session",
    response_model=ScreeningSessionOut,
    responses=WRITES,
    openapi_extra=LEARNER,
)
async def reset_screening_session(
    learner: SourcedId, actor: ActorDep, service: LearningPlansDep
) -> ScreeningSessionOut:
    """A new screening session for the learner (no test assigned); answers it."""
    found = await service.reset_screening_session(actor=actor, learner=learner)
    return ScreeningSessionOut.of(found)


@router.post(
    "/v1/learning/screening/{learner}/assign",
    operation_id="assign_screening_test",
    response_model=ScreeningAssigned,
    responses=WRITES,
    openapi_extra=LEARNER,
)
async def assign_screening_test(
    learner: SourcedId, body: ScreeningAssign, actor: ActorDep, service: LearningPlansDep
) -> ScreeningAssigned:
    """Assign the learner the screening test of a subject. Their teachers, staff of their orgs
    and admins."""
    found = await service.assign_screening(actor=actor, learner=learner, subject=body.subject)
    return ScreeningAssigned(
        learner=learner,
        subject=body.subject,
        assignments=[ScreeningAssignmentOut.of(a) for a in found],
    )


# -- lesson plans and the syllabus ------------------------------------------------------------


@router.get(
    "/v1/learning/plans/{course}/{learner}",
    operation_id="get_lesson_plan",
    response_model=PlanOut,
    responses=READS,
    openapi_extra=LEARNER,
)
async def get_lesson_plan(
    course: SourcedId, learner: SourcedId, actor: ActorDep, service: LearningPlansDep
) -> PlanOut:
    """The learner's lesson plan of a course they take: its units and lessons as they will meet
    them (skipped, moved and added ones included). Made at PowerPath when missing."""
    return PlanOut.of(learner, await service.plan_tree(actor=actor, course=course, learner=learner))


@router.get(
    "/v1/learning/plans/{course}/{learner}/progress",
    operation_id="list_course_progress",
    response_model=ProgressPage,
    responses=READS | PAGED,
    openapi_extra=LEARNER,
)
async def list_course_progress(
    request: Request,
    response: Response,
    course: SourcedId,
    learner: SourcedId,
    actor: ActorDep,
    service: LearningPlansDep,
    lesson: Annotated[SourcedId | None, Query(description="One lesson's progress.")] = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> ProgressPage:
    """The learner's results in each lesson of the course."""
    found = await service.course_progress(
        actor=actor, course=course, learner=learner, lesson=lesson
    )
    items = [
        ProgressItemOut.of(x) for x in window(request, response, found, limit=limit, offset=offset)
    ]
    return ProgressPage(items=items, total=len(found))


@router.get(
    "/v1/learning/plans/{course}/{learner}/structure",
    operation_id="list_lesson_plan_structure",
    response_model=StructurePage,
    responses=READS | PAGED,
    openapi_extra=LEARNER,
)
async def list_lesson_plan_structure(
    request: Request,
    response: Response,
    course: SourcedId,
    learner: SourcedId,
    actor: ActorDep,
    service: LearningPlansDep,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> StructurePage:
    """The plan's outline: its units in order, each with its lessons (ids, order, skipped)."""
    units = structure_units(
        await service.plan_structure(actor=actor, course=course, learner=learner)
    )
    return StructurePage(
        items=window(request, response, units, limit=limit, offset=offset), total=len(units)
    )


@router.get(
    "/v1/learning/plans/{course}/{learner}/operations",
    operation_id="list_lesson_plan_operations",
    response_model=OperationPage,
    responses=READS | PAGED,
    openapi_extra=LEARNER,
)
async def list_lesson_plan_operations(
    request: Request,
    response: Response,
    course: SourcedId,
    learner: SourcedId,
    actor: ActorDep,
    service: LearningPlansDep,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> OperationPage:
    """The plan's changes, oldest first (PowerPath replays them over the course)."""
    found = await service.plan_operations(actor=actor, course=course, learner=learner)
    items = [
        OperationOut.of(x) for x in window(request, response, found, limit=limit, offset=offset)
    ]
    return OperationPage(items=items, total=len(found))


@router.post(
    "/v1/learning/plans/{course}/{learner}/operations",
    operation_id="store_lesson_plan_operation",
    status_code=201,
    response_model=OperationOut,
    responses=WRITES,
    openapi_extra=LEARNER,
)
async def store_lesson_plan_operation(
    course: SourcedId,
    learner: SourcedId,
    body: OperationIn,
    actor: ActorDep,
    service: LearningPlansDep,
) -> OperationOut:
    """Change the learner's plan: skip or unskip, move, re-parent, add a resource. The learner's
    teachers, staff of their orgs and admins. An operation naming what the plan does not hold is
    a 422 and is not stored."""
    stored = await service.store_operation(
        actor=actor, course=course, learner=learner, operation=body.wire(), reason=body.reason
    )
    return OperationOut.of(stored.operation)


@router.get(
    "/v1/learning/syllabus/{course}",
    operation_id="get_course_syllabus",
    response_model=SyllabusOut,
    responses=READS,
    openapi_extra=LEARNER,
)
async def get_course_syllabus(
    course: SourcedId, actor: ActorDep, service: LearningPlansDep
) -> SyllabusOut:
    """The course's units and lessons as the course defines them. Whoever reaches a class of
    the course."""
    return SyllabusOut.of(await service.syllabus(actor=actor, course=course))


# -- test assignments -------------------------------------------------------------------------


@router.get(
    "/v1/learning/test-assignments",
    operation_id="list_test_assignments",
    response_model=TestAssignmentPage,
    responses=READS | PAGED,
    openapi_extra=LEARNER,
)
async def list_test_assignments(
    request: Request,
    response: Response,
    actor: ActorDep,
    service: LearningPlansDep,
    learner: Annotated[
        SourcedId | None, Query(description="The student (default: the caller).")
    ] = None,
    status: AssignmentStatus | None = None,
    subject: AssignmentSubject | None = None,
    grade: Grade | None = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> TestAssignmentPage:
    """The tests assigned to a learner, newest last."""
    page = await service.test_assignments(
        actor=actor,
        learner=learner,
        limit=limit,
        offset=offset,
        status=status,
        subject=subject,
        grade=grade,
    )
    paging_headers(request, response, limit=limit, offset=offset, total=page.total)
    return TestAssignmentPage(items=[TestAssignmentOut.of(x) for x in page.items], total=page.total)


@router.post(
    "/v1/learning/test-assignments",
    operation_id="create_test_assignment",
    status_code=201,
    response_model=TestAssignmentOut,
    responses=WRITES,
    openapi_extra=LEARNER,
)
async def create_test_assignment(
    body: TestAssignmentIn, actor: ActorDep, service: LearningPlansDep
) -> TestAssignmentOut:
    """Assign a learner the placement test of a subject and grade. Their teachers, staff of their
    orgs and admins."""
    learner = service.learner_of(actor, body.learner)
    new = NewTestAssignment(
        learner=learner, subject=body.subject, grade=body.grade, test_name=body.test_name
    )
    return TestAssignmentOut.of(await service.assign_test(actor=actor, new=new))


@router.post(
    "/v1/learning/test-assignments/bulk",
    operation_id="create_test_assignments",
    response_model=BulkAssigned,
    responses=WRITES,
    openapi_extra=LEARNER,
)
async def create_test_assignments(
    body: BulkTestAssignments, actor: ActorDep, service: LearningPlansDep
) -> BulkAssigned:
    """Assign tests to many learners at once; every learner is checked before any is assigned.
    Staff (for learners of their orgs) and admins. PowerPath's refusal of a row is listed in
    ``errors``; the other rows are assigned."""
    items = [
        NewTestAssignment(
            learner=x.learner, subject=x.subject, grade=x.grade, test_name=x.test_name
        )
        for x in body.items
    ]
    return BulkAssigned.of(await service.assign_tests(actor=actor, items=items))


@router.get(
    "/v1/learning/test-assignments/{assignment_id}",
    operation_id="get_test_assignment",
    response_model=TestAssignmentOut,
    responses=READS,
    openapi_extra=LEARNER,
)
async def get_test_assignment(
    assignment_id: SourcedId, actor: ActorDep, service: LearningPlansDep
) -> TestAssignmentOut:
    """One test assignment, for whoever may read its learner's learning."""
    found = await service.test_assignment(actor=actor, assignment_id=assignment_id)
    return TestAssignmentOut.of(found)
