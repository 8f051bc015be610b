"""The roster cache's entities: OneRoster objects kept as their full JSON payload plus the keys the
policy, the nested routes and the query language need.

Seven roster kinds are stored. The rest are views: terms and grading periods are academic sessions
of a type, schools are orgs of a type, students and teachers are users by role. Three more kinds,
the lesson catalogue (course components, component resources and resources), are stored by the same
sync for ``/v1/learning/lessons`` and served by no roster route (decision D82).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    #: the lesson catalogue (D82): a course's units, the lessons placed in them, what each lesson is
    COURSE_COMPONENTS = "courseComponents"
    COMPONENT_RESOURCES = "componentResources"
    RESOURCES = "resources"


#: the roster proper: the kinds /v1/roster serves and the policy reads
ROSTER_KINDS: frozenset[EntityKind] = frozenset(
    {
        EntityKind.ORGS,
        EntityKind.ACADEMIC_SESSIONS,
        EntityKind.COURSES,
        EntityKind.CLASSES,
        EntityKind.USERS,
        EntityKind.ENROLLMENTS,
        EntityKind.DEMOGRAPHICS,
    }
)
#: the lesson catalogue: synced with the roster, read only by the lessons query
CATALOGUE_KINDS: frozenset[EntityKind] = frozenset(EntityKind) - ROSTER_KINDS


@dataclass(frozen=True, slots=True)
class UserRole:
    """One of a user's OneRoster roles: ``role`` at ``org_id`` (``role_type`` primary/secondary)."""

    role: str
    org_id: str
    role_type: str = "primary"


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterRecord:
    """A cached OneRoster object.

    ``payload`` is the object as TimeBack sent it, its references' ``href`` pointing at the BFF
    (:func:`domain.roster.refs.record_from_upstream`); the other fields are read from it by
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
    # Called once per synced row: Python 3.11's fromisoformat reads TimeBack's usual
    # "2024-08-10T01:23:25.705Z" as is, so the cleaning below is only paid by odd inputs
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    zone = value.tzinfo
    if zone is None:
        return value.replace(tzinfo=UTC)
    return value if zone is UTC else value.astimezone(UTC)


def ref_id(value: Any) -> str | None:
    """The ``sourcedId`` of a OneRoster reference (``{"sourcedId": ...}``), or None."""
    # a plain dict (all that decoded JSON holds) is tested first: isinstance against the abstract
    # Mapping costs several times more, and this runs a few times per synced row
    if type(value) is dict or isinstance(value, Mapping):
        sourced_id = value.get("sourcedId")
        if type(sourced_id) is str:
            return sourced_id or None
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
        date_last_modified = parse_datetime(modified if type(modified) is str else str(modified))
    except ValueError:
        raise InvalidInput(
            f"{kind} {sourced_id!r} has an unreadable dateLastModified {modified!r}.",
            field="dateLastModified",
        ) from None
    status = payload.get("status") or "active"
    # one reader per kind looked up in a dict: this runs for every synced row, and a ``match``
    # over seven enum members costs more than the rest of a demographics row. The readers repeat
    # the common fields on purpose: one generic reader over a table of payload keys measured
    # 5-27% slower per kind (20k simulator rows), as keyword arguments built at run time, or a
    # test per column, cost more than these direct calls
    return _READERS[kind](
        kind,
        sourced_id,
        status if type(status) is str else str(status),
        date_last_modified,
        payload,
    )


def _user(
    kind: EntityKind, sourced_id: str, status: str, modified: datetime, payload: JsonObject
) -> RosterRecord:
    # the roles are walked once for both the roles and the main role (as primary_role reads it)
    roles: list[UserRole] = []
    primary: Any = None
    first: Any = None
    for item in payload.get("roles") or ():
        if type(item) is not dict and not isinstance(item, Mapping):
            continue
        role = item.get("role")
        if not role:
            continue
        role_type = item.get("roleType")
        if first is None:
            first = role
        if primary is None and role_type == "primary":
            primary = role
        org = ref_id(item.get("org"))
        if org is not None:
            roles.append(UserRole(str(role), org, str(role_type or "primary")))
    main = primary if primary is not None else first
    if main is None:
        legacy = payload.get("role")
        main = legacy or None
    return RosterRecord(
        kind=kind,
        sourced_id=sourced_id,
        status=status,
        date_last_modified=modified,
        payload=payload,
        roles=tuple(roles) if len(roles) < 2 else tuple(dict.fromkeys(roles)),
        agent_ids=ref_ids(payload.get("agents")),
        role=None if main is None else str(main),
        org_id=ref_id(payload.get("primaryOrg")),
    )


def _class(
    kind: EntityKind, sourced_id: str, status: str, modified: datetime, payload: JsonObject
) -> RosterRecord:
    return RosterRecord(
        kind=kind,
        sourced_id=sourced_id,
        status=status,
        date_last_modified=modified,
        payload=payload,
        org_id=ref_id(payload.get("school")),
        course_id=ref_id(payload.get("course")),
        term_ids=ref_ids(payload.get("terms")),
    )


def _course(
    kind: EntityKind, sourced_id: str, status: str, modified: datetime, payload: JsonObject
) -> RosterRecord:
    return RosterRecord(
        kind=kind,
        sourced_id=sourced_id,
        status=status,
        date_last_modified=modified,
        payload=payload,
        org_id=ref_id(payload.get("org")),
    )


def _session(
    kind: EntityKind, sourced_id: str, status: str, modified: datetime, payload: JsonObject
) -> RosterRecord:
    return RosterRecord(
        kind=kind,
        sourced_id=sourced_id,
        status=status,
        date_last_modified=modified,
        payload=payload,
        org_id=ref_id(payload.get("org")),
        parent_id=ref_id(payload.get("parent")),
    )


def _org(
    kind: EntityKind, sourced_id: str, status: str, modified: datetime, payload: JsonObject
) -> RosterRecord:
    return RosterRecord(
        kind=kind,
        sourced_id=sourced_id,
        status=status,
        date_last_modified=modified,
        payload=payload,
        parent_id=ref_id(payload.get("parent")),
    )


def _enrollment(
    kind: EntityKind, sourced_id: str, status: str, modified: datetime, payload: JsonObject
) -> RosterRecord:
    role = payload.get("role")
    return RosterRecord(
        kind=kind,
        sourced_id=sourced_id,
        status=status,
        date_last_modified=modified,
        payload=payload,
        user_id=ref_id(payload.get("user")),
        class_id=ref_id(payload.get("class")),
        org_id=ref_id(payload.get("school")),
        role=str(role) if role else None,
    )


def _plain(
    kind: EntityKind, sourced_id: str, status: str, modified: datetime, payload: JsonObject
) -> RosterRecord:
    """Kinds with no relation the policy reads: their indexed columns come from ``FILTERABLE``."""
    return RosterRecord(
        kind=kind,
        sourced_id=sourced_id,
        status=status,
        date_last_modified=modified,
        payload=payload,
    )


_READERS: dict[EntityKind, Callable[[EntityKind, str, str, datetime, JsonObject], RosterRecord]] = {
    EntityKind.USERS: _user,
    EntityKind.CLASSES: _class,
    EntityKind.COURSES: _course,
    EntityKind.ACADEMIC_SESSIONS: _session,
    EntityKind.ORGS: _org,
    EntityKind.ENROLLMENTS: _enrollment,
    EntityKind.DEMOGRAPHICS: _plain,
    EntityKind.COURSE_COMPONENTS: _plain,
    EntityKind.COMPONENT_RESOURCES: _plain,
    EntityKind.RESOURCES: _plain,
}


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
