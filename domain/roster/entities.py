"""The roster cache's entities: OneRoster objects kept as their full JSON payload plus the keys the
policy, the nested routes and the query language need.

Seven kinds are stored. The rest are views: terms and grading periods are academic sessions of a
type, schools are orgs of a type, students and teachers are users by role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from domain.errors import InvalidInput

JsonObject = Mapping[str, Any]

TO_BE_DELETED = "tobedeleted"


class EntityKind(StrEnum):
    ORGS = "orgs"
    ACADEMIC_SESSIONS = "academicSessions"
    COURSES = "courses"
    CLASSES = "classes"
    USERS = "users"
    ENROLLMENTS = "enrollments"
    DEMOGRAPHICS = "demographics"


@dataclass(frozen=True, slots=True)
class UserRole:
    """One of a user's OneRoster roles: ``role`` at ``org_id`` (``role_type`` primary/secondary)."""

    role: str
    org_id: str
    role_type: str = "primary"


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterRecord:
    """A cached OneRoster object.

    ``payload`` is the object exactly as TimeBack sent it; the other fields are read from it by
    :func:`record_from_payload` and are what the cache indexes. Relation keys that do not apply to a
    kind stay empty.
    """

    kind: EntityKind
    sourced_id: str
    status: str
    date_last_modified: datetime
    payload: JsonObject
    #: users: roles with their orgs; agent (guardian, parent...) user ids
    roles: tuple[UserRole, ...] = ()
    agent_ids: tuple[str, ...] = ()
    #: classes: the school org, course and terms; courses and sessions: their org
    org_id: str | None = None
    course_id: str | None = None
    term_ids: tuple[str, ...] = ()
    #: enrollments: who, where, as what
    user_id: str | None = None
    class_id: str | None = None
    role: str | None = None
    #: orgs and academic sessions: the parent
    parent_id: str | None = None

    @property
    def org_ids(self) -> frozenset[str]:
        """The orgs a user belongs to (from their roles)."""
        return frozenset(r.org_id for r in self.roles)

    @property
    def deleted(self) -> bool:
        return self.status == TO_BE_DELETED


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 instant (``Z`` or an offset; a bare date is midnight), aware and in UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def ref_id(value: Any) -> str | None:
    """The ``sourcedId`` of a OneRoster reference (``{"sourcedId": ...}``), or None."""
    if isinstance(value, Mapping):
        sourced_id = value.get("sourcedId")
        return str(sourced_id) if sourced_id not in (None, "") else None
    return None


def ref_ids(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(i for i in (ref_id(v) for v in value) if i is not None))


def record_from_payload(kind: EntityKind, payload: JsonObject) -> RosterRecord:
    """Read a OneRoster object into a record; raises :class:`InvalidInput` when it has no
    ``sourcedId`` or no readable ``dateLastModified``."""
    sourced_id = payload.get("sourcedId")
    if not isinstance(sourced_id, str) or not sourced_id:
        raise InvalidInput(f"A {kind} object without a sourcedId.", field="sourcedId")
    modified = payload.get("dateLastModified")
    try:
        date_last_modified = parse_datetime(str(modified))
    except ValueError:
        raise InvalidInput(
            f"{kind} {sourced_id!r} has an unreadable dateLastModified {modified!r}.",
            field="dateLastModified",
        ) from None
    common: dict[str, Any] = {
        "kind": kind,
        "sourced_id": sourced_id,
        "status": str(payload.get("status") or "active"),
        "date_last_modified": date_last_modified,
        "payload": payload,
    }
    match kind:
        case EntityKind.USERS:
            roles: list[UserRole] = []
            for item in payload.get("roles") or ():
                org = ref_id(item.get("org")) if isinstance(item, Mapping) else None
                if org is not None and item.get("role"):
                    roles.append(
                        UserRole(str(item["role"]), org, str(item.get("roleType") or "primary"))
                    )
            return RosterRecord(
                **common,
                roles=tuple(dict.fromkeys(roles)),
                agent_ids=ref_ids(payload.get("agents")),
                role=primary_role(payload),
                org_id=ref_id(payload.get("primaryOrg")),
            )
        case EntityKind.CLASSES:
            return RosterRecord(
                **common,
                org_id=ref_id(payload.get("school")),
                course_id=ref_id(payload.get("course")),
                term_ids=ref_ids(payload.get("terms")),
            )
        case EntityKind.COURSES:
            return RosterRecord(**common, org_id=ref_id(payload.get("org")))
        case EntityKind.ACADEMIC_SESSIONS:
            return RosterRecord(
                **common,
                org_id=ref_id(payload.get("org")),
                parent_id=ref_id(payload.get("parent")),
            )
        case EntityKind.ORGS:
            return RosterRecord(**common, parent_id=ref_id(payload.get("parent")))
        case EntityKind.ENROLLMENTS:
            return RosterRecord(
                **common,
                user_id=ref_id(payload.get("user")),
                class_id=ref_id(payload.get("class")),
                org_id=ref_id(payload.get("school")),
                role=str(payload["role"]) if payload.get("role") else None,
            )
        case EntityKind.DEMOGRAPHICS:
            return RosterRecord(**common)


def primary_role(user: JsonObject) -> str | None:
    """A user's main role: the first ``primary`` role, else the first role (1.1's ``role``)."""
    roles = [r for r in user.get("roles") or () if isinstance(r, Mapping) and r.get("role")]
    for item in roles:
        if item.get("roleType") == "primary":
            return str(item["role"])
    if roles:
        return str(roles[0]["role"])
    legacy = user.get("role")
    return str(legacy) if legacy else None
