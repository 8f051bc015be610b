"""A course's lessons for a learner's app: ``GET /v1/learning/lessons?course=`` (issue 17).

Read from the roster cache in one statement (the ``LessonCatalogue`` port, decision D82), where
TimeBack's own router makes one upstream call per course component. The caller must reach the
course (a class of it they may read: its students, their guardians, its teachers, staff of its
school's orgs; admins everything). Naming a learner also asks that the caller may read that
learner's learning and that the learner is enrolled in a class of the course.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import NotFound, PermissionDenied
from domain.models.identity import Actor
from domain.policy import Action, LearnerRef, Policy
from domain.ports.lessons import Lesson, LessonCatalogue
from domain.ports.roster_relations import RosterRelations
from domain.scope import ClassesTakenBy, Ids, Scope


class LessonCatalogueService:
    def __init__(
        self, *, catalogue: LessonCatalogue, policy: Policy, relations: RosterRelations
    ) -> None:
        self._catalogue = catalogue
        self._policy = policy
        self._relations = relations

    async def lessons(
        self,
        *,
        actor: Actor,
        course_id: str,
        learner_id: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Lesson], int]:
        """A page of the course's lessons in course order, and how many there are."""
        if not await self._policy.reaches_course(actor, course_id):
            if await self._catalogue.course_lessons(course_id) is None:
                raise NotFound(f"No course with sourcedId {course_id!r}.")
            raise PermissionDenied("You may not see this course's lessons.")
        if learner_id is not None:
            await self._policy.require(actor, Action.READ, LearnerRef(learner_id))
            taken = Scope(classes=(ClassesTakenBy(Ids.of(learner_id)),))
            if not await self._relations.includes(taken, course_id=course_id):
                raise NotFound(f"Learner {learner_id!r} is in no class of course {course_id!r}.")
        found = await self._catalogue.course_lessons(course_id)
        if found is None:
            raise NotFound(f"No course with sourcedId {course_id!r}.")
        # a course's lessons are tens to hundreds: read whole (so the answer and its total come
        # from one statement), paged here
        return found[offset : offset + limit], len(found)
