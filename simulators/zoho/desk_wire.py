"""Zoho Desk v1 on the wire: error bodies, paging and time-entry parsing, and the JSON shapes.

Validation reports every problem at once as 422 ``UNPROCESSABLE_ENTITY`` with each field as a JSON
Pointer (``/executedTime``) and an ``errorType`` of ``missing`` or ``invalid``.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulators.zoho.state import DeskOrg, Ticket, TimeEntry

if TYPE_CHECKING:
    from simulators.zoho.app import ZohoSimulator

EXECUTED_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
CHARGE_TYPES = (
    "Customer Service",
    "Upgrade Request",
    "Product Consultation",
    "Support and Maintenance",
)
MAX_LIMIT, DEFAULT_LIMIT = 100, 10
ENTRY_FIELDS = frozenset(
    {
        "executedTime", "hoursSpent", "minutesSpent", "secondsSpent", "description",
        "isBillable", "requestChargeType", "ownerId", "agentCostPerHour", "additionalCost",
        "mode", "invoiceId",
    }
)  # fmt: skip


class DeskError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message", ""))
        self.status, self.body = status, body


def unprocessable(*problems: tuple[str, str]) -> DeskError:
    return DeskError(
        422,
        {
            "errorCode": "UNPROCESSABLE_ENTITY",
            "message": "The data sent is not valid.",
            "errors": [{"fieldName": f, "errorType": t} for f, t in problems],
        },
    )


def not_found() -> DeskError:
    return DeskError(
        404, {"errorCode": "URL_NOT_FOUND", "message": "The requested resource does not exist."}
    )


# -- parsing -------------------------------------------------------------------------------------


def page(request: Request) -> tuple[int, int]:
    params = request.query_params
    try:
        first = int(params.get("from") or 0)
    except ValueError:
        first = -1
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        limit = 0
    problems = []
    if first < 0:
        problems.append(("from", "invalid"))
    if not 1 <= limit <= MAX_LIMIT:
        problems.append(("limit", "invalid"))
    if problems:
        raise unprocessable(*problems)
    return first, limit


async def json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise unprocessable(("/", "invalid"))
    return body


def entry_fields(body: dict[str, Any], org: DeskOrg, *, creating: bool) -> dict[str, Any]:
    """The body as :class:`TimeEntry` attributes; every problem reported at once, as Desk does."""
    problems: list[tuple[str, str]] = [
        (f"/{key}", "invalid") for key in body if key not in ENTRY_FIELDS
    ]
    out: dict[str, Any] = {}
    if "executedTime" in body:
        value = body["executedTime"]
        if isinstance(value, str) and EXECUTED_TIME.match(value):
            out["executed_time"] = value
        else:
            problems.append(("/executedTime", "invalid"))
    elif creating:
        problems.append(("/executedTime", "missing"))
    for key, attr, top in (
        ("hoursSpent", "hours", None),
        ("minutesSpent", "minutes", 59),
        ("secondsSpent", "seconds", 59),
    ):
        if key in body:
            number = _count(body[key])
            if number is None or (top is not None and number > top):
                problems.append((f"/{key}", "invalid"))
            else:
                out[attr] = number
    if "isBillable" in body:
        if isinstance(body["isBillable"], bool):
            out["is_billable"] = body["isBillable"]
        else:
            problems.append(("/isBillable", "invalid"))
    if "requestChargeType" in body:
        if body["requestChargeType"] in CHARGE_TYPES:
            out["charge_type"] = body["requestChargeType"]
        else:
            problems.append(("/requestChargeType", "invalid"))
    if "description" in body:
        if isinstance(body["description"], str | None):
            out["description"] = body["description"] or ""
        else:
            problems.append(("/description", "invalid"))
    if "ownerId" in body:
        if str(body["ownerId"]) in org.members:
            out["owner"] = str(body["ownerId"])
        else:
            problems.append(("/ownerId", "invalid"))
    if "mode" in body:
        if body["mode"] in ("Manual", "Auto"):
            out["mode"] = body["mode"]
        else:
            problems.append(("/mode", "invalid"))
    for key, attr in (
        ("agentCostPerHour", "agent_cost_per_hour"),
        ("additionalCost", "additional_cost"),
    ):
        if key in body:
            cost = _cost(body[key])
            if cost is None:
                problems.append((f"/{key}", "invalid"))
            else:
                out[attr] = cost
    if "invoiceId" in body:
        out["invoice_id"] = None if body["invoiceId"] is None else str(body["invoiceId"])
    if problems:
        raise unprocessable(*problems)
    return out


def require_duration(entry: TimeEntry) -> None:
    if entry.hours * 3600 + entry.minutes * 60 + entry.seconds <= 0:
        raise unprocessable(("/hoursSpent", "invalid"))


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _cost(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    try:
        return float(value) if isinstance(value, str) and float(value) >= 0 else None
    except ValueError:
        return None


def now_iso(sim: ZohoSimulator) -> str:
    now = sim.clock.utcnow()
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


# -- rendering -----------------------------------------------------------------------------------


def error(exc: DeskError) -> Response:
    headers = {"Retry-After": str(exc.body["retry_after"])} if "retry_after" in exc.body else None
    body = {k: v for k, v in exc.body.items() if k != "retry_after"}
    return JSONResponse(body, status_code=exc.status, headers=headers)


def org_json(org: DeskOrg) -> dict[str, Any]:
    return {
        "id": org.id,
        "companyName": org.company_name,
        "portalName": org.portal_name,
        "isDefault": True,
        "edition": "ENTERPRISE",
    }


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "ticketNumber": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "departmentId": ticket.department_id,
        "email": ticket.email,
        "createdTime": ticket.created_time,
    }


def entry_json(entry: TimeEntry) -> dict[str, Any]:
    hours = entry.hours + entry.minutes / 60 + entry.seconds / 3600
    return {
        "id": entry.id,
        "requestId": entry.ticket_id,
        "ownerId": entry.owner,
        "executedTime": entry.executed_time,
        "hoursSpent": entry.hours,
        "minutesSpent": entry.minutes,
        "secondsSpent": entry.seconds,
        "description": entry.description,
        "isBillable": entry.is_billable,
        "requestChargeType": entry.charge_type,
        "agentCostPerHour": entry.agent_cost_per_hour,
        "additionalCost": entry.additional_cost,
        "totalCost": round(hours * entry.agent_cost_per_hour + entry.additional_cost, 2),
        "mode": entry.mode,
        "invoiceId": entry.invoice_id,
        "layoutId": None,
        "createdBy": entry.created_by,
        "createdTime": entry.created_time,
        "modifiedBy": entry.modified_by,
        "modifiedTime": entry.modified_time,
    }
