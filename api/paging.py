"""Paging, the same on every list (docs/api.md): ``limit`` and ``offset`` in, ``X-Total-Count``
and an RFC 8288 ``Link`` header (first, prev, next, last) out. BFF-native lists answer
:class:`Page`'s ``{"items": [...], "total": n}``; OneRoster-shaped routes keep OneRoster's
envelopes (``{"users": [...]}``) with the same headers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import Query, Request, Response
from fastapi.datastructures import URL
from pydantic import BaseModel, Field

from api.schemas.common import MAX_OFFSET

_PAGING = frozenset({"limit", "offset"})
#: What RFC 3986 lets a path segment hold unquoted (besides letters, digits and ``-._~``).
_PATH_SAFE = "/:@!$&'()*+,;="

PAGE_HEADERS = {
    "X-Total-Count": {
        "description": "How many records match, over all pages.",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": "RFC 8288 links to the first, previous, next and last pages.",
        "schema": {"type": "string"},
    },
}

#: ``responses=`` entry of a BFF-native list route: its 200 carries the paging headers
PAGED: dict[int | str, dict[str, Any]] = {200: {"description": "A page", "headers": PAGE_HEADERS}}

PageLimit = Annotated[int, Query(ge=1, le=500, description="Records per page.")]
PageOffset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="Records to skip (the page's start).")
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a BFF-native list; subclassed per item type so each has its own schema name."""

    items: list[T]
    total: int = Field(description="How many records match, over all pages (as X-Total-Count).")


def link_header(url: URL, *, limit: int, offset: int, total: int) -> str:
    """RFC 8288 first, prev, next and last links: the request's other parameters in their order,
    then ``limit`` and ``offset`` (what ``URL.include_query_params`` gives, parsed once)."""
    # The path arrives decoded; quoted again, because a header must be ASCII and ids may not be.
    base = url.replace(path=quote(url.path, safe=_PATH_SAFE), query="")
    kept = urlencode(
        [(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True) if k not in _PAGING]
    )
    prefix = f"{base}?{kept}&" if kept else f"{base}?"

    def url_at(at: int) -> str:
        return f"{prefix}limit={limit}&offset={at}"

    last = max(0, (total - 1) // limit * limit)
    links = [(url_at(0), "first")]
    if offset > 0:
        links.append((url_at(max(0, min(offset - limit, last))), "prev"))
    if offset + limit < total:
        links.append((url_at(offset + limit), "next"))
    links.append((url_at(last), "last"))
    return ", ".join(f'<{u}>; rel="{rel}"' for u, rel in links)


def paging_headers(
    request: Request, response: Response, *, limit: int, offset: int, total: int
) -> None:
    """Set ``X-Total-Count`` and ``Link`` on the answer of a list route."""
    response.headers["X-Total-Count"] = str(total)
    response.headers["Link"] = link_header(request.url, limit=limit, offset=offset, total=total)


def window(
    request: Request, response: Response, items: Sequence[T], *, limit: int, offset: int
) -> list[T]:
    """One page of a list that is read whole (a person's tokens or integrations: a handful), with
    the list's paging headers set on the answer."""
    paging_headers(request, response, limit=limit, offset=offset, total=len(items))
    return list(items[offset : offset + limit])
