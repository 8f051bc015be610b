"""Zoho-specific ``/_sim/zoho/`` controls: what a harness over a socket needs beyond the kit's.

Approve a log (it then refuses update and delete), archive or delete a project, tune the Projects
and Desk throttles, choose who the next authorization signs in as, and read the logs upstream
(optionally only those whose name or notes contain a tag). None of it exists at Zoho.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.zoho.projects_wire import Renderer

if TYPE_CHECKING:
    from simulators.zoho.app import ZohoSimulator


class _Throttle(BaseModel):
    api: Literal["projects", "desk"] = "projects"
    calls: int | None = Field(default=None, ge=1)
    window: float | None = Field(default=None, gt=0)
    block: float | None = Field(default=None, ge=0)
    enabled: bool | None = None


class _Login(BaseModel):
    who: str


def zoho_control_routes(sim: ZohoSimulator) -> list[Route]:
    async def approve(request: Request) -> Response:
        try:
            sim.approve_log(_int(request.path_params["log"]))
        except KeyError:
            return JSONResponse({"detail": "no such log"}, status_code=404)
        return Response(status_code=204)

    async def archive(request: Request) -> Response:
        try:
            sim.archive_project(_int(request.path_params["project"]))
        except KeyError:
            return JSONResponse({"detail": "no such project"}, status_code=404)
        return Response(status_code=204)

    async def delete(request: Request) -> Response:
        try:
            sim.delete_project(_int(request.path_params["project"]))
        except KeyError:
            return JSONResponse({"detail": "no such project"}, status_code=404)
        return Response(status_code=204)

    async def throttle(request: Request) -> Response:
        try:
            body = _Throttle.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"detail": exc.errors(include_url=False)}, status_code=422)
        target = sim.projects.throttle if body.api == "projects" else sim.desk.throttle
        target.configure(
            calls=body.calls, window=body.window, block=body.block, enabled=body.enabled
        )
        return JSONResponse(target.describe())

    async def login(request: Request) -> Response:
        try:
            body = _Login.model_validate_json(await request.body() or b"{}")
            sim.accounts.next_login(body.who)
        except ValidationError as exc:
            return JSONResponse({"detail": exc.errors(include_url=False)}, status_code=422)
        except KeyError:
            return JSONResponse({"detail": "no such user"}, status_code=404)
        return Response(status_code=204)

    async def logs(request: Request) -> Response:
        tag = request.query_params.get("tag")
        portal = request.query_params.get("portal")
        found = sim.state.logs_tagged(tag) if tag else list(sim.state.logs.by_id.values())
        if portal:
            found = [log for log in found if str(log.portal_id) == portal]
        render = Renderer(sim.state, sim.projects_url)
        return JSONResponse({"count": len(found), "logs": [render.log(log) for log in found]})

    return [
        Route("/logs", logs, methods=["GET"]),
        Route("/logs/{log}/approve", approve, methods=["POST"]),
        Route("/projects/{project}/archive", archive, methods=["POST"]),
        Route("/projects/{project}", delete, methods=["DELETE"]),
        Route("/throttle", throttle, methods=["POST"]),
        Route("/login", login, methods=["POST"]),
    ]


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1
