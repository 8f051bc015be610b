from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.access import Access, access
from api.deps import ActorDep, AuditServiceDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, paging_headers
from api.schemas.common import IsoDateTime
from api.schemas.identity import AuditEventOut, AuditPage
from api.strict_json import StrictJsonRoute
from domain.models.identity import AuditQuery, Outcome

router = APIRouter(
    prefix="/v1/audit", tags=["audit"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute
)


@router.get(
    "",
    operation_id="list_audit_events",
    response_model=AuditPage,
    responses=problem_responses(401, 403) | PAGED,
    openapi_extra=access(Access.ADMIN),
)
async def list_audit_events(
    request: Request,
    response: Response,
    actor: ActorDep,
    audit: AuditServiceDep,
    actor_account_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=200)] = None,
    resource_type: Annotated[str | None, Query(max_length=100)] = None,
    outcome: Outcome | None = None,
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> AuditPage:
    """Every write made through the BFF, newest first (admins only)."""
    items, total = await audit.query(
        actor=actor,
        query=AuditQuery(
            actor_account_id=actor_account_id,
            action=action,
            resource_type=resource_type,
            outcome=outcome,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        ),
    )
    paging_headers(request, response, limit=limit, offset=offset, total=total)
    return AuditPage(items=[AuditEventOut.of(e) for e in items], total=total)
