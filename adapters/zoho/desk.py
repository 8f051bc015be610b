"""Zoho Desk v1 as a :class:`~domain.ports.time_tracker.TimeTracker`: organisations are the
workspaces, tickets are the "projects", time entries are the logs.

Every call but ``/organizations`` names the organisation in an ``orgId`` header; time entries take
an instant (``executedTime``), so Desk needs no day arithmetic; lists page by ``from``/``limit``
(at most 100) and may end with a 204 as well as with a short page.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from typing import Any

from adapters.http.paths import seg
from adapters.zoho.calls import ZohoApi, domain_errors
from adapters.zoho.data_centres import DataCentres
from adapters.zoho.errors import ZohoError
from adapters.zoho.mapping import desk_body, id_of, read_desk_entry, zone_name
from domain.models.timesheets import TrackerSession, UpstreamEntry, UpstreamProject, Workspace
from domain.ports.time_tracker import TimeTracker

PAGE = 100
#: tickets listed at most (the domain ranks them); a ticket's time entries read at most
MAX_PAGES = 20


class ZohoDeskTracker(TimeTracker):
    def __init__(self, api: ZohoApi, data_centres: DataCentres, *, page_size: int = PAGE) -> None:
        self._api = api
        self._dcs = data_centres
        self._page = page_size

    async def workspaces(self, *, data_centre: str, access_token: str) -> Sequence[Workspace]:
        url = f"{self._dcs[data_centre].desk_url}/api/v1/organizations"
        with domain_errors():
            reply = await self._api.call("GET", url, token=access_token)
            orgs = [] if reply.status_code == 204 else reply.json().get("data") or []
            return [
                Workspace(
                    workspace_id=id_of(org),
                    name=str(org.get("companyName") or org.get("portalName") or id_of(org)),
                    time_zone=zone_name(org.get("timeZone")),
                )
                for org in orgs
            ]

    async def projects(self, session: TrackerSession, *, query: str) -> Sequence[UpstreamProject]:
        found = []
        with domain_errors():
            async for ticket in self._items(session, f"{self._api_url(session)}/tickets"):
                found.append(
                    UpstreamProject(
                        integration_id="",
                        project_id=id_of(ticket),
                        name=f"#{ticket.get('ticketNumber', '')} {ticket.get('subject', '')}".strip(),
                        detail=str(ticket.get("status") or ""),
                    )
                )
        return found

    async def create(self, session: TrackerSession, entry: UpstreamEntry) -> str:
        # a 404 here means the ticket is gone: refused for good
        with domain_errors(missing="rejected"):
            reply = await self._api.call(
                "POST",
                self._entries(session, entry.project_id),
                token=session.access_token,
                headers=self._org(session),
                json=desk_body(entry),
            )
            return id_of(reply.json())

    async def update(self, session: TrackerSession, upstream_id: str, entry: UpstreamEntry) -> None:
        with domain_errors():
            await self._api.call(
                "PATCH",
                f"{self._entries(session, entry.project_id)}/{seg(upstream_id)}",
                token=session.access_token,
                headers=self._org(session),
                json=desk_body(entry),
            )

    async def delete(self, session: TrackerSession, upstream_id: str, *, project_id: str) -> None:
        with domain_errors():
            try:
                await self._api.call(
                    "DELETE",
                    f"{self._entries(session, project_id)}/{seg(upstream_id)}",
                    token=session.access_token,
                    headers=self._org(session),
                )
            except ZohoError as exc:
                if exc.status != 404:
                    raise

    async def find_tagged(self, session: TrackerSession, entry: UpstreamEntry) -> str | None:
        """Reads the ticket's time entries (a ticket holds few) for the one carrying the tag."""
        with domain_errors(missing="rejected"):
            items = self._items(session, self._entries(session, entry.project_id))
            async with aclosing(items):
                async for item in items:
                    if read_desk_entry(item).tag == entry.tag:
                        return id_of(item)
        return None

    async def _items(
        self, session: TrackerSession, url: str
    ) -> AsyncGenerator[Mapping[str, Any], None]:
        for number in range(MAX_PAGES):
            query: dict[str, str | int] = {"from": number * self._page, "limit": self._page}
            reply = await self._api.call(
                "GET", url, token=session.access_token, headers=self._org(session), params=query
            )
            if reply.status_code == 204 or not reply.content:
                return
            items = reply.json().get("data") or []
            for item in items:
                yield item
            if len(items) < self._page:
                return

    def _api_url(self, session: TrackerSession) -> str:
        return f"{self._dcs[session.data_centre].desk_url}/api/v1"

    def _entries(self, session: TrackerSession, ticket_id: str) -> str:
        return f"{self._api_url(session)}/tickets/{seg(ticket_id)}/timeEntry"

    @staticmethod
    def _org(session: TrackerSession) -> dict[str, str]:
        return {"orgId": session.workspace_id}
