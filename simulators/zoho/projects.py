"""Zoho Projects REST v2: portals, projects, tasks and time logs (reference 2.2-2.4, 7 items 14-20).

Quirks kept: lists are wrapped even for one object; an empty page is **204 with no body**; paging
by 1-based ``index`` and ``range`` (at most 200, default 100); update is ``POST .../logs/{id}/``;
delete answers ``{"response": "Timesheet log Deleted Successfully"}``; parameters are read from the
query string of an empty-body POST as well as from a form; lists group logs by day.

Throttling: ``throttle`` calls per window per access token (Zoho documents 100 per 2 minutes, then
blocked 30 minutes). Zoho's v2 throttle reply is unknown (reference 2.4 and 8), so the simulator
answers what v3 clients are seen handling: **429** with ``Retry-After``, in the v2 error envelope
with code 6429 (a made-up code mirroring the status; clients must go by the status and header).

Locked logs: an approved log refuses update and delete with 400 code 6403, the 400-family code Zoho
uses for "this operation is not allowed" (as in its licence-limit refusals), so clients treat it
as a permanent refusal rather than a malformed request (6831/6832) or a missing log (6404).
Archived or deleted projects refuse new logs and changes with 404 6404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.zoho.projects_wire import (
    COMPONENTS,
    NOT_ALLOWED,
    VIEW_TYPES,
    ProjectsError,
    Renderer,
    error,
    not_found,
    one_of,
    parse_bill_status,
    parse_date,
    parse_hours,
    parse_page,
    require,
    view_range,
)
from simulators.zoho.state import LogKind, Portal, Project, Task, TimeLog, ZohoUser
from simulators.zoho.throttle import Throttle
from simulators.zoho.wire import request_params

if TYPE_CHECKING:
    from simulators.zoho.app import ZohoSimulator

T = TypeVar("T")
View = Callable[[Request, ZohoUser], Awaitable[Response]]
THROTTLE_CODE = 6429
P = "/restapi/portal/{portal}"
PROJ = P + "/projects/{project}"


class ProjectsApi:
    def __init__(self, sim: ZohoSimulator) -> None:
        self.sim = sim
        self.throttle = Throttle(calls=100, window=120, block=1800)

    def routes(self) -> list[BaseRoute]:
        table: list[tuple[str, View, str]] = [
            ("/restapi/portals", self._portals, "GET"),
            (P + "/projects", self._projects, "GET"),
            (PROJ, self._get_project, "GET"),
            (PROJ + "/tasks", self._tasks, "GET"),
            (P + "/logs", self._my_logs, "GET"),
            (PROJ + "/logs", self._project_logs, "GET"),
            (PROJ + "/logs", self._add_general, "POST"),
            (PROJ + "/logs/{log}", self._update_general, "POST"),
            (PROJ + "/logs/{log}", self._delete_general, "DELETE"),
            (PROJ + "/tasks/{task}/logs", self._task_logs, "GET"),
            (PROJ + "/tasks/{task}/logs", self._add_task_log, "POST"),
            (PROJ + "/tasks/{task}/logs/{log}", self._update_task_log, "POST"),
            (PROJ + "/tasks/{task}/logs/{log}", self._delete_task_log, "DELETE"),
            (PROJ + "/tasks/{task}/logs/{log}/approval", self._approve_task_log, "POST"),
        ]
        routes: list[BaseRoute] = []
        for path, view, method in table:
            endpoint = self._guarded(view)
            # Zoho documents these with a trailing slash and answers without one too
            routes.append(Route(path + "/", endpoint, methods=[method]))
            routes.append(Route(path, endpoint, methods=[method]))
        return routes

    @property
    def render(self) -> Renderer:
        return Renderer(self.sim.state, self.sim.projects_url)

    def _guarded(self, view: View) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            token = self.sim.access_token(request)
            if token is None:
                return error(401, 6401, "Invalid OAuth access token")
            user = self.sim.user_for(token)
            if user is None:
                return error(401, 6890, "Invalid Ticket")
            wait = self.throttle.check(token, self.sim.clock)
            if wait is not None:
                return error(
                    429,
                    THROTTLE_CODE,
                    f"Too many requests; try again after {wait} seconds",
                    headers={"Retry-After": str(wait)},
                )
            try:
                return await view(request, user)
            except ProjectsError as exc:
                return exc.response()

        return endpoint

    # -- look-ups --------------------------------------------------------------------------------

    def _portal(self, request: Request, user: ZohoUser) -> Portal:
        portal = self.sim.state.portals.get(_int(request.path_params["portal"]))
        if portal is None or user.zuid not in portal.members:
            raise not_found("Portal")
        return portal

    def _project_of(self, request: Request, user: ZohoUser, *, writable: bool = False) -> Project:
        portal = self._portal(request, user)
        project = self.sim.state.projects.get(_int(request.path_params["project"]))
        if project is None or project.portal_id != portal.id:
            raise not_found("Project")
        if writable and project.status != "active":
            raise not_found("Project")
        return project

    def _task(self, request: Request, project: Project) -> Task:
        task = self.sim.state.tasks.get(_int(request.path_params["task"]))
        if task is None or task.project_id != project.id:
            raise not_found("Task")
        return task

    def _log(self, request: Request, project: Project, task: Task | None) -> TimeLog:
        log = self.sim.state.logs.by_id.get(_int(request.path_params["log"]))
        kind: LogKind = "general" if task is None else "task"
        if (
            log is None
            or log.project_id != project.id
            or log.kind != kind
            or (task is not None and log.task_id != task.id)
        ):
            raise not_found("Timesheet log")
        return log

    # -- portals, projects, tasks ----------------------------------------------------------------

    async def _portals(self, _: Request, user: ZohoUser) -> Response:
        portals = [self.render.portal(p, user.zuid) for p in self.sim.state.portals_of(user.zuid)]
        return JSONResponse({"login_id": user.zuid, "portals": portals})

    async def _projects(self, request: Request, user: ZohoUser) -> Response:
        portal = self._portal(request, user)
        params = request.query_params
        status = params.get("status")
        if status is not None and status not in ("active", "archived", "template"):
            raise ProjectsError(
                400, 6832, "Input Parameter Does not Match the Pattern Specified: status"
            )
        projects = [
            p for p in self.sim.state.projects_of(portal.id) if status is None or p.status == status
        ]
        reverse = params.get("sort_order") == "descending"
        if params.get("sort_column") == "created_time":
            projects.sort(key=lambda p: p.created_ms, reverse=reverse)
        else:
            projects.sort(key=lambda p: p.name.lower(), reverse=reverse)
        page = _page(projects, params)
        if not page:
            return Response(status_code=204)
        return JSONResponse({"projects": [self.render.project(p, user.zuid) for p in page]})

    async def _get_project(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user)
        return JSONResponse({"projects": [self.render.project(project, user.zuid)]})

    async def _tasks(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user)
        page = _page(self.sim.state.tasks_of(project.id), request.query_params)
        if not page:
            return Response(status_code=204)
        return JSONResponse({"tasks": [self.render.task(t) for t in page]})

    # -- time logs: lists ------------------------------------------------------------------------

    async def _my_logs(self, request: Request, user: ZohoUser) -> Response:
        portal = self._portal(request, user)
        return self._list(request, user, portal, project=None, task=None)

    async def _project_logs(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user)
        return self._list(request, user, self.sim.state.portals[project.portal_id], project, None)

    async def _task_logs(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user)
        task = self._task(request, project)
        return self._list(request, user, self.sim.state.portals[project.portal_id], project, task)

    def _list(
        self,
        request: Request,
        user: ZohoUser,
        portal: Portal,
        project: Project | None,
        task: Task | None,
    ) -> Response:
        params = request.query_params
        index, size = parse_page(params)
        view_type = one_of(params, "view_type", VIEW_TYPES, require(params, "view_type"))
        first, last = view_range(view_type, parse_date(require(params, "date")))
        bill = one_of(params, "bill_status", ("All", "Billable", "Non Billable"), "All")
        component = params.get("component_type")
        if component is not None and component not in COMPONENTS:
            raise ProjectsError(
                400, 6832, "Input Parameter Does not Match the Pattern Specified: component_type"
            )
        # "my" logs are the caller's unless users_list says otherwise; project lists show everyone
        users = params.get("users_list") or ("all" if project is not None else user.zuid)
        owners = None if users == "all" else set(users.split(","))
        logs = [
            log
            for log in self.sim.state.logs.in_range(
                portal=portal.id,
                project=None if project is None else project.id,
                first=first,
                last=last,
            )
            if (owners is None or log.owner in owners)
            and (bill == "All" or log.bill_status == bill)
            and (component is None or log.kind == component)
            and (task is None or log.task_id == task.id)
        ]
        page = logs[index - 1 : index - 1 + size]
        if not page:
            return Response(status_code=204)
        body = self.render.by_day(
            page,
            grand_total=sum(log.minutes for log in logs),
            role=portal.members.get(user.zuid, "employee"),
        )
        return JSONResponse(body)

    # -- time logs: writes -----------------------------------------------------------------------

    async def _add_general(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user, writable=True)
        return await self._add(request, user, project, None)

    async def _add_task_log(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user, writable=True)
        return await self._add(request, user, project, self._task(request, project))

    async def _update_general(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user, writable=True)
        return await self._update(request, user, self._log(request, project, None))

    async def _update_task_log(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user, writable=True)
        task = self._task(request, project)
        return await self._update(request, user, self._log(request, project, task))

    async def _delete_general(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user, writable=True)
        return self._delete(self._log(request, project, None))

    async def _delete_task_log(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user, writable=True)
        return self._delete(self._log(request, project, self._task(request, project)))

    async def _approve_task_log(self, request: Request, user: ZohoUser) -> Response:
        project = self._project_of(request, user)
        log = self._log(request, project, self._task(request, project))
        if self.sim.state.portals[project.portal_id].members.get(user.zuid) != "admin":
            raise ProjectsError(400, NOT_ALLOWED, "Only portal administrators approve time logs")
        log.approved = True
        return JSONResponse(self.render.saved(log))

    async def _add(
        self, request: Request, user: ZohoUser, project: Project, task: Task | None
    ) -> Response:
        params = await request_params(request)
        fields = _log_fields(params, general=task is None)
        owner = self._owner(params, user, project)
        log = TimeLog(
            id=self.sim.state.ids.next(),
            portal_id=project.portal_id,
            project_id=project.id,
            kind="general" if task is None else "task",
            task_id=None if task is None else task.id,
            owner=owner,
            **fields,
        )
        self.sim.state.logs.add(log)
        return JSONResponse(self.render.saved(log), status_code=201)

    async def _update(self, request: Request, user: ZohoUser, log: TimeLog) -> Response:
        params = await request_params(request)
        if log.approved:
            raise ProjectsError(400, NOT_ALLOWED, "Approved time logs cannot be updated")
        fields = _log_fields(params, general=False)  # the label may stay as it was
        project = self.sim.state.projects[log.project_id]
        log.owner = self._owner(params, user, project, default=log.owner)
        self.sim.state.logs.move(log, fields.pop("log_date"))
        log.minutes, log.bill_status = fields["minutes"], fields["bill_status"]
        if "notes" in params:
            log.notes = fields["notes"]
        if log.kind == "general" and fields["name"]:
            log.name = fields["name"]
        return JSONResponse(self.render.saved(log))

    def _delete(self, log: TimeLog) -> Response:
        if log.approved:
            raise ProjectsError(400, NOT_ALLOWED, "Approved time logs cannot be deleted")
        self.sim.state.logs.remove(log)
        return JSONResponse({"response": "Timesheet log Deleted Successfully"})

    def _owner(
        self, params: dict[str, str], user: ZohoUser, project: Project, default: str | None = None
    ) -> str:
        owner = params.get("owner") or default or user.zuid
        if owner not in self.sim.state.portals[project.portal_id].members:
            raise ProjectsError(
                400, 6832, "Input Parameter Does not Match the Pattern Specified: owner"
            )
        return owner


def _log_fields(params: dict[str, str], *, general: bool) -> dict[str, Any]:
    name = params.get("name", "").strip()
    if general and not name:
        raise ProjectsError(400, 6831, "Input Parameter Missing: name")
    return {
        "log_date": parse_date(require(params, "date")),
        "bill_status": parse_bill_status(require(params, "bill_status")),
        "minutes": parse_hours(require(params, "hours")),
        "notes": params.get("notes", ""),
        "name": name,
    }


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1  # matches nothing: a 404 like any unknown id


def _page(items: list[T], params: Mapping[str, str]) -> list[T]:
    index, size = parse_page(params)
    return items[index - 1 : index - 1 + size]
