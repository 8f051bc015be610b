"""Zoho Projects v2 as a :class:`~domain.ports.time_tracker.TimeTracker`: portals, projects and
general time logs ("other tasks", whose ``name`` is our task).

Wire quirks handled here: an empty page is **204 with no body**, not an empty list; ids exceed 2**53
and are read from ``id_string``; an update is a POST to the log's URL; a deleted log or project
answers 404 with code 6404; log lists come grouped by day.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from typing import Any

from adapters.http.paths import seg
from adapters.zoho.calls import ZohoApi, domain_errors
from adapters.zoho.data_centres import DataCentres
from adapters.zoho.errors import ZohoError
from adapters.zoho.mapping import (
    PROJECTS_DATE,
    day_groups_logs,
    id_of,
    projects_form,
    read_projects_log,
    zone_name,
)
from domain.models.timesheets import TrackerSession, UpstreamEntry, UpstreamProject, Workspace
from domain.ports.time_tracker import TimeTracker

#: Zoho's largest page
PAGE = 200
#: a portal with more than this many active projects is listed in part (the domain ranks them)
MAX_PAGES = 25
GONE_CODE = "6404"


class ZohoProjectsTracker(TimeTracker):
    def __init__(self, api: ZohoApi, data_centres: DataCentres, *, page_size: int = PAGE) -> None:
        self._api = api
        self._dcs = data_centres
        self._page = page_size

    async def workspaces(self, *, data_centre: str, access_token: str) -> Sequence[Workspace]:
        url = f"{self._dcs[data_centre].projects_url}/restapi/portals/"
        with domain_errors():
            reply = await self._api.call("GET", url, token=access_token)
            portals = [] if reply.status_code == 204 else reply.json().get("portals") or []
            return [
                Workspace(
                    workspace_id=id_of(portal),
                    name=str(portal.get("name") or id_of(portal)),
                    time_zone=zone_name((portal.get("settings") or {}).get("time_zone")),
                )
                for portal in portals
            ]

    async def projects(self, session: TrackerSession, *, query: str) -> Sequence[UpstreamProject]:
        # v2 has no name search: the domain ranks what the portal's active projects are
        found = []
        with domain_errors():
            url = f"{self._portal(session)}/projects/"
            async for page in self._pages(session, url, {"status": "active"}):
                for project in page.get("projects") or []:
                    found.append(
                        UpstreamProject(
                            integration_id="",
                            project_id=id_of(project),
                            name=str(project.get("name", "")),
                            detail=str(project.get("status", "")),
                        )
                    )
        return found

    async def create(self, session: TrackerSession, entry: UpstreamEntry) -> str:
        # a 404 here means the project is gone: refused for good, not "the log is missing"
        with domain_errors(missing="rejected"):
            reply = await self._api.call(
                "POST",
                f"{self._logs(session, entry.project_id)}/",
                token=session.access_token,
                data=projects_form(entry),
            )
            return id_of(_the_log(reply.json()))

    async def update(self, session: TrackerSession, upstream_id: str, entry: UpstreamEntry) -> None:
        with domain_errors():
            await self._api.call(
                "POST",  # Zoho v2 updates with POST to the log's own URL
                f"{self._logs(session, entry.project_id)}/{seg(upstream_id)}/",
                token=session.access_token,
                data=projects_form(entry),
            )

    async def delete(self, session: TrackerSession, upstream_id: str, *, project_id: str) -> None:
        with domain_errors():
            try:
                await self._api.call(
                    "DELETE",
                    f"{self._logs(session, project_id)}/{seg(upstream_id)}/",
                    token=session.access_token,
                )
            except ZohoError as exc:
                if exc.status != 404 and exc.code != GONE_CODE:
                    raise

    async def find_tagged(self, session: TrackerSession, entry: UpstreamEntry) -> str | None:
        """Lists the project's general logs of ``entry.day`` (every user's, as Zoho requires
        ``users_list``) and returns the one carrying the tag; an interrupted create used the same
        day, as the day comes from the unchanged log."""
        params = {
            "users_list": "all",
            "view_type": "day",
            "date": entry.day.strftime(PROJECTS_DATE),
            "bill_status": "All",
            "component_type": "general",
        }
        with domain_errors(missing="rejected"):
            pages = self._pages(session, f"{self._logs(session, entry.project_id)}/", params)
            async with aclosing(pages):
                async for page in pages:
                    for log in day_groups_logs(page):
                        if read_projects_log(log).tag == entry.tag:
                            return id_of(log)
        return None

    async def _pages(
        self, session: TrackerSession, url: str, params: Mapping[str, str]
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Pages of a v2 list, by 1-based ``index`` and ``range``, until a 204 or a short page."""
        for number in range(MAX_PAGES):
            query: dict[str, str | int] = {
                **params,
                "index": number * self._page + 1,
                "range": self._page,
            }
            reply = await self._api.call("GET", url, token=session.access_token, params=query)
            if reply.status_code == 204 or not reply.content:
                return
            body = reply.json()
            yield body
            if _count(body) < self._page:
                return

    def _portal(self, session: TrackerSession) -> str:
        base = self._dcs[session.data_centre].projects_url
        return f"{base}/restapi/portal/{seg(session.workspace_id)}"

    def _logs(self, session: TrackerSession, project_id: str) -> str:
        return f"{self._portal(session)}/projects/{seg(project_id)}/logs"


def _the_log(body: Any) -> Mapping[str, Any]:
    logs = body["timelogs"]["generallogs"]
    if not logs:
        raise ValueError("Zoho Projects answered a log write without the log")
    first: Mapping[str, Any] = logs[0]
    return first


def _count(body: dict[str, Any]) -> int:
    if "projects" in body:
        return len(body["projects"] or [])
    return len(day_groups_logs(body))
