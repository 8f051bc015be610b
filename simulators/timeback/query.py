"""List queries as TimeBack answers them: ``filter``, ``search``, ``sort``/``orderBy`` and ``fields``.

Filters are parsed by :mod:`.filters` (the simulator's own reading of TimeBack's grammar) and
evaluated here over the JSON entities. Values compare the way TimeBack compares
them: quoted values as strings, or as instants when both sides read as ISO dates; bare numbers
numerically; ``~`` case-insensitive "contains"; ``@`` "one of". A dotted field walks through
references (``course.sourcedId``) and lists (``roles.role``: any element matches). A field the
entities do not have is a 400 ``invalid_filter_field`` (``invalid_sort_field`` for ``sort``,
``invalid_selection_field`` for ``fields``).

Without ``sort`` the order is the collection's insertion order, which writes never change (a
create appends, an update or soft delete keeps its place): offset paging neither skips nor
repeats, even while entities are added.

A listing of a stored collection (or a view over one) is computed once per version of its
entities and query (:meth:`~.state.Collection.derived`): a client paging through 150k users sorted
by ``sourcedId`` costs one sort, not one per page. Filters compare with literals only, so the same
query over the same entities always gives the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import QueryParams
from starlette.responses import JSONResponse

from simulators.timeback.filters import (
    Condition,
    Filter,
    FilterSyntaxError,
    Operator,
    fields_named,
    parse,
)
from simulators.timeback.state import JsonObject, Readable
from simulators.timeback.wire import imsx_response

Predicate = Callable[[JsonObject], bool]

#: what ``search`` looks at, by list envelope key (TimeBack's documented ones first)
SEARCH_FIELDS: dict[str, tuple[str, ...]] = {
    "users": ("givenName", "familyName", "email"),
    "courses": ("title", "courseCode"),
    "classes": ("title",),
    "orgs": ("name",),
    "academicSessions": ("title",),
    "terms": ("title",),
    "gradingPeriods": ("title",),
    "enrollments": ("role",),
    "demographics": ("sourcedId",),
    "courseComponents": ("title",),
    "componentResources": ("title",),
}
ORDERS = ("asc", "desc")
#: filter fields TimeBack accepts that the entities do not carry under that name, by list key:
#: users are filtered by ``role`` (both official clients document ``role='student'``) although
#: their roles are a list (``roles[].role``; any of them matches)
FILTER_ALIASES: dict[str, dict[str, str]] = {
    "users": {"role": "roles.role"},
    "agents": {"role": "roles.role"},
}


class QueryError(ValueError):
    """A query TimeBack refuses: 400 with ``minor`` as the imsx minor code."""

    def __init__(self, description: str, minor: str, field: str) -> None:
        super().__init__(description)
        self.description = description
        self.minor = minor
        self.field = field

    def response(self) -> JSONResponse:
        details = [{"path": self.field, "message": str(self)}]
        return imsx_response(400, self.description, minor=self.minor, details=details)


@dataclass(frozen=True, slots=True)
class ListQuery:
    predicate: Predicate | None = None
    search: str | None = None
    sort: str | None = None
    descending: bool = False
    fields: tuple[str, ...] | None = None
    #: the filter as written: with search, sort and order, what a cached result is keyed by
    filter_text: str | None = None

    @property
    def signature(self) -> tuple[str | None, str | None, str | None, bool]:
        return (self.filter_text, self.search, self.sort, self.descending)


def parse_query(params: QueryParams, known: frozenset[str], key: str | None = None) -> ListQuery:
    """Read the query parameters against the fields the listed entities have (``known``);
    ``key``, the list envelope key, names the filter aliases that apply (:data:`FILTER_ALIASES`).
    """
    predicate = None
    filter_text = None
    if (text := params.get("filter")) is not None and text.strip():
        filter_text = text.strip()
        try:
            tree = _resolve(parse(text), FILTER_ALIASES.get(key or "", {}))
        except FilterSyntaxError as exc:
            raise QueryError(str(exc), "invalid_filter_field", "filter") from None
        for name in fields_named(tree):
            if name.split(".", 1)[0] not in known:
                raise QueryError(f"Invalid filter field: {name}", "invalid_filter_field", "filter")
        predicate = compile_filter(tree)
    sort = params.get("sort") or None
    if sort is not None:
        # the filter's aliases hold for the sort: users sort by ``role`` (their first role)
        sort = FILTER_ALIASES.get(key or "", {}).get(sort, sort)
    if sort is not None and sort.split(".", 1)[0] not in known:
        raise QueryError(f"Invalid sort field: {sort}", "invalid_sort_field", "sort")
    order = (params.get("orderBy") or "asc").lower()
    if order not in ORDERS:
        raise QueryError("orderBy must be asc or desc", "invaliddata", "orderBy")
    return ListQuery(
        predicate=predicate,
        search=(params.get("search") or "").strip().lower() or None,
        sort=sort,
        descending=order == "desc",
        fields=parse_fields(params, known),
        filter_text=filter_text,
    )


def parse_fields(params: QueryParams, known: frozenset[str]) -> tuple[str, ...] | None:
    raw = params.get("fields")
    if raw is None or not raw.strip():
        return None
    fields = tuple(dict.fromkeys(f.strip() for f in raw.split(",") if f.strip()))
    for name in fields:
        if name not in known:
            raise QueryError(
                f"Invalid selection field: {name}", "invalid_selection_field", "fields"
            )
    return fields


def run_query(source: Readable | list[JsonObject], query: ListQuery, key: str) -> list[JsonObject]:
    """Filter, search and sort (paging comes after, projection last: see :func:`project`).

    A collection or view answers from its cache while its entities are unchanged; the list
    returned is shared then, so callers slice it and never change it."""
    if isinstance(source, list):
        return _evaluate(source, query, key)
    if query.predicate is not None and query.filter_text is None:
        return _evaluate(source.all(), query, key)  # a hand-built predicate has no cache key
    return source.derived(
        ("query", key, query.signature), lambda: _evaluate(source.all(), query, key)
    )


def _evaluate(items: list[JsonObject], query: ListQuery, key: str) -> list[JsonObject]:
    if query.predicate is not None:
        predicate = query.predicate
        items = [e for e in items if predicate(e)]
    if query.search is not None:
        needle = query.search
        names = SEARCH_FIELDS.get(key, ("sourcedId",))
        items = [e for e in items if any(needle in str(e.get(n) or "").lower() for n in names)]
    if query.sort is not None:
        if query.sort == "sourcedId":  # what every sync asks for: no need to walk a path
            items = sorted(items, key=_sourced_id_key, reverse=query.descending)
        else:
            path = query.sort.split(".")
            items = sorted(
                items, key=lambda e: _sort_key(values_at(e, path)), reverse=query.descending
            )
    return items


def project(items: Iterable[JsonObject], fields: tuple[str, ...] | None) -> list[JsonObject]:
    if fields is None:
        return list(items)
    return [{f: e[f] for f in fields if f in e} for e in items]


# -- evaluation -------------------------------------------------------------------------------


def compile_filter(tree: Filter) -> Predicate:
    if isinstance(tree, Condition):
        return _compile_condition(tree)
    parts = [compile_filter(p) for p in tree.parts]
    if tree.joiner == "AND":
        return lambda e: all(p(e) for p in parts)
    return lambda e: any(p(e) for p in parts)


def _resolve(tree: Filter, aliases: dict[str, str]) -> Filter:
    """The filter with aliased fields replaced by the paths they stand for."""
    if not aliases:
        return tree
    if isinstance(tree, Condition):
        field = aliases.get(tree.field)
        return tree if field is None else replace(tree, field=field)
    return replace(tree, parts=tuple(_resolve(p, aliases) for p in tree.parts))


def values_at(entity: JsonObject, path: list[str]) -> list[Any]:
    """The values under a dotted path, lists flattened (``roles.role`` -> every role)."""
    values: list[Any] = [entity]
    for part in path:
        step: list[Any] = []
        for value in values:
            if isinstance(value, dict) and part in value:
                found = value[part]
                step.extend(found if isinstance(found, list) else [found])
        values = step
    return values


def _compile_condition(c: Condition) -> Predicate:
    path = c.path
    if c.operator == "!=":
        equal = _matcher("=", c.values[0].text, c.values[0].quoted)
        return lambda e: not any(equal(v) for v in values_at(e, path))
    if c.operator == "@":
        matchers = [_matcher("=", v.text, v.quoted) for v in c.values]
        return lambda e: any(m(v) for v in values_at(e, path) for m in matchers)
    match = _matcher(c.operator, c.values[0].text, c.values[0].quoted)
    return lambda e: any(match(v) for v in values_at(e, path))


def _matcher(op: Operator, raw: str, quoted: bool) -> Callable[[Any], bool]:
    if op == "~":
        needle = raw.lower()
        return lambda v: v is not None and needle in _text(v).lower()
    number = None if quoted else _number(raw)
    instant = _instant(raw)
    compare = _COMPARE[op]

    def match(value: Any) -> bool:
        if value is None or isinstance(value, dict | list):
            return False
        if number is not None:
            own = value if isinstance(value, int | float) and not isinstance(value, bool) else None
            own = own if own is not None else _number(_text(value))
            if own is not None:
                return compare(own, number)
        if instant is not None and isinstance(value, str):
            own_instant = _instant(value)
            if own_instant is not None:
                return compare(own_instant, instant)
        return compare(_text(value), raw)

    return match


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _instant(text: str) -> datetime | None:
    """An ISO date or date-time (``Z`` or an offset; naive means UTC), else None."""
    if len(text) < 10 or not (text[:4].isdigit() and text[4] == "-" and text[7] == "-"):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _sort_key(values: list[Any]) -> tuple[int, Any]:
    """Missing and null values last (first when descending); numbers before text."""
    value = values[0] if values else None
    if value is None or isinstance(value, dict | list):
        return (2, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, _text(value).lower())


def _sourced_id_key(entity: JsonObject) -> tuple[int, Any]:
    return _sort_key([entity["sourcedId"]] if "sourcedId" in entity else [])
