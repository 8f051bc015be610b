"""Zoho's settings group: ``BFF_ZOHO_*`` (``.env.example`` documents each)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from adapters.upstream import UpstreamUrl


class ZohoSettings(BaseModel):
    """Zoho accounts (OAuth), Projects v2 and Desk; the BFF's own OAuth client at Zoho."""

    accounts_url: UpstreamUrl = "http://accounts.zoho.sim"
    projects_url: UpstreamUrl = "http://projectsapi.zoho.sim"
    desk_url: UpstreamUrl = "http://desk.zoho.sim"
    client_id: str = "sandbox-client"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: True: every data centre a user picks is served by the three URLs above (sandbox simulators,
    #: ``bff simulate zoho``, a single-DC deployment). False: Zoho's own hosts per data centre
    #: (accounts.zoho.eu, projectsapi.zoho.eu, ...); the URLs above then serve the health probe.
    data_centre_override: bool = True
    #: comma-separated OAuth scopes asked for when a user connects each product
    projects_scopes: str = (
        "ZohoProjects.portals.READ,ZohoProjects.projects.READ,ZohoProjects.timesheets.ALL"
    )
    desk_scopes: str = "Desk.basic.READ,Desk.tickets.ALL"
