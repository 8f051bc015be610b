"""What every Appsembler view shares: DRF's request parsing and replies, Open edX's course keys,
the dateutil parsing of analytics filters, Django's email validation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from json import JSONDecodeError

from dateutil import parser as dateparser
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

# opaque_keys' CourseLocator: new style, or the old slashed one
_KEY_PART = r"[\w\-~.:]+"
COURSE_KEY = re.compile(rf"^course-v1:({_KEY_PART})\+({_KEY_PART})\+({_KEY_PART})$")
OLD_COURSE_KEY = re.compile(rf"^({_KEY_PART})/({_KEY_PART})/({_KEY_PART})$")
# Django's EmailValidator, near enough: a dotted domain and no spaces
EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


class BadRequestBody(ValueError):
    """A body DRF's parsers refuse (400 ``{"detail": "JSON parse error - ..."}``)."""


async def body_of(request: Request) -> dict[str, object]:
    """The POST body, JSON or form-encoded (DRF accepts both); query parameters are ignored."""
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            data = await request.json()
        except (JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadRequestBody(f"JSON parse error - {exc}") from exc
        return data if isinstance(data, dict) else {}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def text(body: Mapping[str, object], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):  # DRF hands JSON booleans on; str() gives Python's spelling
        return str(value)
    return str(value)


def is_course_key(value: str) -> bool:
    return bool(COURSE_KEY.match(value) or OLD_COURSE_KEY.match(value))


def is_email(value: str) -> bool:
    return bool(EMAIL.match(value)) and len(value) <= 254


def parse_date(value: str) -> datetime:
    """dateutil's reading of any date (``ValueError`` when it cannot); naive ones are UTC."""
    try:
        parsed = dateparser.parse(value)
    except (OverflowError, dateparser.ParserError) as exc:
        raise ValueError(str(exc)) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def json(body: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def empty(status: int) -> Response:
    """DRF's ``Response(status=...)`` with no data: no body at all."""
    return Response(b"", status_code=status)


def server_error() -> Response:
    """Django's bare 500 page: the view let an exception escape."""
    return HTMLResponse("<h1>Server Error (500)</h1>", status_code=500)


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "Error."


def iso(moment: datetime) -> str:
    """DRF's datetime rendering: microseconds and ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
