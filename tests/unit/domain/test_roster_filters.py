from __future__ import annotations

import re

import pytest

from domain.roster.filters import (
    Comparison,
    FilterError,
    Logical,
    Op,
    fields_of,
    format_filter,
    parse_filter,
    quote,
)


def comparison(text: str) -> Comparison:
    expr = parse_filter(text)
    assert isinstance(expr, Comparison)
    return expr


def test_single_comparison() -> None:
    assert parse_filter("status='active'") == Comparison("status", Op.EQ, "active")


def test_operators_longest_first() -> None:
    assert comparison("score>=90").op is Op.GE
    assert comparison("score<=90").op is Op.LE
    assert comparison("role!='teacher'").op is Op.NE
    assert comparison("givenName~'jo'").op is Op.CONTAINS


def test_bare_values_are_not_quoted() -> None:
    assert parse_filter("score>90") == Comparison("score", Op.GT, "90", quoted=False)


def test_and_binds_tighter_than_or() -> None:
    expr = parse_filter("a='1' OR b='2' AND c='3'")
    assert expr == Logical(
        "OR",
        (
            Comparison("a", Op.EQ, "1"),
            Logical("AND", (Comparison("b", Op.EQ, "2"), Comparison("c", Op.EQ, "3"))),
        ),
    )


def test_parentheses_group() -> None:
    expr = parse_filter("(role='teacher' OR role='aide') AND status='active'")
    assert isinstance(expr, Logical)
    assert expr.op == "AND"
    assert expr.parts[0] == Logical(
        "OR", (Comparison("role", Op.EQ, "teacher"), Comparison("role", Op.EQ, "aide"))
    )


def test_doubled_quotes_escape() -> None:
    assert comparison("familyName='O''Brien'").value == "O'Brien"
    assert quote("O'Brien") == "'O''Brien'"


def test_in_list_and_dates() -> None:
    assert comparison("sourcedId@'a,b, c'").values == ("a", "b", "c")
    assert comparison("dateLastModified>'2023-01-01T00:00:00Z'").value == "2023-01-01T00:00:00Z"


def test_dotted_fields() -> None:
    assert fields_of(parse_filter("course.sourcedId='c1' AND status='active'")) == {
        "course.sourcedId",
        "status",
    }


@pytest.mark.parametrize(
    "text",
    [
        "status='active' AND givenName~'john'",
        "(role='teacher' OR role='aide') AND status!='tobedeleted'",
        "familyName='O''Brien' OR score>=90",
        "sourcedId@'a,b,c'",
    ],
)
def test_printing_round_trips(text: str) -> None:
    expr = parse_filter(text)
    assert parse_filter(format_filter(expr)) == expr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("status", "operator"),
        ("status=", "value"),
        ("status='active", "unterminated"),
        ("status='a' XOR b='c'", "AND, OR or the end"),
        ("(status='a'", "expected ')'"),
        ("='a'", "field name"),
        ("x='1'" + " AND x='1'" * 60, "predicates"),
    ],
)
def test_errors_say_where_and_what(text: str, message: str) -> None:
    with pytest.raises(FilterError, match=re.escape(message)) as caught:
        parse_filter(text)
    assert caught.value.field == "filter"
