from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.access import Access, access
from api.deps import ActorDep, SyncAdminDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, paging_headers
from api.schemas.sync import ChangeFeed, ChangeOut, SyncRequest, SyncRunOut, SyncRunPage
from api.strict_json import StrictJsonRoute

router = APIRouter(tags=["sync"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute)


@router.post(
    "/v1/sync/runs",
    operation_id="start_sync_run",
    status_code=202,
    response_model=SyncRunOut,
    responses=problem_responses(401, 403),
    openapi_extra=access(Access.ADMIN),
)
async def start_sync_run(body: SyncRequest, actor: ActorDep, sync: SyncAdminDep) -> SyncRunOut:
    """Start a roster sync now (admins). It runs in the background; follow it at its URL."""
    return SyncRunOut.of(await sync.request(actor=actor, kind=body.kind))


@router.get(
    "/v1/sync/runs",
    operation_id="list_sync_runs",
    response_model=SyncRunPage,
    responses=problem_responses(401, 403) | PAGED,
    openapi_extra=access(Access.OPERATIONS),
)
async def list_sync_runs(
    request: Request,
    response: Response,
    actor: ActorDep,
    sync: SyncAdminDep,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> SyncRunPage:
    """Roster sync runs, newest first, with each entity's progress."""
    runs, total = await sync.runs(actor=actor, limit=limit, offset=offset)
    paging_headers(request, response, limit=limit, offset=offset, total=total)
    return SyncRunPage(items=[SyncRunOut.of(r) for r in runs], total=total)


@router.get(
    "/v1/sync/runs/{run_id}",
    operation_id="get_sync_run",
    response_model=SyncRunOut,
    responses=problem_responses(401, 403, 404),
    openapi_extra=access(Access.OPERATIONS),
)
async def get_sync_run(run_id: str, actor: ActorDep, sync: SyncAdminDep) -> SyncRunOut:
    """One run: per entity, pages done of total, rows and errors."""
    return SyncRunOut.of(await sync.run(actor=actor, run_id=run_id))


@router.get(
    "/v1/roster/changes",
    operation_id="roster_changes",
    response_model=ChangeFeed,
    responses=problem_responses(401, 403),
    openapi_extra=access(Access.OPERATIONS),
)
async def roster_changes(
    actor: ActorDep,
    sync: SyncAdminDep,
    cursor: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> ChangeFeed:
    """Upserts and deletes in the order they reached the cache: keep a copy fresh without re-reading."""
    changes, next_cursor = await sync.changes(actor=actor, cursor=cursor, limit=limit)
    return ChangeFeed(changes=[ChangeOut.of(c) for c in changes], next_cursor=next_cursor)
