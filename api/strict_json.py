"""Request bodies read as JSON is defined (RFC 8259), not as Python's ``json`` module reads it.

Python takes ``NaN``, ``Infinity`` and ``-Infinity`` as numbers and reads ``1e400`` as infinity.
None of them is a JSON number: TimeBack's encoder (``allow_nan=False``) refused them on the way out,
which surfaced as a 503 "unexpected response from TimeBack", and the database stored a ``NaN`` in
free-form ``metadata`` as null. Refusing them where the body is decoded covers every route and every
depth of a body (free-form objects included), before any model or use case sees it.

Every route with a body is a :class:`StrictJsonRoute` (``api.routing.add_routes`` refuses others):
it hands FastAPI a request whose ``json()`` is the strict one; FastAPI still decides when a body is
JSON and reports malformed JSON itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class NonFiniteNumber(HTTPException):
    """A number JSON cannot hold (``NaN``, ``Infinity``, or one past a double's range).

    An ``HTTPException``: FastAPI lets those through from body decoding (anything else it turns
    into a bare 400); ``api.errors`` answers it as a 422 validation problem on the body."""

    def __init__(self, literal: str) -> None:
        super().__init__(422, f"{literal} is not a finite JSON number.")
        self.literal = literal


def _refuse_constant(literal: str) -> Any:
    raise NonFiniteNumber(literal)


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):  # 1e400 overflows to inf
        raise NonFiniteNumber(literal)
    return value


def loads(body: bytes | str) -> Any:
    """``json.loads`` refusing non-finite numbers (:class:`NonFiniteNumber`)."""
    return json.loads(body, parse_constant=_refuse_constant, parse_float=_finite)


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """A route whose JSON body is read by :func:`loads`. Routes without a body are left as they
    are: nothing there reads JSON, and the hot read path keeps its one request object."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        if not self.dependant.body_params:
            return handler

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict
