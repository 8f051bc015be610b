"""A learner's placement, screening, lesson plans and test assignments at PowerPath.

Reads: the learner, their guardians, their teachers, staff of their orgs, admins (``LearnerRef``,
READ). Acting for a learner (WRITE): resetting their screening session; assigning them a screening
test, a test or changing their plan is also a teacher's, staff's or an admin's, never the
learner's own; resetting their placement is staff's and admins' alone; a bulk assignment is
staff's and admins', for every learner it names. Each route checks every entity it names first
(:class:`LearnerReferences`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.models.identity import Actor, Role
from domain.policy import Action
from domain.ports.learning_plans import (
    AssignmentPage,
    AssignmentQuery,
    LessonPlans,
    NewTestAssignment,
    PlacementTests,
    Screening,
    TestAssignments,
    WireObject,
)
from domain.services.learner_references import LearnerReferences

#: who may act for a learner in ways the learner may not act for themselves
GUIDES = frozenset({Role.TEACHER, Role.STAFF, Role.ADMIN})
MANAGERS = frozenset({Role.STAFF, Role.ADMIN})
READ, WRITE = Action.READ, Action.WRITE


#: the screening test's login in a session, shown only to those who may act for the learner
_TEST_LOGIN = frozenset({"pin", "password"})


@dataclass(frozen=True, slots=True)
class PlacementSummary:
    tests: list[WireObject]
    level: WireObject
    next_test: WireObject
    progress: list[WireObject]


@dataclass(frozen=True, slots=True)
class StoredOperation:
    plan_id: str
    operation: WireObject


class LearningPlanService:
    def __init__(
        self,
        *,
        placement: PlacementTests,
        screening: Screening,
        plans: LessonPlans,
        assignments: TestAssignments,
        refs: LearnerReferences,
    ) -> None:
        self._placement = placement
        self._screening = screening
        self._plans = plans
        self._assignments = assignments
        self._refs = refs

    def learner_of(self, actor: Actor, named: str | None) -> str:
        """The learner a request is about: the one named, else the caller themselves."""
        return self._refs.learner_of(actor, named)

    # -- placement ----------------------------------------------------------------------------

    async def placement(self, *, actor: Actor, learner: str, subject: str) -> PlacementSummary:
        await self._refs.learner(actor, learner, READ)
        p = self._placement
        tests, level, next_test, progress = await asyncio.gather(
            p.tests(learner, subject),
            p.level(learner, subject),
            p.next_test(learner, subject),
            p.progress(learner, subject),
        )
        return PlacementSummary(tests, level, next_test, progress)

    async def placement_tests(
        self, *, actor: Actor, learner: str, subject: str
    ) -> list[WireObject]:
        await self._refs.learner(actor, learner, READ)
        return await self._placement.tests(learner, subject)

    async def placement_level(self, *, actor: Actor, learner: str, subject: str) -> WireObject:
        await self._refs.learner(actor, learner, READ)
        return await self._placement.level(learner, subject)

    async def next_placement_test(self, *, actor: Actor, learner: str, subject: str) -> WireObject:
        await self._refs.learner(actor, learner, READ)
        return await self._placement.next_test(learner, subject)

    async def subject_progress(
        self, *, actor: Actor, learner: str, subject: str
    ) -> list[WireObject]:
        await self._refs.learner(actor, learner, READ)
        return await self._placement.progress(learner, subject)

    async def reset_placement(self, *, actor: Actor, learner: str, subject: str) -> WireObject:
        self._refs.require_role(actor, MANAGERS, "reset a placement")
        await self._refs.learner(actor, learner, WRITE)
        return await self._placement.reset(learner, subject)

    # -- screening ----------------------------------------------------------------------------

    async def screening_results(
        self, *, actor: Actor, learner: str
    ) -> dict[str, WireObject | None]:
        await self._refs.learner(actor, learner, READ)
        return await self._screening.results(learner)

    async def screening_session(self, *, actor: Actor, learner: str) -> WireObject:
        await self._refs.learner(actor, learner, READ)
        session = await self._screening.session(learner)
        if await self._refs.may_act_for(actor, learner):
            return session
        # The test's login is for whoever sits the test with the learner, not for those who
        # only follow their learning (guardians; read-only tokens).
        return {k: v for k, v in session.items() if k not in _TEST_LOGIN}

    async def reset_screening_session(self, *, actor: Actor, learner: str) -> WireObject:
        await self._refs.learner(actor, learner, WRITE)
        await self._screening.reset_session(learner)
        return await self._screening.session(learner)

    async def assign_screening(
        self, *, actor: Actor, learner: str, subject: str
    ) -> list[WireObject]:
        self._refs.require_role(actor, GUIDES, "assign a screening test")
        await self._refs.learner(actor, learner, WRITE)
        return await self._screening.assign(learner, subject)

    # -- lesson plans -------------------------------------------------------------------------

    async def _plan(self, actor: Actor, course: str, learner: str, action: Action) -> str:
        await self._refs.plan(actor, learner, course, action)
        return await self._plans.plan_id(course, learner)

    async def plan_tree(self, *, actor: Actor, course: str, learner: str) -> WireObject:
        return await self._plans.tree(await self._plan(actor, course, learner, READ))

    async def plan_structure(self, *, actor: Actor, course: str, learner: str) -> WireObject:
        return await self._plans.structure(await self._plan(actor, course, learner, READ))

    async def course_progress(
        self, *, actor: Actor, course: str, learner: str, lesson: str | None
    ) -> list[WireObject]:
        await self._refs.plan(actor, learner, course, READ)
        found = await self._plans.course_progress(course, learner, lesson)
        if lesson and not found:
            raise InvalidInput(f"Course {course!r} has no lesson {lesson!r}.", field="lesson")
        return found

    async def plan_operations(self, *, actor: Actor, course: str, learner: str) -> list[WireObject]:
        return await self._plans.operations(await self._plan(actor, course, learner, READ))

    async def store_operation(
        self,
        *,
        actor: Actor,
        course: str,
        learner: str,
        operation: WireObject,
        reason: str | None,
    ) -> StoredOperation:
        self._refs.require_role(actor, GUIDES, "change a lesson plan")
        plan_id = await self._plan(actor, course, learner, WRITE)
        answer = await self._plans.store_operation(plan_id, operation, reason)
        if answer.get("success") is not True:
            # PowerPath stores nothing when the operation names what the plan does not hold
            message = answer.get("message") or "The operation does not fit this lesson plan."
            raise InvalidInput(f"PowerPath refused the operation: {message}", field="operation")
        stored_id = answer.get("operationId")
        for stored in reversed(await self._plans.operations(plan_id)):
            if stored.get("id") == stored_id:
                return StoredOperation(plan_id, stored)
        raise NotFound(f"PowerPath does not list the operation it stored ({stored_id}).")

    async def syllabus(self, *, actor: Actor, course: str) -> WireObject:
        await self._refs.course(course)
        await self._refs.reaches_course(actor, course)
        return await self._plans.syllabus(course)

    # -- test assignments ---------------------------------------------------------------------

    async def test_assignments(
        self,
        *,
        actor: Actor,
        learner: str | None,
        limit: int,
        offset: int,
        status: str | None = None,
        subject: str | None = None,
        grade: str | None = None,
    ) -> AssignmentPage:
        who = self._refs.learner_of(actor, learner)
        await self._refs.learner(actor, who, READ, field="learner")
        query = AssignmentQuery(
            learner=who, limit=limit, offset=offset, status=status, subject=subject, grade=grade
        )
        return await self._assignments.page(query)

    async def test_assignment(self, *, actor: Actor, assignment_id: str) -> WireObject:
        found = await self._assignments.get(assignment_id)
        learner = found.get("studentSourcedId")
        if actor.role is not Role.ADMIN:
            if not isinstance(learner, str):
                raise PermissionDenied("You may not read this test assignment.")
            await self._refs.learner(actor, learner, READ)
        return found

    async def assign_test(self, *, actor: Actor, new: NewTestAssignment) -> WireObject:
        self._refs.require_role(actor, GUIDES, "assign a test")
        await self._refs.learner(actor, new.learner, WRITE, field="learner")
        made = await self._assignments.create(new)
        return await self._assignments.get(str(made.get("assignmentId")))

    async def assign_tests(self, *, actor: Actor, items: list[NewTestAssignment]) -> WireObject:
        self._refs.require_role(actor, MANAGERS, "assign tests in bulk")
        for row, each in enumerate(items):
            try:
                await self._refs.learner(actor, each.learner, WRITE, field=f"items.{row}.learner")
            except PermissionDenied as exc:
                raise PermissionDenied(f"items.{row}.learner: {exc.detail}") from exc
        return await self._assignments.bulk(items)
