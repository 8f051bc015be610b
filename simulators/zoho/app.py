"""The Zoho simulator: the accounts server, Projects v2 and Desk v1 in one app.

Requests are told apart by the host's first label: ``accounts.*`` reaches only the accounts
server, ``projectsapi.*`` only Projects, ``desk.*`` only Desk. Any other host (``127.0.0.1`` when
run standalone) reaches all three, whose paths do not overlap, so one socket serves a harness.
Access tokens minted by the accounts part are what Projects and Desk accept, as
``Authorization: Zoho-oauthtoken <token>``.

Scripted faults and unknown routes answer in the format of the API they hit (Projects'
``{"error": {"code", "message"}}``, Desk's ``{"errorCode", "message"}``, the accounts server's
``{"error"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Host, Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from simulators.kit.simulator import SeedSpec, Simulator
from simulators.kit.tokens import TokenStatus
from simulators.zoho.accounts import AccountsServer
from simulators.zoho.control import zoho_control_routes
from simulators.zoho.desk import DeskApi
from simulators.zoho.projects import ProjectsApi
from simulators.zoho.seed import SANDBOX_CLIENT_ID, SCOPE, build_zoho
from simulators.zoho.state import ZOHO_LOCATIONS, ZohoState, ZohoUser
from simulators.zoho.wire import oauth_token

#: which API a request is for, so errors raised below the routes speak its format
_API: ContextVar[str] = ContextVar("zoho_api", default="accounts")
PROJECTS_CODES = {400: 6832, 401: 6401, 404: 6504, 405: 6504, 429: 6429}
DESK_CODES = {
    400: "INVALID_DATA",
    401: "INVALID_OAUTH",
    403: "FORBIDDEN",
    404: "URL_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
}


class ZohoSimulator(Simulator[ZohoState]):
    system = "zoho"
    hosts = ("accounts.zoho.sim", "projectsapi.zoho.sim", "desk.zoho.sim")
    default_token_ttl = 3600

    def __init__(self, *, locations: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        """``locations`` replaces Zoho's data-centre table (``/oauth/serverinfo`` and the
        ``accounts-server`` of authorization redirects). By default the simulator is the US data
        centre, so a sandbox client that follows ``accounts-server`` stays in the sandbox."""
        self.accounts = AccountsServer(self)
        self.projects = ProjectsApi(self)
        self.desk = DeskApi(self)
        super().__init__(**kwargs)
        self.locations = dict(locations or ZOHO_LOCATIONS | {"us": self.public_url})
        self.app = _ApiContext(self.app)

    @property
    def projects_url(self) -> str:
        return _sibling(self.public_url, "projectsapi")

    @property
    def desk_url(self) -> str:
        return _sibling(self.public_url, "desk")

    # -- kit hooks ---------------------------------------------------------------------------------

    def build_state(self, spec: SeedSpec) -> ZohoState:
        return build_zoho(spec)

    def summarize(self) -> dict[str, object]:
        return {
            "users": len(self.state.users),
            "refresh_tokens": len(self.state.refresh_tokens),
            "portals": len(self.state.portals),
            "projects": len(self.state.projects),
            "time_logs": len(self.state.logs),
            "desk_orgs": len(self.state.desk_orgs),
            "tickets": len(self.state.tickets),
            "time_entries": len(self.state.time_entries),
            "throttles": {
                "projects": self.projects.throttle.describe(),
                "desk": self.desk.throttle.describe(),
            },
        }

    def routes(self) -> list[BaseRoute]:
        accounts, projects, desk = (
            self.accounts.routes(),
            self.projects.routes(),
            self.desk.routes(),
        )
        return [
            Host("projectsapi.{domain}", app=Router(projects)),
            Host("desk.{domain}", app=Router(desk)),
            Host("accounts.{domain}", app=Router(accounts)),
            *accounts,
            *projects,
            *desk,
        ]

    def error_response(self, status: int, detail: str | None = None) -> Response:
        message = detail or _phrase(status)
        api = _API.get()
        if api == "projects":
            code = PROJECTS_CODES.get(status, 6500)
            return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
        if api == "desk":
            code_name = DESK_CODES.get(status, "INTERNAL_SERVER_ERROR")
            return JSONResponse({"errorCode": code_name, "message": message}, status_code=status)
        return JSONResponse({"error": message}, status_code=status)

    def reset(self) -> None:
        super().reset()
        self.accounts.next_logins.clear()
        self.projects.throttle.clear()
        self.desk.throttle.clear()

    def _starlette(self) -> Starlette:
        # the kit mounts its own /_sim routes first; Zoho's extra controls sit in front of them
        inner = super()._starlette()
        return Starlette(
            routes=[Mount("/_sim/zoho", routes=zoho_control_routes(self)), Mount("/", app=inner)]
        )

    # -- auth shared by Projects and Desk ------------------------------------------------------

    def access_token(self, request: Request) -> str | None:
        return oauth_token(request)

    def user_for(self, token: str) -> ZohoUser | None:
        """The user a live access token acts for; None for unknown, expired or revoked tokens."""
        if token in self.state.revoked:
            return None
        status, issued = self.tokens.check(token)
        if status is not TokenStatus.VALID or issued is None:
            return None
        return self.state.users.get(issued.subject)

    # -- scripting -----------------------------------------------------------------------------

    def next_login(self, who: str) -> None:
        self.accounts.next_login(who)

    def token_for(self, who: str) -> str:
        """A live access token for ``who`` (email or ZUID) from the sandbox client's grant,
        minted outside the wire's rate limits: for tests and harnesses."""
        user = self.state.users.get(who) or self.state.user_by_email(who)
        if user is None:
            raise KeyError(f"no simulated Zoho user {who!r}")
        grant = next(
            (g for g in self.state.refresh_tokens.values() if g.zuid == user.zuid), None
        ) or self.accounts.grant(user.zuid, SANDBOX_CLIENT_ID, SCOPE)
        return str(self.accounts.mint(grant)["access_token"])

    def approve_log(self, log_id: int) -> None:
        """Approve a time log: Zoho then refuses to update or delete it."""
        self.state.logs.by_id[log_id].approved = True

    def archive_project(self, project_id: int) -> None:
        self.state.projects[project_id].status = "archived"

    def delete_project(self, project_id: int) -> None:
        """Delete a project with its tasks and time logs, as Zoho's trash does."""
        project = self.state.projects.pop(project_id)
        for task in self.state.tasks_of(project.id):
            del self.state.tasks[task.id]
        days = self.state.logs.days(portal=project.portal_id, project=project.id)
        for ids in list(days.values()):
            for log_id in list(ids):
                self.state.logs.remove(self.state.logs.by_id[log_id])


class _ApiContext:
    """Notes which Zoho API a request is for before the kit's middleware (faults) sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        path: str = scope.get("path", "")
        label = host.split(".", 1)[0]
        if label == "projectsapi" or (
            label not in ("desk", "accounts") and path.startswith("/restapi")
        ):
            api = "projects"
        elif label == "desk" or (label != "accounts" and path.startswith("/api/")):
            api = "desk"
        else:
            api = "accounts"
        reset = _API.set(api)
        try:
            await self.app(scope, receive, send)
        finally:
            _API.reset(reset)


def _sibling(url: str, label: str) -> str:
    """``http://accounts.zoho.sim`` -> ``http://projectsapi.zoho.sim``; other hosts stay as is."""
    parts = urlsplit(url)
    host = parts.netloc
    if host.startswith("accounts."):
        host = f"{label}.{host.removeprefix('accounts.')}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
