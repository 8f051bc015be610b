"""Who may see or change what. Use cases ask this; routers never decide access themselves.

    admin     everything
    staff     everything in their orgs (and the orgs below them)
    teacher   the classes they teach, those classes' students and gradebooks, themselves
    student   themselves: their enrollments, classes, results and resources
    guardian  themselves and the people they are a OneRoster agent for, with those people's data

Time logs belong to the account that made them; staff also reach those of people in their orgs.

Denials raise ``PermissionDenied``; lists are narrowed with :meth:`Policy.scope`, not filtered after
the fact. Read-only API tokens can never write, whatever the role.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import PermissionDenied
from domain.models.identity import Actor, Role
from domain.ports.roster_relations import RosterRelations


class Action(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class PersonRef:
    sourced_id: str


@dataclass(frozen=True, slots=True)
class ClassRef:
    sourced_id: str


@dataclass(frozen=True, slots=True)
class OrgRef:
    sourced_id: str


@dataclass(frozen=True, slots=True)
class AccountRef:
    """A BFF account (not a roster person)."""

    account_id: str


@dataclass(frozen=True, slots=True)
class TimeLogRef:
    """A time log, known by its owner: their account and roster person (None for admins)."""

    account_id: str
    person_sourced_id: str | None


class Area(StrEnum):
    """Whole areas that are not owned by one person."""

    ACCOUNTS = "accounts"  # creating and listing BFF accounts
    AUDIT = "audit"
    OPERATIONS = "operations"  # upstream status, periodic tasks, sync runs
    ROSTER = "roster"  # roster writes that hang from no organisation (admins only)


Resource = PersonRef | ClassRef | OrgRef | AccountRef | TimeLogRef | Area


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """What a list may contain for an actor: everything, or these people, classes and orgs."""

    everything: bool = False
    people: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    orgs: frozenset[str] = frozenset()

    def allows_person(self, person_id: str, person_orgs: frozenset[str] = frozenset()) -> bool:
        return self.everything or person_id in self.people or bool(person_orgs & self.orgs)

    def allows_class(self, class_id: str, class_orgs: frozenset[str] = frozenset()) -> bool:
        return self.everything or class_id in self.classes or bool(class_orgs & self.orgs)


_AREA_READERS = {
    Area.ACCOUNTS: {Role.ADMIN},
    Area.AUDIT: {Role.ADMIN},
    Area.OPERATIONS: {Role.ADMIN, Role.STAFF},
    Area.ROSTER: set(),
}


class Policy:
    def __init__(self, relations: RosterRelations) -> None:
        self._relations = relations

    async def require(self, actor: Actor, action: Action, resource: Resource) -> None:
        if not await self.allows(actor, action, resource):
            raise PermissionDenied(f"You may not {action} this {_describe(resource)}.")

    async def allows(self, actor: Actor, action: Action, resource: Resource) -> bool:
        if action is Action.WRITE and not actor.can_write:
            return False
        if actor.role is Role.ADMIN:
            return True
        match resource:
            case Area():
                return action is Action.READ and actor.role in _AREA_READERS[resource]
            case AccountRef(account_id):
                return account_id == actor.account_id
            case TimeLogRef(account_id, owner):
                # Owners keep their own logs; staff reach those of people in their orgs.
                if account_id == actor.account_id:
                    return True
                return (
                    actor.role is Role.STAFF
                    and owner is not None
                    and await self._person(actor, action, owner)
                )
            case PersonRef(sourced_id):
                return await self._person(actor, action, sourced_id)
            case ClassRef(sourced_id):
                return await self._class(actor, action, sourced_id)
            case OrgRef(sourced_id):
                return await self._org(actor, action, sourced_id)

    async def scope(self, actor: Actor) -> Scope:
        """Everything this actor may read, for narrowing list queries."""
        me = actor.person_sourced_id
        if actor.role is Role.ADMIN:
            return Scope(everything=True)
        if me is None:
            return Scope()
        rel = self._relations
        if actor.role is Role.STAFF:
            return Scope(people=frozenset({me}), orgs=await self._reach(me))
        if actor.role is Role.TEACHER:
            taught = await rel.classes_taught_by(me)
            students = await rel.students_of_classes(taught)
            return Scope(people=students | {me}, classes=taught)
        if actor.role is Role.GUARDIAN:
            dependants = await rel.dependants_of(me)
            classes: frozenset[str] = frozenset()
            for child in dependants:
                classes |= await rel.classes_of_student(child)
            return Scope(people=dependants | {me}, classes=classes)
        return Scope(people=frozenset({me}), classes=await rel.classes_of_student(me))

    async def _person(self, actor: Actor, action: Action, person_id: str) -> bool:
        me = actor.person_sourced_id
        if me is None:
            return False
        if actor.role is Role.STAFF:
            return person_id == me or bool(
                await self._relations.orgs_of_person(person_id) & await self._reach(me)
            )
        if action is Action.WRITE:
            # Apart from staff and admins, people change only what belongs to themselves.
            return person_id == me
        scope = await self.scope(actor)
        return scope.allows_person(person_id)

    async def _class(self, actor: Actor, action: Action, class_id: str) -> bool:
        me = actor.person_sourced_id
        if me is None:
            return False
        if actor.role is Role.STAFF:
            return bool(await self._relations.orgs_of_class(class_id) & await self._reach(me))
        if actor.role is Role.TEACHER:
            return class_id in await self._relations.classes_taught_by(me)
        if action is Action.WRITE:
            return False
        return (await self.scope(actor)).allows_class(class_id)

    async def _org(self, actor: Actor, action: Action, org_id: str) -> bool:
        me = actor.person_sourced_id
        if me is None:
            return False
        if actor.role is Role.STAFF:
            return org_id in await self._reach(me)
        return action is Action.READ and org_id in await self._relations.orgs_of_person(me)

    async def _reach(self, staff_person_id: str) -> frozenset[str]:
        """The orgs a staff member works in, and every org below them."""
        return await self._relations.org_subtree(
            await self._relations.orgs_of_person(staff_person_id)
        )


def _describe(resource: Resource) -> str:
    match resource:
        case Area():
            return f"{resource.value} area"
        case AccountRef():
            return "account"
        case TimeLogRef():
            return "time log"
        case PersonRef():
            return "person"
        case ClassRef():
            return "class"
        case OrgRef():
            return "organisation"
