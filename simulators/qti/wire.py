"""QTI's wire conventions: ``{"error", "details"}`` bodies (a list's 400 also carries ``code``
and ``meta.issues``), JSON bodies read without ever raising, and timestamps."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulators.qti.ingest import Rejected
from simulators.qti.listing import ListError


class BadBody(ValueError):
    """The request body is not the JSON the route wants."""


def error(status: int, message: str, details: str | None = None) -> Response:
    body: dict[str, Any] = {"error": message}
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status)


def rejected(exc: Rejected) -> Response:
    return JSONResponse(
        {"error": exc.error, "details": "; ".join(exc.details), "validationErrors": exc.details},
        status_code=400,
    )


def list_error(exc: ListError) -> Response:
    return JSONResponse(
        {
            "error": "Invalid query parameters",
            "code": "VALIDATION_ERROR",
            "details": str(exc),
            "meta": {"issues": [{"field": exc.field, "message": str(exc), "code": "invalid"}]},
        },
        status_code=400,
    )


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise BadBody("the request body is empty")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadBody(f"the request body is not valid JSON: {exc}") from exc


async def json_object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadBody("the request body must be a JSON object")
    return body


def iso(moment: float) -> str:
    return (
        datetime.fromtimestamp(moment, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )
