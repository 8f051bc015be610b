"""Caliper's wire conventions: ``{status, message, errors}`` bodies and the list's pagination."""

from __future__ import annotations

import math
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

from simulators.caliper.checks import Problem

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def error(status: int, message: str | None = None, errors: object = None) -> JSONResponse:
    body: dict[str, Any] = {"status": "error", "message": message or _phrase(status)}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status)


def invalid(problems: Sequence[Problem], *, status: int = 400) -> JSONResponse:
    """Every problem at once: ``errors`` is ``[{path, message, eventId?}]``."""
    count = len(problems)
    message = f"Invalid Caliper envelope: {count} problem{'s' if count != 1 else ''}"
    return error(status, message, [p.to_json() for p in problems])


def page(rows: Sequence[dict[str, Any]], *, total: int, limit: int, offset: int) -> JSONResponse:
    """The list's shape as timeback-caliper parses it, plus the spec's ``status`` and
    ``message`` (its 200 schema requires them)."""
    return JSONResponse(
        {
            "status": "success",
            "message": "Events retrieved successfully",
            "events": list(rows),
            "pagination": {
                "total": total,
                "totalPages": math.ceil(total / limit),
                "currentPage": offset // limit + 1,
                "limit": limit,
            },
        }
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
