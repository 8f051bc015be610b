"""The filter compiler: values only as bound parameters, a whitelist of fields, escaped LIKE."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from adapters.db.filter_sql import (
    COLUMNS,
    compile_filter,
    compile_search,
    escape_like,
    order_by,
    table_of,
)
from domain.errors import InvalidInput
from domain.roster.entities import EntityKind
from domain.roster.fields import FILTERABLE, SEARCHABLE
from domain.roster.filters import FilterError, parse_filter
from domain.roster.query import SortOrder


def _dialect(url: str) -> sa.Dialect:
    return make_url(url).get_dialect()()


def sqlite_dialect() -> sa.Dialect:
    return _dialect("sqlite://")


def pg_dialect() -> sa.Dialect:
    return _dialect("postgresql+psycopg://")


DIALECTS = [sqlite_dialect(), pg_dialect()]


def sql(kind: EntityKind, text: str, dialect: sa.Dialect) -> tuple[str, dict[str, object]]:
    compiled = compile_filter(kind, parse_filter(text)).compile(dialect=dialect)
    return str(compiled), dict(compiled.params)


def test_every_filterable_field_has_a_column_and_no_more() -> None:
    for kind in EntityKind:
        assert set(COLUMNS[kind]) == set(FILTERABLE[kind]), kind
        for column in COLUMNS[kind].values():
            assert column in table_of(kind).c, (kind, column)
        assert set(SEARCHABLE[kind]) <= set(FILTERABLE[kind])


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_values_travel_as_bound_parameters(dialect: sa.Dialect) -> None:
    hostile = "x'); DROP TABLE roster_users; --"
    text, params = sql(
        EntityKind.USERS, f"givenName='{hostile.replace(chr(39), chr(39) * 2)}'", dialect
    )
    assert "DROP" not in text
    assert hostile in params.values()


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_contains_escapes_like_wildcards(dialect: sa.Dialect) -> None:
    text, params = sql(EntityKind.USERS, "givenName~'50%_off'", dialect)
    assert "ESCAPE" in text
    assert "%50\\%\\_off%" in params.values()
    assert escape_like("a\\b") == "a\\\\b"


def test_unknown_fields_name_the_filterable_ones() -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter(EntityKind.CLASSES, parse_filter("teacher='x'"))
    assert caught.value.field == "filter"
    assert "course.sourcedId" in caught.value.detail
    assert "'teacher'" in caught.value.detail
    with pytest.raises(InvalidInput) as sort:
        order_by(EntityKind.CLASSES, "teacher", SortOrder.ASC)
    assert sort.value.field == "sort"


@pytest.mark.parametrize(
    "text",
    [
        "enabledUser>true",
        "dateLastModified~'2024'",
        "dateLastModified>'yesterday'",
        "enabledUser='maybe'",
    ],
)
def test_values_that_do_not_fit_the_field_are_refused(text: str) -> None:
    with pytest.raises(FilterError):
        compile_filter(EntityKind.USERS, parse_filter(text))


def test_numbers_and_dates_are_typed_parameters() -> None:
    _, params = sql(EntityKind.ACADEMIC_SESSIONS, "schoolYear>=2024", sqlite_dialect())
    assert list(params.values()) == [2024]
    text, params = sql(EntityKind.USERS, "dateLastModified='2024-03-01'", pg_dialect())
    assert text.count(">=") == 1
    assert text.count("<") == 1
    assert sorted(str(v) for v in params.values()) == [
        "2024-03-01 00:00:00+00:00",
        "2024-03-02 00:00:00+00:00",
    ]


def test_in_is_one_of_and_search_spans_the_searchable_fields() -> None:
    _, params = sql(EntityKind.USERS, "role@'student,teacher'", sqlite_dialect())
    assert sorted(map(str, params.values())) == ["student", "teacher"]
    text = str(compile_search(EntityKind.USERS, "ada").compile(dialect=pg_dialect()))
    assert text.count("ILIKE") == 3


def test_sort_puts_missing_values_last_then_sourced_id() -> None:
    clauses = order_by(EntityKind.USERS, "familyName", SortOrder.DESC)
    rendered = [str(c.compile(dialect=sqlite_dialect())) for c in clauses]
    assert rendered == [
        "roster_users.family_name DESC NULLS LAST",
        "roster_users.sourced_id ASC",
    ]
