"""Zoho Desk v1: organisations, tickets and ticket time entries (reference 4.2, 7 item 22).

Kept: ``orgId`` header on everything but ``/organizations``; ids are strings; lists are
``{"data": [...]}`` paged by ``from`` and ``limit`` (at most 100); ``executedTime`` must be ISO
with milliseconds and ``Z``; durations are split into ``hoursSpent``/``minutesSpent``/
``secondsSpent``; validation errors are 422 ``UNPROCESSABLE_ENTITY`` naming the field as a JSON
Pointer; DELETE answers 204 with no body.

Chosen where the sources are silent or disagree (reference 8): ``from`` is 0-based and ``limit``
defaults to 10; an empty page is ``{"data": []}``; a missing ``orgId`` is the same 422 shape with
``fieldName: "orgId"`` (a header, so no pointer); an org the caller is not an agent of is 403
``FORBIDDEN``; unknown ids are 404 ``URL_NOT_FOUND``; over the call limit is 429
``TOO_MANY_REQUESTS`` with ``Retry-After``; duration parts are accepted as numbers or digit
strings and answered as numbers; unknown body keys are refused as ``invalid``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.zoho.desk_wire import (
    DeskError,
    entry_fields,
    entry_json,
    error,
    json_object,
    not_found,
    now_iso,
    org_json,
    page,
    require_duration,
    ticket_json,
    unprocessable,
)
from simulators.zoho.state import DeskOrg, Ticket, TimeEntry, ZohoUser
from simulators.zoho.throttle import Throttle

if TYPE_CHECKING:
    from simulators.zoho.app import ZohoSimulator

OrgView = Callable[[Request, ZohoUser, DeskOrg], Awaitable[Response]]
T = "/api/v1/tickets/{ticket}"


class DeskApi:
    def __init__(self, sim: ZohoSimulator) -> None:
        self.sim = sim
        self.throttle = Throttle(calls=200, window=60)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/v1/organizations", self._organizations, methods=["GET"]),
            Route("/api/v1/tickets", self._in_org(self._tickets), methods=["GET"]),
            Route(T, self._in_org(self._ticket), methods=["GET"]),
            Route(T + "/timeEntry", self._in_org(self._entries), methods=["GET"]),
            Route(T + "/timeEntry", self._in_org(self._add), methods=["POST"]),
            Route(T + "/timeEntry/{entry}", self._in_org(self._entry), methods=["GET"]),
            Route(T + "/timeEntry/{entry}", self._in_org(self._patch), methods=["PATCH"]),
            Route(T + "/timeEntry/{entry}", self._in_org(self._delete), methods=["DELETE"]),
        ]

    # -- auth, throttle, org ---------------------------------------------------------------------

    def _caller(self, request: Request) -> ZohoUser:
        token = self.sim.access_token(request)
        user = self.sim.user_for(token) if token is not None else None
        if token is None or user is None:
            raise DeskError(
                401,
                {
                    "errorCode": "INVALID_OAUTH",
                    "message": "The OAuth Token you provided is invalid.",
                },
            )
        wait = self.throttle.check(token, self.sim.clock)
        if wait is not None:
            raise DeskError(
                429,
                {
                    "errorCode": "TOO_MANY_REQUESTS",
                    "message": f"Too many requests. Try again after {wait} seconds.",
                    "retry_after": wait,
                },
            )
        return user

    async def _organizations(self, request: Request) -> Response:
        try:
            user = self._caller(request)
        except DeskError as exc:
            return error(exc)
        orgs = [org_json(org) for org in self.sim.state.orgs_of(user.zuid)]
        return JSONResponse({"data": orgs})

    def _in_org(self, view: OrgView) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                user = self._caller(request)
                org_id = request.headers.get("orgId", "").strip()
                if not org_id:
                    raise unprocessable(("orgId", "missing"))
                org = self.sim.state.desk_orgs.get(org_id)
                if org is None:
                    raise unprocessable(("orgId", "invalid"))
                if user.zuid not in org.members:
                    raise DeskError(
                        403,
                        {
                            "errorCode": "FORBIDDEN",
                            "message": "You do not have permission to access this organization.",
                        },
                    )
                return await view(request, user, org)
            except DeskError as exc:
                return error(exc)

        return endpoint

    def _ticket_of(self, request: Request, org: DeskOrg) -> Ticket:
        ticket = self.sim.state.tickets.get(request.path_params["ticket"])
        if ticket is None or ticket.org_id != org.id:
            raise not_found()
        return ticket

    def _entry_of(self, request: Request, ticket: Ticket) -> TimeEntry:
        entry = self.sim.state.time_entries.get(request.path_params["entry"])
        if entry is None or entry.ticket_id != ticket.id:
            raise not_found()
        return entry

    # -- tickets ---------------------------------------------------------------------------------

    async def _tickets(self, request: Request, _: ZohoUser, org: DeskOrg) -> Response:
        first, limit = page(request)
        tickets = sorted(self.sim.state.tickets_of(org.id), key=lambda t: int(t.number))
        return JSONResponse({"data": [ticket_json(t) for t in tickets[first : first + limit]]})

    async def _ticket(self, request: Request, _: ZohoUser, org: DeskOrg) -> Response:
        return JSONResponse(ticket_json(self._ticket_of(request, org)))

    # -- time entries ----------------------------------------------------------------------------

    async def _entries(self, request: Request, _: ZohoUser, org: DeskOrg) -> Response:
        ticket = self._ticket_of(request, org)
        first, limit = page(request)
        params = request.query_params
        order = params.get("orderBy", "ASC")
        bill = params.get("billStatus")
        if order not in ("ASC", "DESC"):
            raise unprocessable(("orderBy", "invalid"))
        if bill is not None and bill not in ("billable", "nonBillable", "billed"):
            raise unprocessable(("billStatus", "invalid"))
        entries = [
            e
            for e in self.sim.state.entries_of(ticket.id)
            if bill is None
            or (bill == "billable" and e.is_billable)
            or (bill == "nonBillable" and not e.is_billable)
            or (bill == "billed" and e.invoice_id is not None)
        ]
        entries.sort(key=lambda e: (e.executed_time, int(e.id)), reverse=order == "DESC")
        return JSONResponse({"data": [entry_json(e) for e in entries[first : first + limit]]})

    async def _entry(self, request: Request, _: ZohoUser, org: DeskOrg) -> Response:
        ticket = self._ticket_of(request, org)
        return JSONResponse(entry_json(self._entry_of(request, ticket)))

    async def _add(self, request: Request, user: ZohoUser, org: DeskOrg) -> Response:
        ticket = self._ticket_of(request, org)
        body = await json_object(request)
        fields = entry_fields(body, org, creating=True)
        now = now_iso(self.sim)
        entry = TimeEntry(
            id=str(self.sim.state.ids.next()),
            ticket_id=ticket.id,
            owner=fields.pop("owner", user.zuid),
            created_by=user.zuid,
            created_time=now,
            modified_by=user.zuid,
            modified_time=now,
            **{
                "executed_time": "",
                "hours": 0,
                "minutes": 0,
                "seconds": 0,
                "description": "",
                "is_billable": False,
                "charge_type": "Customer Service",
                **fields,
            },
        )
        require_duration(entry)
        self.sim.state.time_entries[entry.id] = entry
        return JSONResponse(entry_json(entry))

    async def _patch(self, request: Request, user: ZohoUser, org: DeskOrg) -> Response:
        entry = self._entry_of(request, self._ticket_of(request, org))
        fields = entry_fields(await json_object(request), org, creating=False)
        before = {name: getattr(entry, name) for name in fields}
        for name, value in fields.items():
            setattr(entry, name, value)
        try:
            require_duration(entry)
        except DeskError:
            for name, value in before.items():
                setattr(entry, name, value)
            raise
        entry.modified_by, entry.modified_time = user.zuid, now_iso(self.sim)
        return JSONResponse(entry_json(entry))

    async def _delete(self, request: Request, _: ZohoUser, org: DeskOrg) -> Response:
        entry = self._entry_of(request, self._ticket_of(request, org))
        del self.sim.state.time_entries[entry.id]
        return Response(status_code=204)
