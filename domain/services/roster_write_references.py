"""What a roster write may refer to (decision D38), judged as gradebook writes are:

1. reach: what the write hangs from (a user's role orgs, a class's school, both ends of an
   enrollment...) the caller must be allowed to change, as :mod:`domain.services.roster_writes`
   checks; the users a user names as ``agents`` likewise, since the link is recorded on both. A
   reference to nothing, from a caller who does not see every record: ``PermissionDenied``, as for
   someone else's record, so a refusal never tells whether it exists.
2. existence: a reference to nothing from an admin: ``InvalidInput`` (422) naming the field.
3. belonging: a class's course and terms are its school's or an org's above it; an enrollment's
   school is its class's. Otherwise ``InvalidInput`` (422) naming the field.

References are looked up in the local roster cache, which the policy reads too (D24), and, when
the cache does not have them (written upstream since the last sync), read live from TimeBack.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from domain.errors import InvalidInput, PermissionDenied
from domain.models.identity import Actor
from domain.ports import UnitOfWorkFactory
from domain.ports.roster_writer import RosterLiveReader
from domain.roster.entities import EntityKind, RosterRecord, ref_id

#: Reference fields per kind and the kind they point at.
REFERENCES: dict[EntityKind, dict[str, EntityKind]] = {
    EntityKind.USERS: {"primaryOrg": EntityKind.ORGS, "agents": EntityKind.USERS},
    EntityKind.CLASSES: {
        "course": EntityKind.COURSES,
        "org": EntityKind.ORGS,
        "school": EntityKind.ORGS,
        "terms": EntityKind.ACADEMIC_SESSIONS,
    },
    EntityKind.COURSES: {"org": EntityKind.ORGS, "schoolYear": EntityKind.ACADEMIC_SESSIONS},
    EntityKind.ORGS: {"parent": EntityKind.ORGS},
    EntityKind.ACADEMIC_SESSIONS: {
        "parent": EntityKind.ACADEMIC_SESSIONS,
        "org": EntityKind.ORGS,
    },
    EntityKind.ENROLLMENTS: {
        "user": EntityKind.USERS,
        "class": EntityKind.CLASSES,
        "school": EntityKind.ORGS,
    },
}
#: the envelope key of each kind, which a field's location starts with
ENVELOPE = {
    EntityKind.USERS: "user",
    EntityKind.CLASSES: "class",
    EntityKind.COURSES: "course",
    EntityKind.ORGS: "org",
    EntityKind.ACADEMIC_SESSIONS: "academicSession",
    EntityKind.ENROLLMENTS: "enrollment",
}
#: how far up an org tree is followed (a district above schools is two levels)
MAX_DEPTH = 16

#: write access at these orgs, or PermissionDenied (the service's own rule)
RequireOrgs = Callable[[Actor, Iterable[str]], Awaitable[None]]


def refs(value: Any) -> list[str]:
    """The sourcedIds in a reference or a list of references."""
    items = value if isinstance(value, list) else [value]
    return [i for i in (ref_id(v) for v in items) if i is not None]


class RosterReferenceCheck:
    def __init__(
        self, *, uow: UnitOfWorkFactory, live: RosterLiveReader, require_orgs: RequireOrgs
    ) -> None:
        self._uow = uow
        self._live = live
        self._require_orgs = require_orgs

    async def exist(self, actor: Actor, kind: EntityKind, changes: Mapping[str, Any]) -> None:
        """Steps 1 and 2 for the references ``changes`` names (a create's whole body, an update's
        changed fields); the orgs a record hangs from are the service's to judge."""
        at = ENVELOPE.get(kind, str(kind))
        found: dict[tuple[EntityKind, str], RosterRecord] = {}
        wanted = [
            (name, target, ref)
            for name, target in REFERENCES.get(kind, {}).items()
            for ref in refs(changes.get(name))
        ]
        if kind is EntityKind.USERS:
            roles = [r for r in changes.get("roles") or () if isinstance(r, Mapping)]
            wanted += [
                ("roles.org", EntityKind.ORGS, ref) for r in roles for ref in refs(r.get("org"))
            ]
        for name, target, ref in dict.fromkeys(wanted):
            record = await self._record(target, ref)
            if record is None:
                if not actor.is_admin:
                    raise PermissionDenied(f"There is no {target} {ref!r} that you may use.")
                raise InvalidInput(
                    f"{name} refers to {target} {ref!r}, which does not exist.",
                    field=f"{at}.{name}",
                )
            found[(target, ref)] = record
        if kind is EntityKind.USERS:
            # the link is recorded on the agent too: the caller must be able to change both ends
            for agent in refs(changes.get("agents")):
                await self._require_orgs(actor, found[(EntityKind.USERS, agent)].org_ids)

    async def fit(
        self, kind: EntityKind, changes: Mapping[str, Any], merged: Mapping[str, Any]
    ) -> None:
        """Step 3, judged on the record as it will be (``merged``), once the caller is known to
        reach it: a misfit of what they may not reach is their 403, not a 422."""
        at = ENVELOPE.get(kind, str(kind))
        if kind is EntityKind.CLASSES and {"course", "terms", "school", "org"} & set(changes):
            school = ref_id(merged.get("school")) or ref_id(merged.get("org"))
            if school is None:
                return
            lineage = await self._lineage(school)
            course = ref_id(merged.get("course"))
            record = await self._record(EntityKind.COURSES, course) if course else None
            if record is not None and record.org_id is not None and record.org_id not in lineage:
                raise InvalidInput(
                    f"Course {course!r} belongs to org {record.org_id!r}, not to the class's "
                    f"school {school!r} or an org above it.",
                    field=f"{at}.course",
                )
            for term in refs(merged.get("terms")):
                session = await self._record(EntityKind.ACADEMIC_SESSIONS, term)
                if session is not None and session.org_id not in (None, *lineage):
                    raise InvalidInput(
                        f"Term {term!r} belongs to org {session.org_id!r}, not to the class's "
                        f"school {school!r} or an org above it.",
                        field=f"{at}.terms",
                    )
        if kind is EntityKind.ENROLLMENTS and {"school", "class"} & set(changes):
            school, class_id = ref_id(merged.get("school")), ref_id(merged.get("class"))
            klass = await self._record(EntityKind.CLASSES, class_id) if class_id else None
            if school is not None and klass is not None and klass.org_id not in (None, school):
                raise InvalidInput(
                    f"School {school!r} is not the school of class {class_id!r} "
                    f"({klass.org_id!r}).",
                    field=f"{at}.school",
                )

    async def _lineage(self, org_id: str) -> set[str]:
        """The org and every org above it."""
        seen: set[str] = set()
        current: str | None = org_id
        while current is not None and current not in seen and len(seen) < MAX_DEPTH:
            seen.add(current)
            record = await self._record(EntityKind.ORGS, current)
            current = record.parent_id if record is not None else None
        return seen

    async def _record(self, kind: EntityKind, sourced_id: str) -> RosterRecord | None:
        async with self._uow() as uow:
            cached = await uow.roster.get(kind, sourced_id)
        return cached if cached is not None else await self._live.fetch(kind, sourced_id)
