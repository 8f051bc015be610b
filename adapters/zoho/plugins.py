"""The Zoho trackers as registry entries: ``zoho_projects`` and ``zoho_desk``.

Both share one client id at Zoho and the same HTTP clients (:class:`ZohoHttp`, built once per
process and closed by the composition root); they differ in the scopes they ask for and the API
they call. Adding another tracker means another package with a factory like these, registered by
the composition root: nothing in the domain changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from adapters.http.options import client_options
from adapters.zoho.calls import ZohoApi
from adapters.zoho.data_centres import DataCentres
from adapters.zoho.desk import ZohoDeskTracker
from adapters.zoho.oauth import ZohoOAuth
from adapters.zoho.projects import ZohoProjectsTracker
from domain.ports.time_tracker import TrackerPlugin

PROJECTS_KIND, DESK_KIND = "zoho_projects", "zoho_desk"
PROJECTS_SCOPES = (
    "ZohoProjects.portals.READ",
    "ZohoProjects.projects.READ",
    "ZohoProjects.timesheets.ALL",
)
DESK_SCOPES = ("Desk.basic.READ", "Desk.tickets.ALL")


@dataclass(frozen=True, slots=True, kw_only=True)
class ZohoConfig:
    client_id: str
    client_secret: str
    timeout: float
    data_centres: DataCentres
    projects_scopes: Sequence[str] = PROJECTS_SCOPES
    desk_scopes: Sequence[str] = DESK_SCOPES


class ZohoHttp:
    """The process's clients for Zoho: accounts servers (an authlib client for code exchanges, a
    plain one for refresh and revoke) and API hosts. URLs are absolute: hosts vary by data centre."""

    def __init__(self, config: ZohoConfig, *, transport: httpx.AsyncBaseTransport | None) -> None:
        options = client_options(base_url="", timeout=config.timeout, transport=transport)
        self.oauth = ZohoOAuth.make_oauth_client(
            client_id=config.client_id, client_secret=config.client_secret, **options
        )
        self.accounts = httpx.AsyncClient(**options)
        self.api = httpx.AsyncClient(**options)

    async def aclose(self) -> None:
        for client in (self.oauth, self.accounts, self.api):
            await client.aclose()


def _auth(config: ZohoConfig, http: ZohoHttp, scopes: Sequence[str]) -> ZohoOAuth:
    return ZohoOAuth(
        oauth=http.oauth,
        accounts=http.accounts,
        data_centres=config.data_centres,
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=scopes,
    )


def zoho_projects_plugin(config: ZohoConfig, http: ZohoHttp) -> TrackerPlugin:
    return TrackerPlugin(
        kind=PROJECTS_KIND,
        label="Zoho Projects",
        project_noun="project",
        auth=_auth(config, http, config.projects_scopes),
        tracker=ZohoProjectsTracker(ZohoApi(http.api), config.data_centres),
    )


def zoho_desk_plugin(config: ZohoConfig, http: ZohoHttp) -> TrackerPlugin:
    return TrackerPlugin(
        kind=DESK_KIND,
        label="Zoho Desk",
        project_noun="ticket",
        auth=_auth(config, http, config.desk_scopes),
        tracker=ZohoDeskTracker(ZohoApi(http.api), config.data_centres),
    )


def zoho_plugins(
    config: ZohoConfig, *, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[dict[str, TrackerPlugin], ZohoHttp]:
    """Both Zoho trackers by kind, and the clients to close at shutdown."""
    http = ZohoHttp(config, transport=transport)
    plugins = (zoho_projects_plugin(config, http), zoho_desk_plugin(config, http))
    return {plugin.kind: plugin for plugin in plugins}, http
