"""The ``where`` DSL compiles to the domain filter AST and prints as TimeBack's filter string."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import pytest

from adapters.timeback.where import combine_filters, compile_where, where_to_filter
from domain.roster.filters import Comparison, FilterError, Logical, Op, parse_filter

EXAMPLES: list[tuple[dict[str, Any], str]] = [
    ({"status": "active", "role": "teacher"}, "status='active' AND role='teacher'"),
    ({"score": {"gte": 90}}, "score>=90"),
    ({"email": {"contains": "@x"}}, "email~'@x'"),
    ({"role": {"in_": ["teacher", "aide"]}}, "(role='teacher' OR role='aide')"),
    ({"status": {"not_in": ["a", "b"]}}, "status!='a' AND status!='b'"),
    (
        {"OR": [{"role": "teacher"}, {"role": "aide"}]},
        "(role='teacher' OR role='aide')",
    ),
    ({"familyName": "O'Brien"}, "familyName='O''Brien'"),
    ({"score": {"gt": 1, "lte": 9.5}}, "score>1 AND score<=9.5"),
    ({"score": {"lt": 3, "ne": 0}}, "score<3 AND score!=0"),
    ({"enabledUser": True}, "enabledUser=true"),
    ({"status": {"eq": "active"}}, "status='active'"),
    ({"role": {"in_": ["teacher"]}}, "role='teacher'"),
    ({"status": {"not_in": []}, "role": "x"}, "role='x'"),
    (
        {"status": "active", "OR": [{"role": "teacher"}, {"role": {"in_": ["aide", "x"]}}]},
        "status='active' AND (role='teacher' OR role='aide' OR role='x')",
    ),
    (
        {"OR": [{"status": "active", "role": "teacher"}, {"grade": {"gte": 5}}]},
        "((status='active' AND role='teacher') OR grade>=5)",
    ),
    (
        {"role": {"in_": ["a", "b"]}, "status": "active"},
        "(role='a' OR role='b') AND status='active'",
    ),
    ({"course.sourcedId": "c1"}, "course.sourcedId='c1'"),
]


@pytest.mark.parametrize(("where", "expected"), EXAMPLES)
def test_where_compiles_to_the_reference_filter_strings(
    where: dict[str, Any], expected: str
) -> None:
    text = where_to_filter(where)
    assert text == expected
    assert parse_filter(text) == compile_where(where)  # the printed string reads back the same


def test_the_ast_is_the_domain_one() -> None:
    assert compile_where({"score": {"gte": 90}}) == Comparison("score", Op.GE, "90", quoted=False)
    assert compile_where({"role": {"in_": ["a", "b"]}}) == Logical(
        "OR", (Comparison("role", Op.EQ, "a"), Comparison("role", Op.EQ, "b"))
    )


def test_dates_and_datetimes_are_quoted_iso_strings() -> None:
    assert where_to_filter({"dateLastModified": {"gt": date(2023, 1, 1)}}) == (
        "dateLastModified>'2023-01-01'"
    )
    aware = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert where_to_filter({"dateLastModified": {"gte": aware}}) == (
        "dateLastModified>='2024-05-06T07:08:09Z'"
    )
    plus_two = datetime(2024, 5, 6, 9, 8, 9, tzinfo=timezone(timedelta(hours=2)))
    assert where_to_filter({"d": plus_two}) == "d='2024-05-06T07:08:09Z'"
    naive = datetime(2024, 5, 6, 7, 8)  # noqa: DTZ001 (a naive datetime is sent as written)
    assert where_to_filter({"d": naive}) == "d='2024-05-06T07:08:00'"


def test_enums_print_their_value_and_contains_always_quotes() -> None:
    class Role(StrEnum):
        TEACHER = "teacher"

    assert where_to_filter({"role": Role.TEACHER}) == "role='teacher'"
    assert where_to_filter({"grades": {"contains": 5}}) == "grades~'5'"


def test_quotes_are_escaped_once_in_every_position() -> None:
    text = where_to_filter({"familyName": {"in_": ["O'Brien", "D'Arcy"]}, "x": {"ne": "it's"}})
    assert text == "(familyName='O''Brien' OR familyName='D''Arcy') AND x!='it''s'"
    assert parse_filter(text) == compile_where(
        {"familyName": {"in_": ["O'Brien", "D'Arcy"]}, "x": {"ne": "it's"}}
    )


@pytest.mark.parametrize(
    "where",
    [
        {},
        {"status": None},
        {"status": {}},
        {"status": {"like": "a"}},
        {"role": {"in_": []}},
        {"role": {"in_": "teacher"}},
        {"OR": []},
        {"OR": "status='x'"},
        {"bad field": "x"},
        {"x; DROP": 1},
        {"score": float("nan")},
        {"obj": object()},
    ],
)
def test_mistakes_are_filter_errors_before_anything_is_sent(where: dict[str, Any]) -> None:
    with pytest.raises(FilterError):
        where_to_filter(where)


def test_a_raw_filter_is_validated_and_sent_as_written() -> None:
    raw = "status='active'  AND givenName~'john'"
    assert combine_filters(raw) == raw
    assert combine_filters(None) is None
    assert combine_filters("  ") is None
    with pytest.raises(FilterError):
        combine_filters("status='active")
    with pytest.raises(FilterError):
        combine_filters("status = active OR")


def test_a_raw_filter_and_a_where_are_anded() -> None:
    assert combine_filters("a='1' OR b='2'", {"c": 3}) == "(a='1' OR b='2') AND c=3"
    assert combine_filters("a='1'", {"c": 3}) == "a='1' AND c=3"
    assert combine_filters(None, {"c": 3}) == "c=3"
