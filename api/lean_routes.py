"""Read routes whose parameters and dependencies are solved by a plan compiled once per route.

FastAPI 0.165 re-derives, on every request and for every node of a route's dependency tree, facts
that never change (is the dependency a generator? does it use security scopes? is the parameter a
sequence? which aliases may it arrive under?). On a cached roster read that was ~200 us of CPU, more
than the read itself (docs/performance.md). :class:`LeanRoute` derives them once: when a route's
tree holds only what the read routes use (``async def`` dependencies and security schemes; query,
header and path parameters with plain names; the ``Request``), it is compiled into a plan, and a
GET runs the plan: the same validators (each parameter's own ``ModelField``), the same order
(sub-dependencies first, in signature order, then the node's own parameters), the same per-request
caching of a dependency's result, the same ``RequestValidationError`` with every problem in it.

Anything else (a body, a cookie, a generator dependency, security scopes, dependency overrides, a
response model) is left to FastAPI's own handler, which
stays the definition of the behaviour: ``tests/unit/api/test_lean_routes.py`` sends the same
requests through both and compares the answers.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from enum import Enum
from typing import Any

from fastapi import params
from fastapi._compat import ModelField, field_annotation_is_sequence, get_missing_field_error
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.security.base import SecurityBase
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.strict_json import Handler, StrictJsonRoute

_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    key: str  # where it arrives: the query or header name, the path parameter
    location: str  # "path", "query" or "header"
    field: ModelField
    many: bool  # a list: every value under the key
    #: the default to use as it is (no copy), where it cannot be changed in place
    shared_default: bool
    default: Any


_IMMUTABLE = (type(None), bool, int, float, str, bytes, Enum)


@dataclass(frozen=True, slots=True)
class _Node:
    call: Callable[..., Any]
    name: str | None
    params: tuple[_Param, ...]
    request_names: tuple[str, ...]  # the Request, as such or as an HTTPConnection
    children: tuple[_Node, ...]


def _param(field: ModelField) -> _Param | None:
    info = field.field_info
    if not isinstance(info, params.Path | params.Query | params.Header):
        return None
    annotation = info.annotation
    if info.validation_alias not in (None, field.alias) or (
        inspect.isclass(annotation) and issubclass(annotation, BaseModel)
    ):
        return None  # alias choices and parameter models: FastAPI's own handler
    key = field.alias
    if isinstance(info, params.Header) and info.convert_underscores and key == field.name:
        key = key.replace("_", "-")
    many = not isinstance(info, params.Path) and field_annotation_is_sequence(annotation)
    default = None if info.is_required() else field.default
    shared = isinstance(default, _IMMUTABLE)
    return _Param(field.name, key, info.in_.value, field, many, shared, default)


def _is_async(call: Any) -> bool:
    """A coroutine function, or a security scheme whose ``__call__`` is one (not a generator)."""
    if isinstance(call, SecurityBase):
        return inspect.iscoroutinefunction(type(call).__call__)
    return inspect.iscoroutinefunction(call)


def compile_plan(dependant: Dependant) -> _Node | None:
    """The dependant as a plan, or None where it uses anything the plan does not cover."""
    if (
        dependant.call is None
        or not _is_async(dependant.call)  # FastAPI runs the others in a thread
        or dependant.body_params
        or dependant.cookie_params
        or dependant.websocket_param_name
        or dependant.background_tasks_param_name
        or dependant.response_param_name
        or dependant.security_scopes_param_name
        or dependant.own_oauth_scopes
        or dependant.parent_oauth_scopes
        or dependant.concurrency is not None
        or not dependant.use_cache
    ):
        return None
    found = [
        _param(f)
        for f in [*dependant.path_params, *dependant.query_params, *dependant.header_params]
    ]
    children = [compile_plan(d) for d in dependant.dependencies]
    if any(p is None for p in found) or any(c is None for c in children):
        return None
    return _Node(
        call=dependant.call,
        name=dependant.name,
        params=tuple(p for p in found if p is not None),
        request_names=tuple(
            n for n in (dependant.request_param_name, dependant.http_connection_param_name) if n
        ),
        children=tuple(c for c in children if c is not None),
    )


async def _solve(
    node: _Node, request: Request, cache: dict[Any, Any], errors: list[Any]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for child in node.children:
        if child.call in cache:
            solved = cache[child.call]
        else:
            before = len(errors)
            arguments = await _solve(child, request, cache, errors)
            if len(errors) > before:
                continue  # FastAPI does not call a dependency whose own parameters failed
            solved = cache[child.call] = await child.call(**arguments)
        if child.name is not None:
            values[child.name] = solved
    for param in node.params:
        value, problems = _validate(param, request, values)
        if problems:
            errors.extend(problems)
        else:
            values[param.name] = value
    for name in node.request_names:
        values[name] = request
    return values


def _validate(param: _Param, request: Request, values: dict[str, Any]) -> tuple[Any, list[Any]]:
    raw: Any
    if param.location == "path":
        raw = request.path_params.get(param.key, _MISSING)
    else:
        source = request.query_params if param.location == "query" else request.headers
        raw = source.getlist(param.key) if param.many else source.get(param.key, _MISSING)
        if param.many and not raw:
            raw = _MISSING
    field = param.field
    loc = (param.location, param.key)
    if raw is _MISSING:
        if field.field_info.is_required():
            return None, [get_missing_field_error(loc=loc)]
        default = param.default if param.shared_default else deepcopy(field.default)
        if not field.field_info.validate_default:
            return default, []
        raw = default
    value, problems = field.validate(raw, values, loc=loc)
    return value, list(problems or [])


class LeanRoute(StrictJsonRoute):
    """An ``APIRoute`` that answers GET through a compiled plan where it can (module docs)."""

    #: False: every request goes to FastAPI's own handler (the tests compare the two this way)
    enabled = True

    def get_route_handler(self) -> Handler:
        general = super().get_route_handler()
        # A response model asks for validation and serialisation on the way out: FastAPI's job.
        plain = self.response_model is None and (self.methods or set()) <= {"GET", "HEAD"}
        plan = compile_plan(self.dependant) if plain else None
        if plan is None:
            return general
        overrides = self.dependency_overrides_provider
        endpoint = plan.call

        async def lean(request: Request) -> Response:
            if not LeanRoute.enabled or (
                overrides is not None and getattr(overrides, "dependency_overrides", None)
            ):
                return await general(request)
            errors: list[Any] = []
            values = await _solve(plan, request, {}, errors)
            if errors:
                raise RequestValidationError(errors)
            response = await endpoint(**values)
            if isinstance(response, Response):
                return response
            return JSONResponse(jsonable_encoder(response), status_code=self.status_code or 200)

        return lean
