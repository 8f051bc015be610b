"""The TimeBack simulator's own filter grammar (``simulators.timeback.filters``): what TimeBack's
API description and the official clients write parses to the tree meant, and what TimeBack
refuses is refused."""

from __future__ import annotations

import pytest

from simulators.timeback.filters import (
    Condition,
    FilterSyntaxError,
    Junction,
    Value,
    fields_named,
    parse,
)


def cond(field: str, operator: str, *values: str | int) -> Condition:
    return Condition(
        field,
        operator,  # type: ignore[arg-type]
        tuple(Value(str(v), quoted=isinstance(v, str)) for v in values),
    )


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("status='active'", cond("status", "=", "active")),
        ("status = 'active'", cond("status", "=", "active")),
        ("givenName~'john'", cond("givenName", "~", "john")),
        ("dateLastModified>'2023-01-01'", cond("dateLastModified", ">", "2023-01-01")),
        ("score>=90", cond("score", ">=", 90)),
        ("score<=90.5", Condition("score", "<=", (Value("90.5", False),))),
        ("score<-1", Condition("score", "<", (Value("-1", False),))),
        ("status!='tobedeleted'", cond("status", "!=", "tobedeleted")),
        ("enabledUser=true", Condition("enabledUser", "=", (Value("true", False),))),
        ("familyName='O''Brien'", cond("familyName", "=", "O'Brien")),
        ("title=''", cond("title", "=", "")),
        ("title='a AND b'", cond("title", "=", "a AND b")),
        ("course.sourcedId='c1'", cond("course.sourcedId", "=", "c1")),
        ("courseComponent.sourcedId='u1'", cond("courseComponent.sourcedId", "=", "u1")),
        ("role@'teacher,aide'", cond("role", "@", "teacher", "aide")),
        ("role@'teacher', 'aide'", cond("role", "@", "teacher", "aide")),
        ("score@1,2", Condition("score", "@", (Value("1", False), Value("2", False)))),
    ],
)
def test_conditions(text: str, tree: Condition) -> None:
    assert parse(text) == tree


def test_and_binds_tighter_than_or_and_parentheses_group() -> None:
    a, b, c = (cond(n, "=", "x") for n in "abc")
    assert parse("a='x' OR b='x' AND c='x'") == Junction("OR", (a, Junction("AND", (b, c))))
    assert parse("(a='x' OR b='x') AND c='x'") == Junction("AND", (Junction("OR", (a, b)), c))
    assert parse("a='x' AND b='x' AND c='x'") == Junction("AND", (a, b, c))
    assert parse("((a='x'))") == a


def test_what_timeback_common_writes_for_an_in_clause() -> None:
    # where={"status": "active", "role": {"in_": ["teacher", "aide"]}}
    tree = parse("status='active' AND (role='teacher' OR role='aide')")
    assert tree == Junction(
        "AND",
        (
            cond("status", "=", "active"),
            Junction("OR", (cond("role", "=", "teacher"), cond("role", "=", "aide"))),
        ),
    )
    assert fields_named(tree) == ["status", "role", "role"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "givenName",
        "givenName=",
        "givenName=='x'",
        "givenName=active",  # strings are quoted
        "givenName='open",
        "a='x' and b='y'",  # the joiners are upper case
        "a='x' AND",
        "(a='x'",
        "a='x')",
        "a='x' b='y'",
        "5='x'",
        "a='x','y'",  # a list only after @
        "a^'x'",
    ],
)
def test_refusals(text: str) -> None:
    with pytest.raises(FilterSyntaxError, match="Invalid filter"):
        parse(text)
