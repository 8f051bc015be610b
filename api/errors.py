"""RFC 9457 problem details for every error response, and the one table from domain error to status.

Every error the app can answer with (including 404/405 from routing, 422 from validation and any
unexpected exception) leaves as ``application/problem+json``. Unexpected exceptions are logged with
their traceback and answered with a generic 500 that names only the request id.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.strict_json import NonFiniteNumber
from domain import errors as d

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://bff.example/problems/"

log = structlog.get_logger(__name__)

#: The only place where a domain error learns its HTTP status.
DOMAIN_STATUS: Mapping[type[d.DomainError], int] = {
    d.NotFound: 404,
    d.Conflict: 409,
    d.InvalidInput: 422,
    d.UpstreamRefusedInput: 422,
    d.StorageUnavailable: 503,
    d.PermissionDenied: 403,
    d.Unauthenticated: 401,
    d.Throttled: 429,
    d.ReconnectNeeded: 409,
    d.UpstreamRejected: 502,
    d.UpstreamRateLimited: 503,
    d.UpstreamUnavailable: 503,
    d.UpstreamError: 502,
}


class FieldError(BaseModel):
    loc: list[str | int] = Field(
        description="Where the bad value is: body, query, path or header, then names."
    )
    msg: str
    type: str
    path: str | None = Field(
        default=None,
        description="For problems in a JSON document (Caliper events): the JSON path, e.g. "
        "`$.data[0].actor`; `type` is the rule broken.",
    )


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=[PROBLEM_BASE + "not-found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["No class with sourcedId 'c-1'."])
    instance: str = Field(examples=["/v1/roster/classes/c-1"])
    request_id: str | None = None
    errors: list[FieldError] | None = None


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or title.lower().replace(" ", "-")),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
    }
    if errors is not None:
        body["errors"] = list(errors)
    out_headers = dict(headers or {})
    if body["request_id"]:
        # The 500 handler runs outside the request-id middleware, so the header is set here too.
        out_headers.setdefault("X-Request-ID", body["request_id"])
    return JSONResponse(
        body, status_code=status, headers=out_headers, media_type=PROBLEM_MEDIA_TYPE
    )


def status_for(exc: d.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in DOMAIN_STATUS:
            return DOMAIN_STATUS[cls]
    return 500


def _slug(exc: Exception) -> str:
    name = type(exc).__name__
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, d.DomainError):  # registered for DomainError only
        return await _unexpected_error(request, exc)
    headers: dict[str, str] = {}
    if isinstance(exc, d.Throttled):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    if isinstance(exc, d.StorageUnavailable):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    if isinstance(exc, d.UpstreamRateLimited) and exc.retry_after is not None:
        headers["Retry-After"] = str(math.ceil(exc.retry_after))
    if isinstance(exc, d.Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    errors: list[dict[str, Any]] | None = None
    violations = _violations(exc)
    if violations:
        errors = [
            {"loc": ["body", *_json_path_parts(v.path)], "msg": v.message, "type": v.rule}
            | {"path": v.path}
            for v in violations
        ]
    elif isinstance(exc, d.InvalidInput) and exc.fields:
        errors = [
            {"loc": ["body", *name.split(".")], "msg": exc.detail, "type": "value_error"}
            for name in exc.fields
        ]
    if isinstance(exc, d.UpstreamRefusedInput) and exc.messages:
        where = ["body", *(exc.field.split(".") if exc.field else [])]
        errors = [
            *(errors or []),
            *({"loc": where, "msg": m, "type": "upstream_validation"} for m in exc.messages),
        ]
    return problem_response(
        request, status_for(exc), exc.detail, slug=_slug(exc), errors=errors, headers=headers
    )


def _violations(exc: d.DomainError) -> tuple[d.Violation, ...]:
    if isinstance(exc, d.InvalidDocument | d.DocumentForbidden | d.DocumentConflict):
        return exc.violations
    return ()


_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[['\"]([^'\"]*)['\"]\]")


def _json_path_parts(path: str) -> list[str | int]:
    """``$.data[0].actor`` as ``["data", 0, "actor"]``."""
    parts: list[str | int] = []
    for name, index, quoted in _PATH_STEP.findall(path.removeprefix("$")):
        parts.append(int(index) if index else name or quoted)
    return parts


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):
        return await _unexpected_error(request, exc)
    if isinstance(exc, NonFiniteNumber):
        return problem_response(
            request,
            422,
            "The request has 1 invalid field(s).",
            slug="validation-error",
            errors=[{"loc": ["body"], "msg": str(exc.detail), "type": "finite_number"}],
        )
    return problem_response(request, exc.status_code, str(exc.detail), headers=exc.headers)


def _jsonable_loc(loc: Sequence[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        return await _unexpected_error(request, exc)
    errors = [
        {
            "loc": _jsonable_loc(e.get("loc", ())),
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in errors):
        return problem_response(
            request,
            400,
            "The request body is not valid JSON.",
            slug="malformed-request",
            errors=errors,
        )
    return problem_response(
        request,
        422,
        f"The request has {len(errors)} invalid field(s).",
        slug="validation-error",
        errors=errors,
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    return problem_response(
        request,
        500,
        "An unexpected error occurred; quote the request id when reporting it.",
        slug="internal-error",
    )


def add_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(d.DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)


#: OpenAPI ``responses=`` entries shared by every route.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": Problem,
        "description": "Malformed request",
        "content": {PROBLEM_MEDIA_TYPE: {}},
    },
    422: {"model": Problem, "description": "Validation error", "content": {PROBLEM_MEDIA_TYPE: {}}},
    500: {"model": Problem, "description": "Unexpected error", "content": {PROBLEM_MEDIA_TYPE: {}}},
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can answer with these statuses, documented as problems."""
    return {
        s: {
            "model": Problem,
            "description": HTTPStatus(s).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for s in statuses
    }
