"""OneRoster lists as the pass-through routes (gradebook, resources) take and answer them.

A list takes ``filter``, ``sort``, ``orderBy``, ``fields``, ``search``, ``limit`` and ``offset``,
documented with the fields of its kind, and answers with its envelope (``{"lineItems": [...]}``),
``X-Total-Count`` and ``Link``. A refused parameter is a 422 that names it in the query string.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.errors import problem_responses
from api.schemas.common import MAX_OFFSET
from domain.errors import InvalidInput
from domain.ports.gradebook import FIELDS, GradebookKind, PageQuery, WirePage
from domain.roster.filters import MAX_PREDICATES
from domain.roster.query import MAX_LIMIT, SortOrder

QUERY_PARAMETERS = frozenset({"filter", "sort", "orderBy", "fields", "search", "limit", "offset"})
PAGE_HEADERS = {
    "X-Total-Count": {"description": "How many objects match.", "schema": {"type": "integer"}},
    "Link": {"description": "RFC 8288 first, prev, next, last.", "schema": {"type": "string"}},
}


def declare(
    endpoint: Callable[..., Any], /, path_ids: Sequence[str] = (), **annotations: Any
) -> None:
    """Give parameters the types FastAPI should read (a body model, a kind's list parameters) and
    name the path ids that ``**ids`` stands for: these are made per route, so the signature is
    finished here rather than in the source."""
    signature = inspect.signature(endpoint)
    ids = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str) for name in path_ids
    ]
    rest = [
        p.replace(annotation=annotations[p.name]) if p.name in annotations else p
        for p in signature.parameters.values()
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    # A function takes any attribute; the ``Callable`` type does not say so.
    function: Any = endpoint
    function.__signature__ = signature.replace(parameters=[*ids, *rest])


def page_responses(page: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """What a list route answers: a page of its envelope, or a problem."""
    return {
        200: {"model": page, "description": "A page", "headers": PAGE_HEADERS},
        **problem_responses(401, 403, 404, 422),
    }


def _alternatives(names: Iterable[str]) -> str:
    return "(" + "|".join(re.escape(n) for n in sorted(names)) + ")"


# Explicit ranges, not \d or \s: Python and the JavaScript of OpenAPI tools disagree on those.
_COMPARISON = "{field} ?(=|!=|>|>=|<|<=|~|@) ?('[^'\\x00-\\x1f]{{0,40}}'|[0-9]{{1,9}}|true|false)"


def filter_pattern(kind: GradebookKind) -> str:
    """The documented shape of a filter on this kind: comparisons of its fields joined by AND /
    OR. The server also accepts parentheses and more values; everything this matches, it takes."""
    comparison = _COMPARISON.format(field=_alternatives(FIELDS[kind]))
    return f"^{comparison}( (AND|OR) {comparison}){{0,{MAX_PREDICATES - 1}}}$"


def page_query_for(kind: GradebookKind) -> Callable[..., Awaitable[PageQuery]]:
    """The OneRoster list parameters of one kind's routes, documented with that kind's fields."""
    names = _alternatives(FIELDS[kind])

    async def page_query(
        filter: str | None = None,
        sort: str | None = None,
        order: SortOrder = SortOrder.ASC,
        fields: str | None = None,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> PageQuery:
        if sort is not None and sort not in FIELDS[kind]:
            message = f"Cannot sort by {sort!r}; use one of {', '.join(sorted(FIELDS[kind]))}."
            raise RequestValidationError(
                [{"loc": ("query", "sort"), "msg": message, "type": "value_error"}]
            )
        return PageQuery(
            filter=filter,
            sort=sort,
            order_by=order.value,
            fields=tuple(f.strip() for f in fields.split(",") if f.strip()) if fields else None,
            search=search or None,
            limit=limit,
            offset=offset,
        )

    declare(
        page_query,
        filter=Annotated[
            str | None,
            Query(
                max_length=4000,
                description="A OneRoster filter, e.g. `scoreStatus='fully graded' AND score>=50`; "
                "comparisons joined by AND / OR, optionally grouped in parentheses.",
                json_schema_extra={"pattern": filter_pattern(kind)},
            ),
        ],
        sort=Annotated[
            str | None,
            Query(
                description="The field to sort by.",
                json_schema_extra={"enum": sorted(FIELDS[kind])},
            ),
        ],
        order=Annotated[SortOrder, Query(alias="orderBy", description="Sort direction.")],
        fields=Annotated[
            str | None,
            Query(
                max_length=2000,
                pattern=f"^ *{names}( *, *{names})* *$",
                description="Comma-separated properties to return (sparse fields).",
            ),
        ],
        search=Annotated[str | None, Query(max_length=200, description="Free text.")],
        limit=Annotated[int, Query(ge=1, le=MAX_LIMIT)],
        offset=Annotated[int, Query(ge=0, le=MAX_OFFSET)],
    )
    return page_query


@contextmanager
def query_errors() -> Iterator[None]:
    """A refused query parameter is reported where it is: in the query string."""
    try:
        yield
    except InvalidInput as exc:
        if exc.field not in QUERY_PARAMETERS:
            raise
        raise RequestValidationError(
            [{"loc": ("query", exc.field), "msg": exc.detail, "type": "value_error"}]
        ) from exc


def page_response(request: Request, key: str, page: WirePage, query: PageQuery) -> JSONResponse:
    # The path is quoted again: a header must be ASCII, and ids may not be.
    here = request.url.replace(path=quote(request.url.path, safe="/"))

    def url(at: int) -> str:
        return str(here.include_query_params(limit=query.limit, offset=at))

    limit, offset, total = query.limit, query.offset, page.total
    last = max(0, (total - 1) // limit * limit)
    links = [(url(0), "first")]
    if offset > 0:
        links.append((url(max(0, min(offset - limit, last))), "prev"))
    if offset + limit < total:
        links.append((url(offset + limit), "next"))
    links.append((url(last), "last"))
    return JSONResponse(
        {key: page.items},
        headers={
            "X-Total-Count": str(total),
            "Link": ", ".join(f'<{u}>; rel="{rel}"' for u, rel in links),
        },
    )
