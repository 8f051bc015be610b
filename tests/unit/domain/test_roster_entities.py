"""Reading OneRoster payloads into records: the fast paths must read what the general ones did."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.roster.entities import (
    EntityKind,
    UserRole,
    parse_datetime,
    primary_role,
    record_from_payload,
    ref_id,
)


class FrozenMapping(Mapping[str, Any]):
    """A Mapping that is not a dict: payloads need not come from a JSON decoder."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-08-10T01:23:25.705Z", datetime(2024, 8, 10, 1, 23, 25, 705000, tzinfo=UTC)),
        ("2024-08-10T01:23:25+00:00", datetime(2024, 8, 10, 1, 23, 25, tzinfo=UTC)),
        ("2024-08-10T03:23:25+02:00", datetime(2024, 8, 10, 1, 23, 25, tzinfo=UTC)),
        ("2024-08-10T01:23:25", datetime(2024, 8, 10, 1, 23, 25, tzinfo=UTC)),
        ("2024-08-10", datetime(2024, 8, 10, tzinfo=UTC)),
        # only the fallback reads these: surrounding blanks and a lower-case zone letter
        ("  2024-08-10T01:23:25Z\n", datetime(2024, 8, 10, 1, 23, 25, tzinfo=UTC)),
        ("2024-08-10t01:23:25z", datetime(2024, 8, 10, 1, 23, 25, tzinfo=UTC)),
    ],
)
def test_parse_datetime_gives_an_aware_utc_instant(text: str, expected: datetime) -> None:
    value = parse_datetime(text)
    assert value == expected
    assert value.utcoffset() == timedelta(0)
    assert value.tzinfo is UTC


def test_parse_datetime_converts_other_zones_to_utc() -> None:
    value = parse_datetime("2024-01-01T00:00:00-05:00")
    assert value.tzinfo is UTC
    assert value == datetime(2024, 1, 1, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert value.hour == 5


@pytest.mark.parametrize("text", ["soon", "", "2024-13-01", "None"])
def test_parse_datetime_rejects_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_datetime(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"sourcedId": "o1", "href": "x"}, "o1"),
        (FrozenMapping({"sourcedId": "o1"}), "o1"),
        ({"sourcedId": 7}, "7"),
        ({"sourcedId": ""}, None),
        ({"sourcedId": None}, None),
        ({}, None),
        ("o1", None),
        (["o1"], None),
        (None, None),
    ],
)
def test_ref_id_reads_a_reference(value: Any, expected: str | None) -> None:
    assert ref_id(value) == expected


def test_a_user_read_from_any_mapping_gets_the_same_record() -> None:
    payload = {
        "sourcedId": "u1",
        "status": "active",
        "dateLastModified": "2024-03-01T10:00:00Z",
        "roles": [
            "junk",
            {"roleType": "secondary", "role": "", "org": {"sourcedId": "o9"}},
            {"roleType": "secondary", "role": "aide", "org": {"sourcedId": "o2"}},
            {"roleType": "primary", "role": "teacher", "org": None},
            {"roleType": "primary", "role": "teacher", "org": {"sourcedId": "o1"}},
            {"role": "teacher", "org": {"sourcedId": "o1"}},
        ],
        "primaryOrg": {"sourcedId": "o1"},
    }
    as_dict = record_from_payload(EntityKind.USERS, payload)
    wrapped = FrozenMapping(
        {
            **payload,
            "roles": [FrozenMapping(r) if isinstance(r, dict) else r for r in payload["roles"]],
        }
    )
    as_mapping = record_from_payload(EntityKind.USERS, wrapped)
    # a role without an org has no UserRole, yet it is the main role (first primary one)
    assert as_dict.roles == (UserRole("aide", "o2", "secondary"), UserRole("teacher", "o1"))
    assert as_dict.role == "teacher" == primary_role(payload)
    assert as_dict.org_id == "o1"
    assert (as_mapping.roles, as_mapping.role, as_mapping.org_id) == (
        as_dict.roles,
        as_dict.role,
        as_dict.org_id,
    )


@pytest.mark.parametrize(
    ("roles", "legacy", "expected"),
    [
        (
            [{"role": "student", "roleType": "secondary", "org": {"sourcedId": "o"}}],
            None,
            "student",
        ),
        ([], "guardian", "guardian"),
        (None, "guardian", "guardian"),
        ([{"role": ""}], "", None),
        ([], None, None),
    ],
)
def test_a_users_main_role_matches_primary_role(
    roles: list[dict[str, Any]] | None, legacy: str | None, expected: str | None
) -> None:
    payload: dict[str, Any] = {"sourcedId": "u", "dateLastModified": "2024-01-01", "roles": roles}
    if legacy is not None:
        payload["role"] = legacy
    assert record_from_payload(EntityKind.USERS, payload).role == expected == primary_role(payload)


@pytest.mark.parametrize("kind", list(EntityKind))
def test_every_kind_keeps_the_common_fields(kind: EntityKind) -> None:
    payload = {"sourcedId": "x", "dateLastModified": "2024-01-01T00:00:00Z"}
    record = record_from_payload(kind, payload)
    assert (record.kind, record.sourced_id, record.status) == (kind, "x", "active")
    assert record.payload is payload
    assert record.date_last_modified == datetime(2024, 1, 1, tzinfo=UTC)
