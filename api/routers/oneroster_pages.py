"""OneRoster lists as the pass-through routes (gradebook, resources) take and answer them.

A list takes the OneRoster list parameters (:mod:`api.routers.oneroster_query`), documented with
the fields of its kind, and answers with its envelope (``{"lineItems": [...]}``), ``X-Total-Count``
and ``Link``. A refused parameter is a 422 that names it in the query string.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.errors import problem_responses
from api.paging import PAGE_HEADERS, link_header
from api.routers.oneroster_query import (
    Limit,
    Offset,
    OrderBy,
    Search,
    declare,
    kind_parameters,
    split_fields,
)
from domain.ports.gradebook import FIELDS, GradebookKind, PageQuery, WirePage
from domain.roster.query import SortOrder


def page_responses(page: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """What a list route answers: a page of its envelope, or a problem."""
    return {
        200: {"model": page, "description": "A page", "headers": PAGE_HEADERS},
        **problem_responses(401, 403, 404, 422),
    }


def page_query_for(kind: GradebookKind) -> Callable[..., Awaitable[PageQuery]]:
    """The OneRoster list parameters of one kind's routes, documented with that kind's fields."""

    async def page_query(
        filter: str | None = None,
        sort: str | None = None,
        order: OrderBy = SortOrder.ASC,
        fields: str | None = None,
        search: Search = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> PageQuery:
        if sort is not None and sort not in FIELDS[kind]:
            message = f"Cannot sort by {sort!r}; use one of {', '.join(sorted(FIELDS[kind]))}."
            raise RequestValidationError(
                [{"loc": ("query", "sort"), "msg": message, "type": "value_error"}]
            )
        chosen = split_fields(fields)
        unknown = sorted(set(chosen or ()) - FIELDS[kind])
        if unknown:
            message = f"No field {', '.join(map(repr, unknown))}; the fields are: " + ", ".join(
                sorted(FIELDS[kind])
            )
            raise RequestValidationError(
                [{"loc": ("query", "fields"), "msg": message, "type": "value_error"}]
            )
        return PageQuery(
            filter=filter,
            sort=sort,
            order_by=order.value,
            fields=chosen,
            search=search or None,
            limit=limit,
            offset=offset,
        )

    return declare(
        page_query,
        **kind_parameters(
            filter_example="scoreStatus='fully graded' AND score>=50",
            filterable=FIELDS[kind],
            sortable=FIELDS[kind],
            properties=FIELDS[kind],
        ),
    )


def page_response(request: Request, key: str, page: WirePage, query: PageQuery) -> JSONResponse:
    return JSONResponse(
        {key: page.items},
        headers={
            "X-Total-Count": str(page.total),
            "Link": link_header(
                request.url, limit=query.limit, offset=query.offset, total=page.total
            ),
        },
    )
