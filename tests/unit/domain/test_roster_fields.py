"""Reading OneRoster payloads into cache records, and the filter semantics over them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput
from domain.roster.entities import EntityKind, UserRole, record_from_payload
from domain.roster.fields import matches, select, validate_selection
from domain.roster.filters import FilterError, parse_filter
from domain.roster.query import Related, Relation, RosterQuery
from domain.scope import Scope

USER = {
    "sourcedId": "u1",
    "status": "active",
    "dateLastModified": "2024-03-01T10:00:00.000Z",
    "enabledUser": "true",
    "givenName": "Ada",
    "familyName": "Lovelace",
    "email": None,
    "roles": [
        {"roleType": "secondary", "role": "aide", "org": {"sourcedId": "o2"}},
        {"roleType": "primary", "role": "teacher", "org": {"sourcedId": "o1"}},
    ],
    "agents": [{"sourcedId": "g1"}, {"sourcedId": "g1"}],
}


def test_a_user_record_carries_its_roles_agents_and_primary_role() -> None:
    record = record_from_payload(EntityKind.USERS, USER)
    assert record.date_last_modified == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert record.roles == (
        UserRole("aide", "o2", "secondary"),
        UserRole("teacher", "o1", "primary"),
    )
    assert record.org_ids == {"o1", "o2"}
    assert record.agent_ids == ("g1",)
    assert record.role == "teacher"
    assert not record.deleted


def test_class_and_enrollment_records_carry_their_references() -> None:
    klass = record_from_payload(
        EntityKind.CLASSES,
        {"sourcedId": "c1", "dateLastModified": "2024-01-01", "school": {"sourcedId": "s1"},
         "course": {"sourcedId": "k1"}, "terms": [{"sourcedId": "t1"}, {"sourcedId": "t2"}]},
    )  # fmt: skip
    assert (klass.org_id, klass.course_id, klass.term_ids) == ("s1", "k1", ("t1", "t2"))
    enrollment = record_from_payload(
        EntityKind.ENROLLMENTS,
        {"sourcedId": "e1", "status": "tobedeleted", "dateLastModified": "2024-01-01T00:00:00Z",
         "user": {"sourcedId": "u1"}, "class": {"sourcedId": "c1"}, "role": "student"},
    )  # fmt: skip
    assert (enrollment.user_id, enrollment.class_id, enrollment.role) == ("u1", "c1", "student")
    assert enrollment.deleted


def test_records_need_an_id_and_a_readable_date() -> None:
    with pytest.raises(InvalidInput):
        record_from_payload(EntityKind.ORGS, {"dateLastModified": "2024-01-01"})
    with pytest.raises(InvalidInput) as caught:
        record_from_payload(EntityKind.ORGS, {"sourcedId": "o", "dateLastModified": "soon"})
    assert caught.value.field == "dateLastModified"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("givenName='Ada'", True),
        ("givenName='ada'", False),  # = is exact
        ("givenName~'ADA'", True),  # ~ is case-insensitive
        ("email='x@y'", False),  # a missing value matches nothing...
        ("email!='x@y'", True),  # ...but !=
        ("role='teacher'", True),  # the primary role
        ("role@'aide,student'", False),
        ("enabledUser=true", True),
        ("dateLastModified='2024-03-01'", True),  # a bare date compares by day
        ("dateLastModified>'2024-03-01'", False),
        ("dateLastModified>'2024-03-01T09:59:59Z'", True),
        ("dateLastModified<='2024-03-01T11:00:00+01:00'", True),
        ("givenName='Bob' OR (familyName~'love' AND status='active')", True),
    ],
)
def test_filter_semantics(text: str, expected: bool) -> None:
    assert matches(EntityKind.USERS, parse_filter(text), USER) is expected


def test_dates_and_numbers_compare_as_such() -> None:
    session = {"sourcedId": "t", "dateLastModified": "2024-01-01", "schoolYear": 2024,
               "startDate": "2024-08-01T00:00:00.000Z"}  # fmt: skip
    assert matches(EntityKind.ACADEMIC_SESSIONS, parse_filter("schoolYear>=2024.0"), session)
    assert not matches(
        EntityKind.ACADEMIC_SESSIONS, parse_filter("schoolYear>2023.5 AND schoolYear<2024"), session
    )
    assert matches(EntityKind.ACADEMIC_SESSIONS, parse_filter("startDate>='2024-08-01'"), session)
    enrollment = {"sourcedId": "e", "dateLastModified": "2024-01-01", "beginDate": "2024-09-01"}
    assert matches(EntityKind.ENROLLMENTS, parse_filter("beginDate>'2024-08-31'"), enrollment)
    with pytest.raises(FilterError):
        matches(EntityKind.ENROLLMENTS, parse_filter("beginDate>'soon'"), enrollment)


def test_sparse_fields() -> None:
    assert validate_selection(EntityKind.USERS, ["givenName", " sourcedId", "givenName"]) == (
        "givenName",
        "sourcedId",
    )
    assert select(USER, ("sourcedId", "givenName")) == {"sourcedId": "u1", "givenName": "Ada"}
    with pytest.raises(InvalidInput) as caught:
        validate_selection(EntityKind.USERS, ["secret"])
    assert caught.value.field == "fields"
    assert "invalid_selection_field" in caught.value.detail


def test_queries_validate_themselves() -> None:
    scope = Scope(everything=True)
    with pytest.raises(InvalidInput) as limit:
        RosterQuery(kind=EntityKind.USERS, scope=scope, limit=0)
    assert limit.value.field == "limit"
    with pytest.raises(InvalidInput):
        RosterQuery(kind=EntityKind.USERS, scope=scope, offset=-1)
    with pytest.raises(InvalidInput) as related:
        RosterQuery(
            kind=EntityKind.USERS, scope=scope, related=Related(Relation.USER_CLASSES, "u1")
        )
    assert related.value.field == "related"
    with pytest.raises(FilterError):
        RosterQuery(kind=EntityKind.USERS, scope=scope, filter=parse_filter("enabledUser~'t'"))
    query = RosterQuery(kind=EntityKind.USERS, scope=scope, search="  ", fields=("sourcedId",))
    assert query.search is None
    assert query.fields == ("sourcedId",)
