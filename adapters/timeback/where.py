"""The ``where`` filter DSL of timeback-common, compiled to the domain's filter AST and printed.

    {"status": "active", "role": "teacher"}     status='active' AND role='teacher'
    {"score": {"gte": 90}}                      score>=90
    {"email": {"contains": "@x"}}               email~'@x'
    {"role": {"in_": ["teacher", "aide"]}}      (role='teacher' OR role='aide')
    {"status": {"not_in": ["a", "b"]}}          status!='a' AND status!='b'
    {"OR": [{"role": "teacher"}, {"role": "aide"}]}
    {"familyName": "O'Brien"}                   familyName='O''Brien'

A plain value means ``eq``; an operator dict (``eq``, ``ne``, ``gt``, ``gte``, ``lt``, ``lte``,
``contains``, ``in_``, ``not_in``) may hold several operators, ANDed; ``OR`` (and ``AND``) take a
list of where dicts. Strings, dates and datetimes (ISO 8601, UTC as ``Z``) are quoted; numbers and
booleans are bare. Quoting and escaping happen in one place, :func:`domain.roster.filters.format_filter`,
and every compiled filter is read back by :func:`~domain.roster.filters.parse_filter`, so what the
adapter sends is what the simulator and the cache understand. Mistakes raise ``FilterError``
(a domain ``InvalidInput``) before anything is sent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from domain.roster.filters import (
    Comparison,
    Expr,
    FilterError,
    Logical,
    Op,
    format_filter,
    parse_filter,
)

Where = Mapping[str, Any]

OPERATORS: dict[str, Op] = {
    "eq": Op.EQ,
    "ne": Op.NE,
    "gt": Op.GT,
    "gte": Op.GE,
    "lt": Op.LT,
    "lte": Op.LE,
    "contains": Op.CONTAINS,
}
LIST_OPERATORS = ("in_", "not_in")


def compile_where(where: Where) -> Expr:
    """The AST of a where dict (several keys are ANDed)."""
    where_value: object = where  # callers outside mypy may pass anything
    if not isinstance(where_value, Mapping) or not where_value:
        raise FilterError("A where filter needs at least one condition.")
    parts: list[Expr] = []
    for key, condition in where.items():
        if key in ("OR", "AND"):
            parts.append(_logical(key, condition))
        else:
            parts.extend(_conditions(key, condition))
    return _join("AND", parts)


def where_to_filter(where: Where) -> str:
    """The OneRoster filter string of a where dict; an OR at the top is kept in parentheses."""
    return print_filter(compile_where(where))


def print_filter(expr: Expr) -> str:
    """Print an AST as TimeBack's filter parameter (an OR at the top in parentheses, as
    timeback-common sends it), checked by reading it back."""
    nested = isinstance(expr, Logical) and expr.op == "OR"
    text = format_filter(expr, nested=nested)
    parse_filter(text)  # field names and lengths the grammar accepts, or FilterError
    return text


def combine_filters(filter: str | None = None, where: Where | None = None) -> str | None:
    """A raw ``filter`` (validated, sent as written) and/or a ``where`` dict, ANDed when both."""
    if filter is not None and not filter.strip():
        filter = None
    if filter is not None:
        raw = parse_filter(filter)
        if where is None:
            return filter
        return print_filter(_join("AND", [raw, compile_where(where)]))
    return where_to_filter(where) if where is not None else None


def _logical(op: str, branches: object) -> Expr:
    if isinstance(branches, Mapping):
        branches = [branches]
    if not isinstance(branches, Sequence) or isinstance(branches, str | bytes) or not branches:
        raise FilterError(f"{op} needs a non-empty list of where conditions.")
    return _join(op, [compile_where(b) for b in branches])


def _conditions(field: str, condition: object) -> list[Expr]:
    if not field:
        raise FilterError("A where key must be a field name.")
    if not isinstance(condition, Mapping):
        return [_compare(field, Op.EQ, condition)]
    if not condition:
        raise FilterError(f"The condition on {field!r} is empty.")
    parts: list[Expr] = []
    for name, value in condition.items():
        if name in OPERATORS:
            parts.append(_compare(field, OPERATORS[name], value))
        elif name in LIST_OPERATORS:
            values = _values(field, name, value)
            if name == "in_":
                if not values:
                    raise FilterError(f"in_ on {field!r} needs at least one value.")
                parts.append(_join("OR", [_compare(field, Op.EQ, v) for v in values]))
            else:
                parts.extend(_compare(field, Op.NE, v) for v in values)
        else:
            known = ", ".join([*OPERATORS, *LIST_OPERATORS])
            raise FilterError(f"Unknown operator {name!r} on {field!r} (known: {known}).")
    return parts


def _values(field: str, name: str, value: object) -> list[object]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(
        value, Sequence | set | frozenset
    ):
        raise FilterError(f"{name} on {field!r} needs a list of values.")
    return list(value)


def _compare(field: str, op: Op, value: object) -> Comparison:
    text, quoted = _literal(field, value)
    if op is Op.CONTAINS and not quoted:
        text, quoted = _literal(field, str(value))
    return Comparison(field, op, text, quoted)


def _literal(field: str, value: object) -> tuple[str, bool]:
    """The value's text and whether it is written in quotes."""
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        raise FilterError(f"The filter language has no null: drop the condition on {field!r}.")
    if isinstance(value, bool):
        return ("true" if value else "false"), False
    if isinstance(value, int):
        return str(value), False
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FilterError(f"{value!r} is not a filter value for {field!r}.")
        return repr(value), False
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
            return value.isoformat().replace("+00:00", "Z"), True
        return value.isoformat(), True
    if isinstance(value, date):
        return value.isoformat(), True
    if isinstance(value, str):
        return value, True
    raise FilterError(f"{type(value).__name__} is not a filter value for {field!r}.")


def _join(op: str, parts: list[Expr]) -> Expr:
    """``parts`` joined by ``op``, flattening same-op children; one part stands alone."""
    flat: list[Expr] = []
    for part in parts:
        if isinstance(part, Logical) and part.op == op:
            flat.extend(part.parts)
        else:
            flat.append(part)
    return flat[0] if len(flat) == 1 else Logical(op, tuple(flat))
