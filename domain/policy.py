"""Who may see or change what. Use cases ask this; routers never decide access themselves.

    admin     everything
    staff     everything in their orgs (and the orgs below them)
    teacher   the classes they teach, those classes' students and gradebooks, themselves
    student   themselves: their enrollments, classes, results and resources
    guardian  themselves and the people they are a OneRoster agent for, with those people's data

Time logs belong to the account that made them; staff also reach those of people in their orgs.

Denials raise ``PermissionDenied``; lists are narrowed with :meth:`Policy.scope`, not filtered after
the fact. Read-only API tokens can never write, whatever the role. A write is allowed on what it
hangs from *and* on every record its body names (D38): the services ask this policy for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import PermissionDenied
from domain.models.identity import Actor, Role
from domain.ports.roster_relations import RosterRelations
from domain.scope import (
    EVERYTHING,
    NOTHING,
    ClassesTakenBy,
    ClassesTaughtBy,
    DependantsOf,
    Ids,
    OrgsReachedBy,
    Scope,
    StudentsOf,
)


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


@dataclass(frozen=True, slots=True)
class CourseLinkRef:
    """A class's link to an Open edX course: staff and admins manage those of the classes they
    reach, teachers read those of the classes they teach, learners and guardians nothing."""

    class_id: str


@dataclass(frozen=True, slots=True)
class LearnerRef:
    """A learner's learning (PowerPath placement, plans, lessons, attempts): READ for the learner,
    their guardians, their teachers, staff of their orgs; WRITE (act for them: start a lesson,
    answer, assign a test) for the learner, their teachers and staff of their orgs, never a guardian."""

    sourced_id: str


class Area(StrEnum):
    """Whole areas that are not owned by one person."""

    ACCOUNTS = "accounts"  # creating and listing BFF accounts
    AUDIT = "audit"
    OPERATIONS = "operations"  # upstream status, periodic tasks, sync runs
    ROSTER = "roster"  # roster writes that hang from no organisation (admins only)
    LMS = "lms"  # the Open edX site as a whole: its accounts, codes, enrollments, analytics


Resource = (
    PersonRef | ClassRef | OrgRef | AccountRef | TimeLogRef | CourseLinkRef | LearnerRef | Area
)


_AREA_READERS = {
    Area.ACCOUNTS: {Role.ADMIN},
    Area.AUDIT: {Role.ADMIN},
    Area.OPERATIONS: {Role.ADMIN, Role.STAFF},
    Area.ROSTER: set(),
    Area.LMS: {Role.ADMIN, Role.STAFF},
}
#: areas some non-admins may also change (the LMS has no orgs to narrow staff to)
_AREA_WRITERS = {Area.LMS: {Role.STAFF}}


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
                if action is Action.WRITE:
                    return actor.role in _AREA_WRITERS.get(resource, set())
                return actor.role in _AREA_READERS[resource]
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
            case LearnerRef(sourced_id):
                return await self._learner(actor, action, sourced_id)
            case CourseLinkRef(class_id):
                managers = (Role.STAFF,) if action is Action.WRITE else (Role.STAFF, Role.TEACHER)
                return actor.role in managers and await self._class(actor, action, class_id)

    def scope(self, actor: Actor) -> Scope:
        """Everything this actor may read, for narrowing list queries: relations the store
        resolves in its own query, so asking costs no round trip."""
        me = actor.person_sourced_id
        if actor.role is Role.ADMIN:
            return EVERYTHING
        if me is None:
            return NOTHING
        own = Ids.of(me)
        match actor.role:
            case Role.STAFF:
                return Scope(people=(own,), orgs=(OrgsReachedBy(me),))
            case Role.TEACHER:
                taught = ClassesTaughtBy(me)
                return Scope(people=(own, StudentsOf(taught)), classes=(taught,))
            case Role.GUARDIAN:
                dependants = DependantsOf(me)
                return Scope(people=(own, dependants), classes=(ClassesTakenBy(dependants),))
            case _:
                return Scope(people=(own,), classes=(ClassesTakenBy(own),))

    async def _person(self, actor: Actor, action: Action, person_id: str) -> bool:
        me = actor.person_sourced_id
        if me is None:
            return False
        if person_id == me:
            return True
        if action is Action.WRITE and actor.role is not Role.STAFF:
            # Apart from staff and admins, people change only what belongs to themselves.
            return False
        return await self._relations.includes(self.scope(actor), person=person_id)

    async def _learner(self, actor: Actor, action: Action, learner_id: str) -> bool:
        me = actor.person_sourced_id
        if me is None:
            return False
        if learner_id == me:
            return True
        if action is Action.WRITE and actor.role not in (Role.STAFF, Role.TEACHER):
            # Guardians follow their children's learning; they do not do it for them.
            return False
        return await self._relations.includes(self.scope(actor), person=learner_id)

    async def _class(self, actor: Actor, action: Action, class_id: str) -> bool:
        if actor.person_sourced_id is None:
            return False
        if action is Action.WRITE and actor.role not in (Role.STAFF, Role.TEACHER):
            return False
        return await self._relations.includes(self.scope(actor), class_id=class_id)

    async def _org(self, actor: Actor, action: Action, org_id: str) -> bool:
        me = actor.person_sourced_id
        if me is None:
            return False
        if actor.role is Role.STAFF:
            return await self._relations.includes(self.scope(actor), org_id=org_id)
        return action is Action.READ and org_id in await self._relations.orgs_of_person(me)

    async def teaches_course(self, actor: Actor, course_id: str) -> bool:
        """Whether the actor is a teacher of an active class of this course."""
        me = actor.person_sourced_id
        if actor.role is not Role.TEACHER or me is None:
            return False
        taught = Scope(classes=(ClassesTaughtBy(me),))
        return await self._relations.includes(taught, course_id=course_id)

    async def reaches_course(self, actor: Actor, course_id: str) -> bool:
        """Whether a class of this course is among those the actor may read."""
        if actor.role is Role.ADMIN:
            return True
        return await self._relations.includes(self.scope(actor), course_id=course_id)


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
        case CourseLinkRef():
            return "class's course link"
        case LearnerRef():
            return "learner's learning"
