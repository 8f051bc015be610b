"""PowerPath's wire conventions: TimeBack's imsx_StatusInfo errors, required query parameters and
JSON bodies checked once, every handler behind the bearer-token check."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulators.timeback.state import JsonObject
from simulators.timeback.wire import imsx_response

Handler = Callable[[Request], Awaitable[Response]]


class Problem(Exception):
    """A request PowerPath refuses: its status and imsx description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    def response(self) -> Response:
        return imsx_response(self.status, self.description)


def not_found(what: str, ident: str) -> Problem:
    return Problem(404, f"{what} not found: {ident}")


def query(request: Request, name: str) -> str:
    value = request.query_params.get(name, "").strip()
    if not value:
        raise Problem(400, f"Missing required query parameter: {name}")
    return value


def one_of(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise Problem(400, f"Invalid {name}: {value!r}")
    return value


async def body(request: Request) -> JsonObject:
    try:
        found = json.loads(await request.body() or b"null")
    except ValueError:
        raise Problem(400, "The body is not JSON") from None
    if not isinstance(found, dict):
        raise Problem(400, "The body must be a JSON object")
    return found


def text(data: JsonObject, name: str, *, required: bool = True, empty: bool = False) -> str:
    """A string field; ``empty``: an empty one is an id that names nothing (a 404 later)."""
    value = data.get(name)
    if value is None and not required:
        return ""
    if isinstance(value, str) and empty:
        return value
    if not isinstance(value, str) or not value.strip():
        raise Problem(400, f"{name} must be a non-empty string")
    return value


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def iso(moment: float) -> str:
    """A simulator clock reading as TimeBack writes timestamps (UTC, milliseconds, ``Z``)."""
    at = datetime.fromtimestamp(moment, UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
