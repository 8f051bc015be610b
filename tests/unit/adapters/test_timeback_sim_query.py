"""The TimeBack simulator's filter evaluation and the kit's rate limit, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.datastructures import QueryParams

from simulators.kit.faults import FaultPlan
from simulators.timeback.query import QueryError, parse_query, run_query

ENTITIES: list[dict[str, Any]] = [
    {
        "sourcedId": "a",
        "givenName": "Ada",
        "dateLastModified": "2025-01-01T00:00:00.500Z",
        "schoolYear": 2025,
        "grades": ["5", "6"],
        "middleName": None,
        "org": {"sourcedId": "o1"},
    },
    {
        "sourcedId": "b",
        "givenName": "O'Brien",
        "dateLastModified": "2025-01-01T00:00:00Z",
        "schoolYear": 2024,
        "grades": ["10"],
        "middleName": "Q",
        "org": {"sourcedId": "o2"},
    },
]
KNOWN = frozenset(ENTITIES[0])


def ids(**params: str) -> list[str]:
    query = parse_query(QueryParams(params), KNOWN)
    return [e["sourcedId"] for e in run_query(ENTITIES, query, "users")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dateLastModified>'2025-01-01T00:00:00Z'", ["a"]),  # milliseconds count, not text order
        ("dateLastModified>='2025-01-01'", ["a", "b"]),
        ("schoolYear>2024", ["a"]),
        ("schoolYear<=2024.5", ["b"]),
        ("grades=10", ["b"]),  # bare numbers compare numerically, any list element
        ("grades>9", ["b"]),
        ("grades!='5'", ["b"]),
        ("givenName='O''Brien'", ["b"]),
        ("givenName~'BRI'", ["b"]),
        ("org.sourcedId@'o2,o3'", ["b"]),
        ("middleName='Q' OR givenName='Ada'", ["a", "b"]),
        ("(givenName='Ada' OR givenName='x') AND schoolYear=2025", ["a"]),
        ("middleName!='Q'", ["a"]),  # null differs from everything
    ],
)
def test_filters(text: str, expected: list[str]) -> None:
    assert ids(filter=text) == expected


def test_sort_descending_puts_missing_values_first_and_search_ignores_case() -> None:
    assert ids(sort="middleName", orderBy="desc") == ["a", "b"]
    assert ids(sort="givenName") == ["a", "b"]
    assert ids(search="obr") == []
    assert ids(search="o'br") == ["b"]


@pytest.mark.parametrize(
    ("params", "minor"),
    [
        ({"filter": "nope='x'"}, "invalid_filter_field"),
        ({"filter": "givenName"}, "invalid_filter_field"),
        ({"sort": "nope"}, "invalid_sort_field"),
        ({"fields": "nope"}, "invalid_selection_field"),
        ({"orderBy": "sideways"}, "invaliddata"),
    ],
)
def test_refusals(params: dict[str, str], minor: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(QueryParams(params), KNOWN)
    assert info.value.minor == minor


def test_rate_limit_fails_past_the_limit_then_clears() -> None:
    plan = FaultPlan()
    plan.set_rate_limit(2, path="/api")
    actions = [plan.next_action("/api/x") for _ in range(4)]
    assert plan.next_action("/other").failure is None
    failures = [a.failure for a in actions if a.failure is not None]
    assert len(failures) >= 1  # the window may roll over once between calls
    assert failures[0].status == 429
    assert failures[0].headers == {"Retry-After": "1"}
    plan.clear()
    assert plan.rate_limit is None
    assert plan.next_action("/api/x").failure is None
    with pytest.raises(ValueError, match="positive"):
        plan.set_rate_limit(0)
