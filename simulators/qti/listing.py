"""QTI's list answers: ``{items, total, page, pages, limit, sort, order}`` with ``query`` (a
case-insensitive substring of the title or identifier), ``filter`` (TimeBack's IMS grammar, the
same parser as the OneRoster simulator's: one family, one dialect; fields may be dotted, e.g.
``metadata.difficulty='hard'``), ``sort`` / ``order`` (default ``createdAt`` ``desc``) and
``page`` / ``limit`` (1-based; default 1 and 10)."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from simulators.timeback.filters import Condition, Filter, FilterSyntaxError, parse

JsonObject = dict[str, Any]
MAX_LIMIT = 3000


class ListError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def page_of(
    rows: Iterable[JsonObject],
    params: Mapping[str, str],
    *,
    sorts: tuple[str, ...],
    default_sort: str = "createdAt",
    natural: str | None = None,
    filtered: bool = True,
) -> JsonObject:
    """One page of ``rows``; with ``natural`` (e.g. "sequence") and no ``sort`` asked for, rows
    keep their own order (ascending) and the answer names ``natural`` as the sort."""
    found = list(rows)
    query = (params.get("query") or "").strip().lower()
    if query:
        found = [
            r
            for r in found
            if query in str(r.get("title", "")).lower()
            or query in str(r.get("identifier", "")).lower()
        ]
    if filtered and params.get("filter"):
        test = compile_filter(params["filter"])
        found = [r for r in found if test(r)]
    asked = params.get("sort")
    sort = asked or natural or default_sort
    if asked and asked not in sorts:
        raise ListError("sort", f"sort must be one of {', '.join(sorts)}")
    order = params.get("order") or ("asc" if natural and not asked else "desc")
    if order not in {"asc", "desc"}:
        raise ListError("order", "order must be asc or desc")
    page, limit = _positive(params, "page", 1), _positive(params, "limit", 10)
    if limit > MAX_LIMIT:
        raise ListError("limit", f"limit must be at most {MAX_LIMIT}")
    if asked or not natural:
        found.sort(key=lambda r: (str(r.get(sort, "")), str(r.get("identifier", ""))))
    if order == "desc":
        found.reverse()
    start = (page - 1) * limit
    return {
        "items": found[start : start + limit],
        "total": len(found),
        "page": page,
        "pages": math.ceil(len(found) / limit),
        "limit": limit,
        "sort": sort,
        "order": order,
    }


def _positive(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ListError(name, f"{name} must be a positive integer") from None
    if value < 1:
        raise ListError(name, f"{name} must be a positive integer")
    return value


COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def compile_filter(text: str) -> Callable[[JsonObject], bool]:
    try:
        tree = parse(text)
    except FilterSyntaxError as exc:
        raise ListError("filter", f"invalid filter: {exc}") from exc
    return lambda row: _holds(tree, row)


def _holds(tree: Filter, row: JsonObject) -> bool:
    if isinstance(tree, Condition):
        return _condition(tree, row)
    results = (_holds(part, row) for part in tree.parts)
    return all(results) if tree.joiner == "AND" else any(results)


def _condition(c: Condition, row: JsonObject) -> bool:
    value: Any = row
    for step in c.path:
        value = value.get(step) if isinstance(value, dict) else None
    wanted = [v.text for v in c.values]
    if value is None or isinstance(value, dict | list):
        return c.operator == "!="
    own = str(value).lower() if isinstance(value, bool) else str(value)
    if c.operator == "~":
        return wanted[0].lower() in own.lower()
    if c.operator == "@":
        return own in {w for v in wanted for w in v.split(",")}
    number = _number(own), _number(wanted[0])
    if number[0] is not None and number[1] is not None and not c.values[0].quoted:
        return COMPARE[c.operator](number[0], number[1])
    return COMPARE[c.operator](own, wanted[0])


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
