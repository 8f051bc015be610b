"""The course of a PowerPath lesson, read from the roster cache's lesson catalogue (D82) first.

TimeBack is asked (two rostering reads, :mod:`adapters.timeback.lessons`) only for a lesson the
cache does not hold: one made since the last sync, or no lesson at all."""

from __future__ import annotations

from collections.abc import Mapping

from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.ports.assessments import LessonCourses
from domain.roster.entities import EntityKind, RosterRecord


async def course_in_cache(uow: UnitOfWork, lesson: RosterRecord | None) -> str | None:
    """The course of a cached lesson: its course component's course."""
    if lesson is None or lesson.deleted:
        return None
    unit = lesson.payload.get("courseComponent")
    unit_id = unit.get("sourcedId") if isinstance(unit, Mapping) else None
    if not isinstance(unit_id, str):
        return None
    component = await uow.roster.get(EntityKind.COURSE_COMPONENTS, unit_id)
    course = component.payload.get("course") if component is not None else None
    found = course.get("sourcedId") if isinstance(course, Mapping) else None
    return found if isinstance(found, str) else None


class CatalogueFirstLessonCourses(LessonCourses):
    def __init__(self, uow: UnitOfWorkFactory, upstream: LessonCourses) -> None:
        self._uow = uow
        self._upstream = upstream

    async def course_of_lesson(self, lesson_id: str) -> str | None:
        async with self._uow() as uow:
            lesson = await uow.roster.get(EntityKind.COMPONENT_RESOURCES, lesson_id)
            found = await course_in_cache(uow, lesson)
        return found if found is not None else await self._upstream.course_of_lesson(lesson_id)
