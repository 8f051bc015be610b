"""Time logs, timers and timesheet exports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from api.access import Access, access
from api.deps import ActorDep, TimeLogsDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGE_HEADERS, PageLimit, PageOffset, paging_headers
from api.schemas.common import IsoDateTime
from api.schemas.timesheet_logs import (
    TIME_ZONES,
    TimeLogIn,
    TimeLogOut,
    TimeLogPage,
    TimeLogPatch,
    TimerStartIn,
    TimesheetExport,
    TimeZoneName,
)
from api.strict_json import StrictJsonRoute
from domain.models.timesheets import SyncState
from domain.services.time_logs import LogFilter
from domain.services.timesheet_export import to_csv

router = APIRouter(tags=["timesheets"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute)

BASE = "/v1/timesheets/logs"


EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of logs; with `format`, the whole period with totals.",
        "headers": PAGE_HEADERS,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "record,id,day,start,end,hours,...\r\n",
            }
        },
    }
}


@router.get(
    BASE,
    operation_id="list_time_logs",
    response_model=TimeLogPage | TimesheetExport,
    responses=problem_responses(401, 403, 422) | EXPORT_RESPONSES,
    openapi_extra=access(Access.SCOPED),
)
async def list_time_logs(
    request: Request,
    response: Response,
    actor: ActorDep,
    logs: TimeLogsDep,
    from_: Annotated[
        IsoDateTime | None,
        Query(alias="from", description="Logs starting at or after this instant."),
    ] = None,
    to: Annotated[
        IsoDateTime | None, Query(description="Logs starting before this instant.")
    ] = None,
    state: Annotated[list[SyncState] | None, Query(description="Any of these states.")] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
    format_: Annotated[
        Literal["csv", "json"] | None,
        Query(
            alias="format",
            description="Export the whole period (no paging) with totals per project and day.",
        ),
    ] = None,
    tz: Annotated[
        TimeZoneName,
        Query(
            max_length=64,
            description="IANA zone the export's days are counted in.",
            json_schema_extra={"enum": TIME_ZONES},
        ),
    ] = "UTC",
) -> TimeLogPage | TimesheetExport | Response:
    """Your logs (staff: also those of people in your orgs; admins: all), oldest first."""
    query = LogFilter(
        since=from_,
        until=to,
        states=frozenset(state) if state else None,
        limit=limit,
        offset=offset,
    )
    if format_ is None:
        items, total = await logs.list(actor=actor, query=query)
        paging_headers(request, response, limit=limit, offset=offset, total=total)
        return TimeLogPage(
            items=[TimeLogOut.of(i, logs.pushed_minutes(i)) for i in items], total=total
        )
    report = await logs.export(actor=actor, query=query, time_zone=tz)
    if format_ == "json":
        return TimesheetExport.of(report, logs.pushed_minutes)
    return Response(
        content=to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="timesheet.csv"'},
    )


@router.post(
    BASE,
    operation_id="create_time_log",
    status_code=201,
    response_model=TimeLogOut,
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def create_time_log(
    body: TimeLogIn,
    actor: ActorDep,
    logs: TimeLogsDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="Repeat a create safely: the same key and body return the first log.",
        ),
    ] = None,
) -> TimeLogOut:
    """Log time. Complete logs (project, task, start, end) are pushed to their tracker."""
    log = await logs.create(actor=actor, data=body.data(), idempotency_key=idempotency_key)
    return TimeLogOut.of(log, logs.pushed_minutes(log))


@router.get(
    f"{BASE}/{{log_id}}",
    operation_id="get_time_log",
    response_model=TimeLogOut,
    responses=problem_responses(401, 403, 404),
    openapi_extra=access(Access.SCOPED),
)
async def get_time_log(log_id: str, actor: ActorDep, logs: TimeLogsDep) -> TimeLogOut:
    """One log, with where its sync stands."""
    log = await logs.get(actor=actor, log_id=log_id)
    return TimeLogOut.of(log, logs.pushed_minutes(log))


@router.patch(
    f"{BASE}/{{log_id}}",
    operation_id="update_time_log",
    response_model=TimeLogOut,
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=access(Access.SCOPED),
)
async def update_time_log(
    log_id: str, body: TimeLogPatch, actor: ActorDep, logs: TimeLogsDep
) -> TimeLogOut:
    """Change a log; the change is pushed (a log made incomplete is removed upstream)."""
    log = await logs.update(actor=actor, log_id=log_id, changes=body.changes())
    return TimeLogOut.of(log, logs.pushed_minutes(log))


@router.delete(
    f"{BASE}/{{log_id}}",
    operation_id="delete_time_log",
    status_code=204,
    responses=problem_responses(401, 403, 404),
    openapi_extra=access(Access.SCOPED),
)
async def delete_time_log(log_id: str, actor: ActorDep, logs: TimeLogsDep) -> Response:
    """Delete a log: removed upstream first (state ``deleting``), then here."""
    await logs.delete(actor=actor, log_id=log_id)
    return Response(status_code=204)


@router.post(
    f"{BASE}/{{log_id}}/retry",
    operation_id="retry_time_log",
    response_model=TimeLogOut,
    responses=problem_responses(401, 403, 404),
    openapi_extra=access(Access.SCOPED),
)
async def retry_time_log(log_id: str, actor: ActorDep, logs: TimeLogsDep) -> TimeLogOut:
    """Push a failed log again with a fresh attempt budget; other logs are returned unchanged."""
    log = await logs.retry(actor=actor, log_id=log_id)
    return TimeLogOut.of(log, logs.pushed_minutes(log))


@router.post(
    "/v1/timesheets/timer/start",
    operation_id="start_timer",
    status_code=201,
    response_model=TimeLogOut,
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def start_timer(body: TimerStartIn, actor: ActorDep, logs: TimeLogsDep) -> TimeLogOut:
    """Start a running log now (at most one at a time); it is pushed once stopped."""
    log = await logs.start_timer(actor=actor, data=body.data())
    return TimeLogOut.of(log, logs.pushed_minutes(log))


@router.post(
    "/v1/timesheets/timer/stop",
    operation_id="stop_timer",
    response_model=TimeLogOut,
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def stop_timer(actor: ActorDep, logs: TimeLogsDep) -> TimeLogOut:
    """Stop your running log now."""
    log = await logs.stop_timer(actor=actor)
    return TimeLogOut.of(log, logs.pushed_minutes(log))
