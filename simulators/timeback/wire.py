"""TimeBack's wire conventions: imsx_StatusInfo errors, OAuth errors, and limit/offset pages.

A page carries its position twice, as TimeBack's body fields (``totalCount``, ``pageCount``,
``pageNumber``, ``offset``, ``limit``; one client requires them) and as the 1EdTech headers
(``X-Total-Count``, ``Link``; the other client reads only those).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from starlette.datastructures import URL, QueryParams
from starlette.responses import JSONResponse

from simulators.timeback.state import JsonObject

DEFAULT_LIMIT = 100
MAX_LIMIT = 3000
MINOR_CODES = {
    400: "invaliddata",
    401: "unauthorisedrequest",
    403: "forbidden",
    404: "unknownobject",
    422: "invaliddata",
    429: "server_busy",
}


def imsx_body(
    status: int,
    description: str | None = None,
    *,
    minor: str | None = None,
    details: list[JsonObject] | None = None,
) -> JsonObject:
    """``minor`` overrides the status's usual minor code; ``details`` become
    ``imsx_error_details`` (``[{"path", "message"}]``)."""
    if minor is None:
        minor = MINOR_CODES.get(status, "internal_server_error" if status >= 500 else "invaliddata")
    body: JsonObject = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description or HTTPStatus(status).phrase,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
            ]
        },
    }
    if details:
        body["imsx_error_details"] = details
    return body


def imsx_response(
    status: int,
    description: str | None = None,
    *,
    minor: str | None = None,
    details: list[JsonObject] | None = None,
) -> JSONResponse:
    return JSONResponse(
        imsx_body(status, description, minor=minor, details=details), status_code=status
    )


def oauth_error(error: str, status: int) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status, headers={"Cache-Control": "no-store"})


class InvalidPage(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    offset: int


def parse_page(params: QueryParams) -> PageRequest:
    try:
        limit = int(params.get("limit", DEFAULT_LIMIT))
        offset = int(params.get("offset", 0))
    except ValueError:
        raise InvalidPage("limit and offset must be integers") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidPage(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise InvalidPage("offset must not be negative")
    return PageRequest(limit, offset)


def page_response(
    url: URL,
    key: str,
    items: list[JsonObject],
    page: PageRequest,
    project: Callable[[list[JsonObject]], list[JsonObject]] | None = None,
) -> JSONResponse:
    """``project`` shapes the page's entities (a sparse field set) after slicing."""
    total = len(items)
    window = items[page.offset : page.offset + page.limit]
    body = {
        key: project(window) if project is not None else window,
        "totalCount": total,
        "pageCount": math.ceil(total / page.limit),
        "pageNumber": page.offset // page.limit + 1,
        "offset": page.offset,
        "limit": page.limit,
    }
    headers = {"X-Total-Count": str(total)}
    if links := _links(url, page, total):
        headers["Link"] = links
    return JSONResponse(body, headers=headers)


def _links(url: URL, page: PageRequest, total: int) -> str:
    def link(offset: int, rel: str) -> str:
        return f'<{url.include_query_params(limit=page.limit, offset=offset)}>; rel="{rel}"'

    parts = [link(0, "first")]
    if page.offset > 0:
        parts.append(link(max(0, page.offset - page.limit), "prev"))
    if page.offset + page.limit < total:
        parts.append(link(page.offset + page.limit, "next"))
    if total:
        parts.append(link((math.ceil(total / page.limit) - 1) * page.limit, "last"))
    return ", ".join(parts)
