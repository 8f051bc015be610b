"""The Zoho simulator: accounts server first, with thin Projects and Desk slices behind it.

One ASGI app serves every Zoho host and dispatches on the host's first label: ``projectsapi.*``
to Projects, ``desk.*`` to Desk, anything else (``accounts.*``, or ``127.0.0.1`` when run
standalone) to the accounts server.

The accounts server's token endpoint keeps Zoho's sharpest quirk: a refused refresh answers
**HTTP 200** with ``{"error": "invalid_code"}``; clients that only look at the status miss it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Host, Route, Router

from adapters.simulation.simulator import SeedSpec, Simulator
from adapters.simulation.tokens import TokenStatus
from adapters.zoho.simulator.seed import build_zoho
from adapters.zoho.simulator.state import ZOHO_LOCATIONS, ZohoState, ZohoUser

API_DOMAIN = "https://www.zohoapis.com"


class ZohoSimulator(Simulator[ZohoState]):
    system = "zoho"
    hosts = ("accounts.zoho.sim", "projectsapi.zoho.sim", "desk.zoho.sim")
    default_token_ttl = 3600

    def __init__(self, *, locations: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        """``locations`` replaces Zoho's data-centre table, e.g. to point every DC at simulators."""
        self.locations = dict(locations or ZOHO_LOCATIONS)
        super().__init__(**kwargs)

    @property
    def projects_url(self) -> str:
        return _sibling(self.public_url, "projectsapi")

    def build_state(self, spec: SeedSpec) -> ZohoState:
        return build_zoho(spec, projects_url=self.projects_url)

    def summarize(self) -> dict[str, object]:
        return {
            "users": len(self.state.users),
            "refresh_tokens": len(self.state.refresh_tokens),
            "portals": len(self.state.portals),
            "desk_orgs": len(self.state.desk_orgs),
        }

    def routes(self) -> list[BaseRoute]:
        projects = Router([Route("/restapi/portals/", self._portals, methods=["GET"])])
        desk = Router([Route("/api/v1/organizations", self._desk_orgs, methods=["GET"])])
        return [
            Host("projectsapi.{domain}", app=projects),
            Host("desk.{domain}", app=desk),
            Route("/oauth/serverinfo", self._serverinfo, methods=["GET"]),
            Route("/oauth/v2/token", self._token, methods=["POST"]),
        ]

    async def _serverinfo(self, _: Request) -> Response:
        return JSONResponse({"result": "success", "locations": self.locations})

    async def _token(self, request: Request) -> Response:
        # Zoho reads these from the query string or the form, and its docs show the query string
        form = await request.form()
        params = {**request.query_params, **{k: v for k, v in form.items() if isinstance(v, str)}}
        known = self.state.clients.get(params.get("client_id", ""))
        if known is None or not secrets.compare_digest(known, params.get("client_secret", "")):
            return JSONResponse({"error": "invalid_client"})
        if params.get("grant_type") != "refresh_token":
            return JSONResponse({"error": "unsupported_grant_type"})
        grant = self.state.refresh_tokens.get(params.get("refresh_token", ""))
        if grant is None or grant.client_id != params["client_id"]:
            return JSONResponse({"error": "invalid_code"})  # yes, with HTTP 200
        token = self.tokens.issue(
            grant.zuid,
            value=f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}",
            scope=grant.scope,
        )
        # no new refresh token: the one the client holds stays valid
        return JSONResponse(
            {
                "access_token": token.value,
                "scope": grant.scope,
                "api_domain": API_DOMAIN,
                "token_type": "Bearer",
                "expires_in": self.tokens.ttl,
            }
        )

    def _user(self, request: Request) -> ZohoUser | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme != "Zoho-oauthtoken" or not value:
            return None
        status, token = self.tokens.check(value.strip())
        if status is not TokenStatus.VALID or token is None:
            return None
        return self.state.users.get(token.subject)

    async def _portals(self, request: Request) -> Response:
        user = self._user(request)
        if user is None:
            return JSONResponse(
                {"error": {"code": 6401, "message": "Invalid OAuth access token"}}, status_code=401
            )
        return JSONResponse({"login_id": user.zuid, "portals": self.state.portals})

    async def _desk_orgs(self, request: Request) -> Response:
        if self._user(request) is None:
            return JSONResponse(
                {
                    "errorCode": "INVALID_OAUTH",
                    "message": "The OAuth Token you provided is invalid.",
                },
                status_code=401,
            )
        return JSONResponse({"data": self.state.desk_orgs})


def _sibling(url: str, label: str) -> str:
    """``http://accounts.zoho.sim`` -> ``http://projectsapi.zoho.sim``; other hosts stay as is."""
    parts = urlsplit(url)
    host = parts.netloc
    if host.startswith("accounts."):
        host = f"{label}.{host.removeprefix('accounts.')}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
