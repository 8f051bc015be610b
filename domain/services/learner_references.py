"""What a learning route names, checked against the roster cache before PowerPath is asked.

A learner must be a student the cache holds, a course a course it holds, and a lesson plan's
learner enrolled in a class of its course. Unknown in the path is a 404; unknown in a body (or a
query) is a 422 naming the field. Then the policy: ``LearnerRef`` for the learner (decision D85).
"""

from __future__ import annotations

import time

from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.models.identity import Actor, Role
from domain.policy import Action, LearnerRef, Policy
from domain.ports import UnitOfWorkFactory
from domain.ports.roster_relations import RosterRelations
from domain.roster.entities import EntityKind, RosterRecord
from domain.scope import ClassesTakenBy, Ids, Scope

STUDENT = "student"
#: how long a learner found to be a student is taken as one without asking the cache again: each
#: step of a lesson names its learner, and the lookup was a fifth of a step's CPU (D99)
STUDENT_TTL_SECONDS = 30.0
#: learners remembered at most (the memory is dropped whole when full)
STUDENTS_REMEMBERED = 10_000


def _is_student(record: RosterRecord) -> bool:
    return record.role == STUDENT or any(r.role == STUDENT for r in record.roles)


def _missing(detail: str, field: str | None) -> Exception:
    return NotFound(detail) if field is None else InvalidInput(detail, field=field)


class LearnerReferences:
    def __init__(
        self, *, uow: UnitOfWorkFactory, policy: Policy, relations: RosterRelations
    ) -> None:
        self._uow = uow
        self._policy = policy
        self._relations = relations
        #: learner -> until when (monotonic) they are known to be a student
        self._students: dict[str, float] = {}

    @staticmethod
    def learner_of(actor: Actor, named: str | None) -> str:
        """The learner a route is about: the one named, else the caller themselves."""
        if named:
            return named
        if actor.person_sourced_id is None:
            raise InvalidInput(
                "Name the learner: this account is no roster person.", field="learner"
            )
        return actor.person_sourced_id

    @staticmethod
    def require_role(actor: Actor, roles: frozenset[Role], what: str) -> None:
        if actor.role not in roles:
            raise PermissionDenied(f"Only {', '.join(sorted(roles))} may {what}.")

    async def learner(
        self, actor: Actor, learner: str, action: Action, *, field: str | None = None
    ) -> None:
        """``learner`` is a student of the roster and ``actor`` may ``action`` for them;
        ``field``: where a body names them (None: the path)."""
        if not self._known_student(learner):
            async with self._uow() as uow:
                record = await uow.roster.get(EntityKind.USERS, learner)
            if record is None or not _is_student(record):
                raise _missing(f"No student {learner!r} in the roster.", field)
            self._remember_student(learner)
        await self._policy.require(actor, action, LearnerRef(learner))

    def _known_student(self, learner: str) -> bool:
        until = self._students.get(learner)
        return until is not None and time.monotonic() < until

    def _remember_student(self, learner: str) -> None:
        if len(self._students) >= STUDENTS_REMEMBERED:
            self._students.clear()
        self._students[learner] = time.monotonic() + STUDENT_TTL_SECONDS

    async def named(self, actor: Actor, named: str | None, action: Action) -> str:
        """The learner a body or query names (else the caller), checked as above with a 422
        naming ``learner``; returns them."""
        who = self.learner_of(actor, named)
        await self.learner(actor, who, action, field="learner")
        return who

    async def may_act_for(self, actor: Actor, learner: str) -> bool:
        """Whether the actor may act for this (already checked) learner, not only watch."""
        return await self._policy.allows(actor, Action.WRITE, LearnerRef(learner))

    async def plan(self, actor: Actor, learner: str, course: str, action: Action) -> None:
        """A plan's learner and course, both looked up in one unit of work, then the policy,
        then the enrollment."""
        async with self._uow() as uow:
            record = await uow.roster.get(EntityKind.USERS, learner)
            known_course = await uow.roster.get(EntityKind.COURSES, course) is not None
        if record is None or not _is_student(record):
            raise NotFound(f"No student {learner!r} in the roster.")
        if not known_course:
            raise NotFound(f"No course {course!r} in the roster.")
        await self._policy.require(actor, action, LearnerRef(learner))
        await self.enrolled(learner, course)

    async def course(self, course: str, *, field: str | None = None) -> None:
        async with self._uow() as uow:
            found = await uow.roster.get(EntityKind.COURSES, course)
        if found is None:
            raise _missing(f"No course {course!r} in the roster.", field)

    async def enrolled(self, learner: str, course: str) -> None:
        """The learner takes an active class of the course (a plan of any other course is not
        theirs to have)."""
        taken = Scope(classes=(ClassesTakenBy(Ids.of(learner)),))
        if not await self._relations.includes(taken, course_id=course):
            raise NotFound(f"Student {learner!r} is in no class of course {course!r}.")

    async def reaches_course(self, actor: Actor, course: str) -> None:
        if not await self._policy.reaches_course(actor, course):
            raise PermissionDenied("You may not read this course.")
