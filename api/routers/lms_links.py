"""Class-to-course links: a OneRoster class kept in step with an Open edX course."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.access import Access, access
from api.deps import ActorDep, LmsLinksDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, paging_headers
from api.schemas.common import SourcedId
from api.schemas.lms_links import (
    CourseKey,
    DiffOut,
    LinkCreate,
    LinkCreated,
    LinkDetail,
    LinkOut,
    LinkPage,
    LinkRunOut,
    PersonStepOut,
    ProgressPage,
    RunDetail,
    RunStarted,
    StudentProgressOut,
)
from api.strict_json import StrictJsonRoute
from domain.services.lms_links import NewLink

router = APIRouter(tags=["lms links"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute)

DryRun = Annotated[
    bool, Query(description="Show what would happen; store nothing, write nothing upstream.")
]


@router.post(
    "/v1/lms/links",
    operation_id="create_lms_link",
    status_code=201,
    response_model=LinkCreated,
    responses=problem_responses(401, 403, 409, 422, 502, 503),
    openapi_extra=access(Access.LMS_LINKS),
)
async def create_lms_link(
    body: LinkCreate, actor: ActorDep, links: LmsLinksDep, dry_run: DryRun = False
) -> LinkCreated:
    """Link a class to an Open edX course and start its first run: every student enrolled
    (accounts made when missing, matched by email, no activation mail), drops unenrolled as the
    roster changes. Staff and admins, for classes they reach."""
    link, run, plan = await links.create(
        actor=actor,
        new=NewLink(class_id=body.class_id, course_id=body.course_id, keep_drops=body.keep_drops),
        dry_run=dry_run,
    )
    return LinkCreated(
        link=LinkOut.of(link, stored=not dry_run),
        run=LinkRunOut.of(run) if run else None,
        plan=DiffOut.of(plan),
        dry_run=dry_run,
    )


@router.get(
    "/v1/lms/links",
    operation_id="list_lms_links",
    response_model=LinkPage,
    responses=problem_responses(401, 403) | PAGED,
    openapi_extra=access(Access.LMS_LINKS),
)
async def list_lms_links(
    request: Request,
    response: Response,
    actor: ActorDep,
    links: LmsLinksDep,
    class_: Annotated[
        SourcedId | None, Query(alias="class", description="A class's links.")
    ] = None,
    course: Annotated[CourseKey | None, Query(description="A course's links.")] = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> LinkPage:
    """Links of the classes the caller reaches: of one class (``class=``), one course
    (``course=``), or all."""
    items, total = await links.list(
        actor=actor, class_id=class_, course_id=course, limit=limit, offset=offset
    )
    paging_headers(request, response, limit=limit, offset=offset, total=total)
    return LinkPage(items=[LinkOut.of(x) for x in items], total=total)


@router.get(
    "/v1/lms/links/{link_id}",
    operation_id="get_lms_link",
    response_model=LinkDetail,
    responses=problem_responses(401, 403, 404, 502, 503),
    openapi_extra=access(Access.LMS_LINKS),
)
async def get_lms_link(link_id: str, actor: ActorDep, links: LmsLinksDep) -> LinkDetail:
    """The link, its last run and the one under way, and class against course now: who a run
    would enroll, who it would drop, how many are in step."""
    view = await links.view(actor=actor, link_id=link_id)
    return LinkDetail(
        link=LinkOut.of(view.link),
        last_run=LinkRunOut.of(view.last_run) if view.last_run else None,
        open_run=LinkRunOut.of(view.open_run) if view.open_run else None,
        diff=DiffOut.of(view.diff) if view.diff else None,
    )


@router.delete(
    "/v1/lms/links/{link_id}",
    operation_id="delete_lms_link",
    status_code=204,
    responses=problem_responses(401, 403, 404),
    openapi_extra=access(Access.LMS_LINKS),
)
async def delete_lms_link(link_id: str, actor: ActorDep, links: LmsLinksDep) -> Response:
    """Unlink: runs stop following the class; the course keeps whoever is enrolled."""
    await links.delete(actor=actor, link_id=link_id)
    return Response(status_code=204)


@router.post(
    "/v1/lms/links/{link_id}/runs",
    operation_id="start_lms_link_run",
    status_code=202,
    response_model=RunStarted,
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=access(Access.LMS_LINKS),
)
async def start_lms_link_run(
    link_id: str, actor: ActorDep, links: LmsLinksDep, dry_run: DryRun = False
) -> RunStarted:
    """Bring the course in step with the class now (in the background; a run under way is
    joined, not doubled)."""
    run, plan = await links.run(actor=actor, link_id=link_id, dry_run=dry_run)
    return RunStarted(
        run=LinkRunOut.of(run) if run else None,
        plan=DiffOut.of(plan) if plan else None,
        dry_run=dry_run,
    )


@router.get(
    "/v1/lms/links/{link_id}/runs/{link_run_id}",
    operation_id="get_lms_link_run",
    response_model=RunDetail,
    responses=problem_responses(401, 403, 404) | PAGED,
    openapi_extra=access(Access.LMS_LINKS),
)
async def get_lms_link_run(
    request: Request,
    response: Response,
    link_id: str,
    link_run_id: str,
    actor: ActorDep,
    links: LmsLinksDep,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> RunDetail:
    """A run and, a page at a time, what it did for each person: enrolled, already enrolled,
    account created, unenrolled, kept, or refused with the reason."""
    run, steps, total = await links.get_run(
        actor=actor, link_id=link_id, run_id=link_run_id, limit=limit, offset=offset
    )
    paging_headers(request, response, limit=limit, offset=offset, total=total)
    return RunDetail(
        run=LinkRunOut.of(run), people=[PersonStepOut.of(s) for s in steps], total=total
    )


@router.get(
    "/v1/lms/links/{link_id}/progress",
    operation_id="lms_link_progress",
    response_model=ProgressPage,
    responses=problem_responses(401, 403, 404, 502, 503) | PAGED,
    openapi_extra=access(Access.LMS_LINKS),
)
async def lms_link_progress(
    request: Request,
    response: Response,
    link_id: str,
    actor: ActorDep,
    links: LmsLinksDep,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> ProgressPage:
    """Each student of the class with their enrollment and certificate in the course, from Open
    edX's analytics."""
    items, total = await links.progress(actor=actor, link_id=link_id, limit=limit, offset=offset)
    paging_headers(request, response, limit=limit, offset=offset, total=total)
    return ProgressPage(items=[StudentProgressOut.of(p) for p in items], total=total)
