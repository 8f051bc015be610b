"""What every OneRoster list route shares, whether it reads the roster cache or passes through to
TimeBack (gradebook, resources): the list parameters and how they are documented, where a refused
parameter is reported, and the paging headers.

A list takes ``filter``, ``sort``, ``orderBy``, ``fields``, ``search``, ``limit`` and ``offset``.
``filter``, ``sort`` and ``fields`` are documented with the fields of the route's kind, so those
three are typed per route (:func:`kind_parameters`, :func:`declare`); the rest are plain aliases.

The paging headers themselves are every list's, OneRoster or not: :mod:`api.paging`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Query
from fastapi.exceptions import RequestValidationError

from api.schemas.common import MAX_OFFSET, SourcedId
from domain.errors import InvalidInput
from domain.roster.query import MAX_LIMIT, SortOrder

#: The query parameters a domain validation error can name (anything else keeps its own location).
QUERY_PARAMETERS = frozenset({"filter", "sort", "orderBy", "fields", "search", "limit", "offset"})

OrderBy = Annotated[SortOrder, Query(alias="orderBy", description="Sort direction.")]
Search = Annotated[
    str | None, Query(max_length=200, description="Free text over the kind's searchable fields.")
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


#: The filter grammar, said once. A regular expression cannot describe it (parentheses nest), and
#: the one documented before refused filters the server takes (days 29-31, date-times): generated
#: clients would have blocked them. So it is described, and typed as format ``oneroster-filter``.
FILTER_GRAMMAR = (
    "Comparisons `field op value`, joined by `AND` / `OR` (upper case; AND binds first) and grouped "
    "with parentheses. Operators: `=` `!=` `>` `>=` `<` `<=`, `~` (contains, any case) and `@` "
    "(any of a comma-separated list, e.g. `role@'student,teacher'`). Strings, dates (`2026-09-30`) "
    "and date-times (`2026-09-30T08:00:00Z`) in single quotes, a quote inside doubled (`'O''Brien'`); "
    "numbers and `true`/`false` bare. At most 50 comparisons."
)


def kind_parameters(
    *, filter_example: str, filterable: Iterable[str], sortable: Iterable[str],
    properties: Iterable[str],
) -> dict[str, Any]:  # fmt: skip
    """The types of ``filter``, ``sort`` and ``fields`` for one kind, for :func:`declare`.

    They document for clients and fuzzers; the domain parses and refuses what they let through,
    so a value outside them is still answered with a clear 422 naming the parameter.
    """
    names = ", ".join(f"`{f}`" for f in sorted(properties))
    fields = ", ".join(f"`{f}`" for f in sorted(filterable))
    return {
        "filter": Annotated[
            str | None,
            Query(
                max_length=4000,
                description=f"A OneRoster filter, e.g. `{filter_example}`. {FILTER_GRAMMAR} "
                f"Fields: {fields}.",
                json_schema_extra={"format": "oneroster-filter"},
            ),
        ],
        "sort": Annotated[
            str | None,
            Query(
                description="The field to sort by.", json_schema_extra={"enum": sorted(sortable)}
            ),
        ],
        # The names are said in the text, not as a pattern: an alternation of every property ran
        # to 600 characters and overflowed Swagger UI's parameter panel. A name outside them is a
        # 422 naming ``fields``; format ``oneroster-fields`` tells tools it is such a list.
        "fields": Annotated[
            str | None,
            Query(
                max_length=2000,
                description="Comma-separated properties to return (sparse fields), e.g. "
                f"`sourcedId,status`. Properties: {names}.",
                json_schema_extra={"format": "oneroster-fields"},
            ),
        ],
    }


def declare(
    endpoint: Callable[..., Any],
    /,
    path_ids: Sequence[str] = (),
    omit: Iterable[str] = (),
    **annotations: Any,
) -> Callable[..., Any]:
    """Give parameters the types FastAPI should read (a body model, a kind's list parameters),
    name the path ids that ``**ids`` stands for, and leave out those in ``omit`` (a route that does
    not offer one; the function's default applies): routes are made per kind, so their signature
    is finished here rather than in the source."""
    signature = inspect.signature(endpoint)
    ids = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=SourcedId)
        for name in path_ids
    ]
    left_out = frozenset(omit)
    rest = [
        p.replace(annotation=annotations[p.name]) if p.name in annotations else p
        for p in signature.parameters.values()
        if p.kind is not inspect.Parameter.VAR_KEYWORD and p.name not in left_out
    ]
    # A function takes any attribute; the ``Callable`` type does not say so.
    function: Any = endpoint
    function.__signature__ = signature.replace(parameters=[*ids, *rest])
    return endpoint


def split_fields(fields: str | None) -> tuple[str, ...] | None:
    """``fields=a, b`` as the names it lists."""
    if fields is None:
        return None
    return tuple(f.strip() for f in fields.split(",") if f.strip())


@contextmanager
def query_errors() -> Iterator[None]:
    """Report the domain's refusal of a query parameter where it is: in the query string.

    The domain names the parameter (``filter``, ``sort``, ``fields``...) but not where it came
    from; the router knows, so it hands the error to FastAPI's own validation answer with a
    ``query`` location instead of the generic handler's ``body``.
    """
    try:
        yield
    except InvalidInput as exc:
        if exc.field not in QUERY_PARAMETERS:
            raise
        raise RequestValidationError(
            [{"loc": ("query", exc.field), "msg": exc.detail, "type": "value_error"}]
        ) from exc
