"""Connecting time trackers, and the project search over every connected one."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.access import Access, access
from api.deps import ActorDep, ContainerDep, IntegrationsDep, ProjectSearchDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, window
from api.sandbox_redirects import callback_url, for_browser
from api.schemas.timesheet_integrations import (
    ConnectionTestOut,
    ConnectOut,
    ConnectRequest,
    IntegrationOut,
    IntegrationPage,
    ProjectSearchOut,
    TrackerKindOut,
    TrackerKindPage,
)
from api.strict_json import StrictJsonRoute
from domain.errors import DomainError, PermissionDenied

router = APIRouter(tags=["timesheets"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute)


BASE = "/v1/timesheets/integrations"


@router.get(
    f"{BASE}/kinds",
    operation_id="list_tracker_kinds",
    response_model=TrackerKindPage,
    responses=problem_responses(401) | PAGED,
    openapi_extra=access(Access.AUTHENTICATED),
)
async def list_tracker_kinds(
    request: Request,
    response: Response,
    _actor: ActorDep,
    integrations: IntegrationsDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> TrackerKindPage:
    """The trackers this BFF can connect to, and the data centres each offers."""
    kinds = integrations.kinds()
    page = window(request, response, kinds, limit=limit, offset=offset)
    return TrackerKindPage(items=[TrackerKindOut.of(k) for k in page], total=len(kinds))


@router.post(
    f"{BASE}/connect",
    operation_id="connect_integration",
    response_model=ConnectOut,
    responses=problem_responses(401, 403, 404),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def connect_integration(
    body: ConnectRequest,
    request: Request,
    actor: ActorDep,
    integrations: IntegrationsDep,
    container: ContainerDep,
) -> ConnectOut:
    """Start connecting a tracker: send the browser to `authorization_url`. The tracker sends it
    back to the callback, which stores the integration. Connecting a workspace you already have
    reconnects it."""
    settings = container.settings
    group = settings.integrations
    url = await integrations.start(
        actor=actor,
        kind=body.kind,
        data_centre=body.data_centre,
        workspace_id=body.workspace_id,
        redirect_url=callback_url(request, settings, "integration_callback", group, "callback_url"),
    )
    return ConnectOut(authorization_url=for_browser(url, request, settings))


@router.get(
    f"{BASE}/callback",
    operation_id="integration_callback",
    response_model=IntegrationOut,
    responses={
        303: {"description": "Back to the front end, when a return URL is configured."},
        **problem_responses(401, 403, 404, 409, 422, 502, 503),
    },
    openapi_extra=access(Access.PUBLIC),
)
async def integration_callback(
    container: ContainerDep,
    integrations: IntegrationsDep,
    state: Annotated[str, Query(min_length=1, max_length=4096)],
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    location: Annotated[str | None, Query(max_length=50)] = None,
    accounts_server: Annotated[str | None, Query(alias="accounts-server", max_length=200)] = None,
) -> Response | IntegrationOut:
    """Where the tracker sends the browser back. Needs no login: the sealed `state` says who
    started the connection, and expires (a forged or expired one is a 401; a refused grant, 403;
    a refused code, 409). Answers JSON, or redirects to the configured front end
    with `integration_id` (or `error`) in the query."""
    return_url = container.settings.integrations.return_url
    try:
        if error:
            raise PermissionDenied(f"The tracker did not grant access ({error}).")
        if not code:
            raise PermissionDenied("The tracker sent no authorization code.")
        integration = await integrations.callback(
            code=code, state=state, location=location, accounts_server=accounts_server
        )
    except DomainError as exc:
        if not return_url:
            raise
        return RedirectResponse(_with_query(return_url, error=exc.detail), status_code=303)
    if return_url:
        return RedirectResponse(
            _with_query(return_url, integration_id=integration.id, status=integration.status),
            status_code=303,
        )
    return IntegrationOut.of(integration)


@router.get(
    BASE,
    operation_id="list_integrations",
    response_model=IntegrationPage,
    responses=problem_responses(401) | PAGED,
    openapi_extra=access(Access.AUTHENTICATED),
)
async def list_integrations(
    request: Request,
    response: Response,
    actor: ActorDep,
    integrations: IntegrationsDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> IntegrationPage:
    """Your integrations; one whose grant died says `reconnect_needed` and why."""
    found = await integrations.list_integrations(actor=actor)
    page = window(request, response, found, limit=limit, offset=offset)
    return IntegrationPage(items=[IntegrationOut.of(i) for i in page], total=len(found))


@router.get(
    f"{BASE}/{{integration_id}}",
    operation_id="get_integration",
    response_model=IntegrationOut,
    responses=problem_responses(401, 404),
    openapi_extra=access(Access.OWNED),
)
async def get_integration(
    integration_id: str, actor: ActorDep, integrations: IntegrationsDep
) -> IntegrationOut:
    return IntegrationOut.of(await integrations.get(actor=actor, integration_id=integration_id))


@router.post(
    f"{BASE}/{{integration_id}}/test",
    operation_id="test_integration",
    response_model=ConnectionTestOut,
    responses=problem_responses(401, 403, 404),
    openapi_extra=access(Access.OWNED),
)
async def test_integration(
    integration_id: str, actor: ActorDep, integrations: IntegrationsDep
) -> ConnectionTestOut:
    """Refresh the grant and list projects. A failure is reported in the body (`ok: false`), and
    a dead grant marks the integration `reconnect_needed`."""
    return ConnectionTestOut.of(await integrations.test(actor=actor, integration_id=integration_id))


@router.delete(
    f"{BASE}/{{integration_id}}",
    operation_id="disconnect_integration",
    status_code=204,
    responses=problem_responses(401, 403, 404),
    openapi_extra=access(Access.OWNED),
)
async def disconnect_integration(
    integration_id: str, actor: ActorDep, integrations: IntegrationsDep
) -> Response:
    """Revoke the grant at the tracker (best effort) and forget the integration."""
    await integrations.disconnect(actor=actor, integration_id=integration_id)
    return Response(status_code=204)


@router.get(
    "/v1/timesheets/projects",
    operation_id="search_projects",
    response_model=ProjectSearchOut,
    responses=problem_responses(401),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def search_projects(
    actor: ActorDep,
    search: ProjectSearchDep,
    query: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> ProjectSearchOut:
    """Projects (Zoho Projects) and tickets (Zoho Desk) from all your integrations at once, best
    fuzzy match first. An integration that fails is listed under `errors`; the rest still answer."""
    return ProjectSearchOut.of(await search.search(actor=actor, query=query, limit=limit))


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))
