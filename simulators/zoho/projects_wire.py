"""Zoho Projects v2 on the wire: JSON shapes, parameter validation and error bodies (reference 2.2-2.4).

Every object carries its id twice, as a number above 2^53 and as ``id_string``. Dates are
``MM-DD-YYYY`` in the portal's time zone; ``*_long`` values are epoch milliseconds of that local
midnight (the reference's example: 06-30-2016 is 1467225000000 in an Indian-time portal).

Error codes (the error-codes page maps codes to HTTP statuses only; the meanings are chosen here):
6831 a required parameter is missing, 6832 a parameter does not match its pattern (both 400),
6403 (400) an operation the data does not allow, 6401/6890 (401) no token / a token Zoho does not
know, 6404 (404) no such resource, 6504 (404) no such URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import JSONResponse, Response

from simulators.zoho.state import BillStatus, Portal, Project, Task, TimeLog, ZohoState

MISSING, PATTERN, NOT_ALLOWED, NOT_FOUND = 6831, 6832, 6403, 6404
DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")
HOURS = re.compile(r"^(\d{1,2}):([0-5]\d)$")
BILL_STATUSES: tuple[BillStatus, ...] = ("Billable", "Non Billable")
VIEW_TYPES = ("day", "week", "month")
COMPONENTS = ("task", "bug", "general")
MAX_RANGE, DEFAULT_RANGE = 200, 100
KIND_KEY = {"general": "generallogs", "task": "tasklogs", "bug": "buglogs"}


class ProjectsError(Exception):
    """Raised by validation; the route answers it with :func:`error`."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> Response:
        return error(self.status, self.code, self.message)


def error(
    status: int, code: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def not_found(what: str = "Resource") -> ProjectsError:
    return ProjectsError(404, NOT_FOUND, f"{what} not found")


def require(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "").strip()
    if not value:
        raise ProjectsError(400, MISSING, f"Input Parameter Missing: {name}")
    return value


def parse_date(value: str, name: str = "date") -> date:
    match = DATE.match(value)
    try:
        if match is None:
            raise ValueError(value)
        month, day, year = (int(g) for g in match.groups())
        return date(year, month, day)
    except ValueError:
        raise ProjectsError(
            400, PATTERN, f"Input Parameter Does not Match the Pattern Specified: {name}"
        ) from None


def parse_hours(value: str) -> int:
    """``hh:mm`` to minutes; a log is more than nothing and at most one day."""
    match = HOURS.match(value)
    minutes = int(match[1]) * 60 + int(match[2]) if match else 0
    if not 0 < minutes <= 24 * 60:
        raise ProjectsError(
            400, PATTERN, "Input Parameter Does not Match the Pattern Specified: hours"
        )
    return minutes


def parse_bill_status(value: str) -> BillStatus:
    for status in BILL_STATUSES:
        if value == status:  # exact: "Non-Billable" and "billable" are refused
            return status
    raise ProjectsError(
        400, PATTERN, "Input Parameter Does not Match the Pattern Specified: bill_status"
    )


def parse_page(params: Mapping[str, str]) -> tuple[int, int]:
    """1-based ``index`` of the first record and ``range`` (page size, at most 200)."""
    try:
        index = int(params.get("index") or 1)
        size = int(params.get("range") or DEFAULT_RANGE)
    except ValueError:
        index = size = 0
    if index < 1 or not 1 <= size <= MAX_RANGE:
        raise ProjectsError(
            400, PATTERN, "Input Parameter Does not Match the Pattern Specified: index/range"
        )
    return index, size


def view_range(view_type: str, anchor: date) -> tuple[date, date]:
    """The days a list covers: the day, its week (Sunday to Saturday, Zoho's default), or month."""
    if view_type == "day":
        return anchor, anchor
    if view_type == "week":
        first = anchor - timedelta(days=(anchor.weekday() + 1) % 7)
        return first, first + timedelta(days=6)
    first = anchor.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def one_of(params: Mapping[str, str], name: str, allowed: Iterable[str], default: str) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise ProjectsError(
            400, PATTERN, f"Input Parameter Does not Match the Pattern Specified: {name}"
        )
    return value


def mmddyyyy(day: date) -> str:
    return day.strftime("%m-%d-%Y")


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def local_midnight_ms(day: date, time_zone: str) -> int:
    midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(time_zone))
    return int(midnight.timestamp() * 1000)


class Renderer:
    """Turns state into Zoho's JSON; ``base`` is the Projects host as clients reach it."""

    def __init__(self, state: ZohoState, base: str) -> None:
        self.state = state
        self.base = base

    def portal(self, portal: Portal, zuid: str) -> dict[str, Any]:
        return {
            "id": portal.id,
            "id_string": str(portal.id),
            "name": portal.name,
            "default": portal.owner == zuid,
            "gmt_time_zone": portal.gmt_time_zone,
            "role": portal.members.get(zuid, "employee"),
            "settings": {
                "company_name": portal.company_name,
                "time_zone": portal.time_zone,
                "date_format": "MM-dd-yyyy hh:mm aaa",
            },
            "locale": {"code": "en_US", "language": "English", "country": "United States"},
            "link": {"project": {"url": f"{self.base}/restapi/portal/{portal.id}/projects/"}},
        }

    def project(self, project: Project, zuid: str) -> dict[str, Any]:
        portal = self.state.portals[project.portal_id]
        tasks = self.state.tasks_of(project.id)
        owner = self.state.users.get(project.owner)
        created = datetime.fromtimestamp(project.created_ms / 1000, ZoneInfo(portal.time_zone))
        url = f"{self.base}/restapi/portal/{portal.id}/projects/{project.id}/"
        return {
            "id": project.id,
            "id_string": str(project.id),
            "name": project.name,
            "status": project.status,
            "owner_name": owner.name if owner else "",
            "owner_id": project.owner,
            "created_date": created.strftime("%m-%d-%Y"),
            "created_date_format": created.strftime("%m-%d-%Y %I:%M:%S %p"),
            "created_date_long": project.created_ms,
            "description": project.description,
            "role": portal.members.get(zuid, "employee"),
            "task_count": {
                "open": sum(not t.completed for t in tasks),
                "closed": sum(t.completed for t in tasks),
            },
            "milestone_count": {"open": 0, "closed": 0},
            "bug_count": {"open": 0, "closed": 0},
            "link": {
                "self": {"url": url},
                "timesheet": {"url": f"{url}logs/"},
                "task": {"url": f"{url}tasks/"},
            },
        }

    def task(self, task: Task) -> dict[str, Any]:
        project = self.state.projects[task.project_id]
        url = (
            f"{self.base}/restapi/portal/{project.portal_id}/projects/{project.id}/tasks/{task.id}/"
        )
        return {
            "id": task.id,
            "id_string": str(task.id),
            "name": task.name,
            "completed": task.completed,
            "status": {"name": "Closed" if task.completed else "Open"},
            "link": {"self": {"url": url}, "timesheet": {"url": f"{url}logs/"}},
        }

    def log(self, log: TimeLog) -> dict[str, Any]:
        portal = self.state.portals[log.portal_id]
        project = self.state.projects[log.project_id]
        owner = self.state.users.get(log.owner)
        base = f"{self.base}/restapi/portal/{portal.id}/projects/{project.id}/"
        body: dict[str, Any] = {"id": log.id, "id_string": str(log.id)}
        if log.kind == "task" and log.task_id is not None:
            task = self.state.tasks[log.task_id]
            body["task"] = {"id": task.id, "id_string": str(task.id), "name": task.name}
            url = f"{base}tasks/{task.id}/logs/{log.id}/"
        else:
            body["name"] = log.name
            url = f"{base}logs/{log.id}/"
        return body | {
            "notes": log.notes,
            "log_date": mmddyyyy(log.log_date),
            "log_date_format": mmddyyyy(log.log_date),
            "log_date_long": local_midnight_ms(log.log_date, portal.time_zone),
            "hours": log.minutes // 60,
            "minutes": log.minutes % 60,
            "hours_display": hhmm(log.minutes),
            "total_minutes": log.minutes,
            "bill_status": log.bill_status,
            "approval_status": "Approved" if log.approved else "Pending",
            "owner_id": log.owner,
            "owner_name": owner.name if owner else "",
            "project": {"id": project.id, "id_string": str(project.id), "name": project.name},
            "link": {"self": {"url": url}},
        }

    def saved(self, log: TimeLog) -> dict[str, Any]:
        return {"timelogs": {KIND_KEY[log.kind]: [self.log(log)]}}

    def by_day(self, logs: list[TimeLog], *, grand_total: int, role: str) -> dict[str, Any]:
        """A page of logs grouped by day; a kind appears in a day only when it has logs."""
        days: dict[date, dict[str, Any]] = {}
        for log in logs:
            portal = self.state.portals[log.portal_id]
            day = days.setdefault(
                log.log_date,
                {
                    "date_long": local_midnight_ms(log.log_date, portal.time_zone),
                    "display_format": mmddyyyy(log.log_date),
                    "total": 0,
                },
            )
            day["total"] += log.minutes
            day.setdefault(KIND_KEY[log.kind], []).append(self.log(log))
        out = []
        for day in days.values():
            day["total_hours"] = hhmm(day.pop("total"))
            out.append(day)
        return {"timelogs": {"grandtotal": hhmm(grand_total), "role": role, "date": out}}
