"""Caliper learning events: send (202 with a verdict per event), validate, list, read one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from api.access import Access, access
from api.deps import ActorDep, CaliperEventsDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, paging_headers
from api.schemas.caliper_events import (
    EVENTS_BODY_EXAMPLES,
    CaliperEventOut,
    CaliperEventPage,
    EventsVerdict,
)
from api.schemas.common import IsoDateTime
from api.strict_json import StrictJsonRoute
from domain.models.caliper_events import DeliveryState
from domain.services.caliper_events import EventFilter

router = APIRouter(tags=["events"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute)

BASE = "/v1/events"

#: A Caliper envelope or a bare list of events: judged whole by the Caliper validator, whose
#: problems name JSON paths, so the route takes any JSON object or array.
EventsBody = Annotated[
    dict[str, Any] | list[Any],
    Body(
        description="A Caliper 1.2 envelope (`sensor`, `sendTime`, `dataVersion`, `data`) or a "
        "bare list of events. Left out, `sensor`, `sendTime`, each event's `edApp` and its "
        "`actor` (you, as your TimeBack user IRI) are filled in.",
        openapi_examples=EVENTS_BODY_EXAMPLES,
    ),
]


@router.post(
    BASE,
    operation_id="send_events",
    status_code=202,
    response_model=EventsVerdict,
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def send_events(body: EventsBody, actor: ActorDep, events: CaliperEventsDep) -> EventsVerdict:
    """Send events as yourself (staff: also as people in your orgs; admins: as anyone). Each
    accepted event is stored and delivered to TimeBack once; the same event sent again is a
    `duplicate` (nothing happens); a different event under a used id is a 409. When every event
    is refused the answer is a 422 listing every problem with its JSON path."""
    return EventsVerdict.of(await events.accept(actor=actor, payload=body))


@router.post(
    f"{BASE}/validate",
    operation_id="validate_events",
    response_model=EventsVerdict,
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def validate_events(
    body: EventsBody, actor: ActorDep, events: CaliperEventsDep
) -> EventsVerdict:
    """What `POST /v1/events` would answer for this body; nothing is stored or sent."""
    return EventsVerdict.of(await events.validate(actor=actor, payload=body))


@router.get(
    BASE,
    operation_id="list_events",
    response_model=CaliperEventPage,
    responses=problem_responses(401, 422) | PAGED,
    openapi_extra=access(Access.SCOPED),
)
async def list_events(
    request: Request,
    response: Response,
    actor: ActorDep,
    events: CaliperEventsDep,
    actor_id: Annotated[
        str | None,
        Query(
            alias="actor",
            min_length=1,
            max_length=512,
            description="The actor's IRI, or a roster person's sourcedId.",
        ),
    ] = None,
    type_: Annotated[
        list[Annotated[str, Query(min_length=1, max_length=100)]] | None,
        Query(alias="type", description="Any of these event types."),
    ] = None,
    action: Annotated[
        list[Annotated[str, Query(min_length=1, max_length=100)]] | None,
        Query(description="Any of these actions."),
    ] = None,
    from_: Annotated[
        IsoDateTime | None, Query(alias="from", description="Events at or after this instant.")
    ] = None,
    to: Annotated[IsoDateTime | None, Query(description="Events before this instant.")] = None,
    state: Annotated[
        list[DeliveryState] | None, Query(description="Any of these delivery states.")
    ] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> CaliperEventPage:
    """Events whose actor you may see (yourself; teachers: their classes' students; guardians:
    their children; staff: people in their orgs; admins: all), by event time."""
    query = EventFilter(
        actor=actor_id,
        types=frozenset(type_) if type_ else None,
        actions=frozenset(action) if action else None,
        since=from_,
        until=to,
        states=frozenset(state) if state else None,
        limit=limit,
        offset=offset,
    )
    items, total = await events.list(actor=actor, query=query)
    paging_headers(request, response, limit=limit, offset=offset, total=total)
    return CaliperEventPage(items=[CaliperEventOut.of(e) for e in items], total=total)


@router.get(
    f"{BASE}/{{event_id}}",
    operation_id="get_event",
    response_model=CaliperEventOut,
    responses=problem_responses(401, 404),
    openapi_extra=access(Access.SCOPED),
)
async def get_event(event_id: str, actor: ActorDep, events: CaliperEventsDep) -> CaliperEventOut:
    """One event with its delivery: pending, delivered (TimeBack's job and allocated id) or
    failed (TimeBack's reason). Event ids are `urn:uuid:...`."""
    return CaliperEventOut.of(await events.get(actor=actor, event_id=event_id))
