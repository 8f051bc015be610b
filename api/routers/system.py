from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.access import Access, access
from api.deps import ActorDep, SystemServiceDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.lean_routes import LeanRoute
from api.paging import PAGED, PageLimit, PageOffset, window
from api.schemas.system import (
    ComponentOut,
    Health,
    PeriodicTaskOut,
    PeriodicTaskPage,
    ReadinessOut,
    UpstreamCheckOut,
    UpstreamCheckPage,
)

router = APIRouter(tags=["system"], responses=COMMON_RESPONSES, route_class=LeanRoute)

#: what every liveness probe gets: the same bytes, encoded once
_ALIVE = Health().model_dump_json().encode()


@router.get(
    "/health",
    operation_id="health",
    response_model=None,
    responses={200: {"model": Health, "description": "Successful Response"}},
    openapi_extra=access(Access.PUBLIC),
)
async def health() -> Response:
    """The process is alive. Touches nothing else, so a slow database never restarts the pod."""
    return Response(_ALIVE, media_type="application/json")


@router.get(
    "/ready",
    operation_id="readiness",
    response_model=ReadinessOut,
    responses={
        503: {
            "model": ReadinessOut,
            "description": "Not ready; components say why",
            "content": {
                "application/json": {
                    "example": {
                        "ready": False,
                        "components": [
                            {
                                "name": "database",
                                "ok": False,
                                "detail": "schema at 0002, code expects 0003",
                            }
                        ],
                    }
                }
            },
        }
    },
    openapi_extra=access(Access.PUBLIC),
)
async def ready(system: SystemServiceDep) -> JSONResponse:
    """Ready to serve: the database answers at the newest migration and every upstream is configured."""
    report = await system.readiness()
    body = ReadinessOut(
        ready=report.ready,
        components=[ComponentOut(name=c.name, ok=c.ok, detail=c.detail) for c in report.components],
    )
    return JSONResponse(body.model_dump(), status_code=200 if report.ready else 503)


@router.get(
    "/v1/system/upstreams",
    operation_id="list_upstream_checks",
    response_model=UpstreamCheckPage,
    responses=problem_responses(401, 403) | PAGED,
    openapi_extra=access(Access.OPERATIONS),
)
async def upstream_checks(
    request: Request,
    response: Response,
    actor: ActorDep,
    system: SystemServiceDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> UpstreamCheckPage:
    """The newest reachability check of each upstream, recorded by the periodic ``upstream-health`` task."""
    checks = await system.upstream_checks(actor=actor)
    items = [
        UpstreamCheckOut(
            upstream=c.upstream,
            ok=c.ok,
            latency_ms=c.latency_ms,
            detail=c.detail,
            checked_at=c.checked_at,
        )
        for c in window(request, response, checks, limit=limit, offset=offset)
    ]
    return UpstreamCheckPage(items=items, total=len(checks))


@router.get(
    "/v1/system/tasks",
    operation_id="list_periodic_tasks",
    response_model=PeriodicTaskPage,
    responses=problem_responses(401, 403) | PAGED,
    openapi_extra=access(Access.OPERATIONS),
)
async def periodic_tasks(
    request: Request,
    response: Response,
    actor: ActorDep,
    system: SystemServiceDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> PeriodicTaskPage:
    """Periodic background tasks: schedule, last run and outcome."""
    tasks = await system.periodic_tasks(actor=actor)
    items = [
        PeriodicTaskOut(
            name=t.name,
            interval_seconds=t.interval.total_seconds(),
            next_due_at=t.next_due_at,
            last_started_at=t.last_started_at,
            last_finished_at=t.last_finished_at,
            last_outcome=t.last_outcome,
            last_error=t.last_error,
            runs=t.runs,
        )
        for t in window(request, response, tasks, limit=limit, offset=offset)
    ]
    return PeriodicTaskPage(items=items, total=len(tasks))
