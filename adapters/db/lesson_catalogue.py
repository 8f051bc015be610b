"""A course's lessons from the roster cache in one statement on the read engine (decision D82).

TimeBack's own router asks for a course's components, then for each component's resources, one
upstream call each; here the course, its components, their component resources and the resources
they point at are one outer-joined statement. The course is the statement's first table, so a
course with no lessons still answers a row (and an unknown course none).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from adapters.db import roster_tables as t
from adapters.db.read_engine import ReadEngine
from domain.ports.lessons import Lesson, LessonCatalogue, LessonComponent, LessonResource

_course, _unit, _lesson, _resource = (
    t.courses,
    t.course_components,
    t.component_resources,
    t.resources,
)

#: a missing sortOrder sorts as 0, as PowerPath orders units and lessons
LESSONS = (
    sa.select(
        _lesson.c.sourced_id,
        _lesson.c.title,
        sa.func.coalesce(_resource.c.lesson_type, _lesson.c.lesson_type),
        _lesson.c.sort_order,
        _lesson.c.status,
        _unit.c.sourced_id,
        _unit.c.title,
        _unit.c.sort_order,
        _unit.c.parent_id,
        _unit.c.unlock_date,
        _lesson.c.resource_id,
        _resource.c.title,
        _resource.c.url,
    )
    .select_from(
        _course.outerjoin(_unit, _unit.c.course_id == _course.c.sourced_id)
        .outerjoin(_lesson, _lesson.c.component_id == _unit.c.sourced_id)
        .outerjoin(_resource, _resource.c.sourced_id == _lesson.c.resource_id)
    )
    .where(_course.c.sourced_id == sa.bindparam("course"))
    .order_by(
        sa.func.coalesce(_unit.c.sort_order, 0),
        _unit.c.sourced_id,
        sa.func.coalesce(_lesson.c.sort_order, 0),
        _lesson.c.sourced_id,
    )
)


class SqlLessonCatalogue(LessonCatalogue):
    def __init__(self, reads: ReadEngine) -> None:
        self._reads = reads

    async def course_lessons(self, course_id: str) -> Sequence[Lesson] | None:
        rows = await self._reads.rows(LESSONS.params(course=course_id))
        if not rows:
            return None
        # a unit with no lessons (or a course with no units) is a row with no lesson
        return [_lesson_of(course_id, row) for row in rows if row[0] is not None]


def _lesson_of(course_id: str, row: Sequence[Any]) -> Lesson:
    (
        lesson_id,
        title,
        lesson_type,
        sort_order,
        status,
        unit_id,
        unit_title,
        unit_order,
        parent_id,
        unlock_date,
        resource_id,
        resource_title,
        url,
    ) = row
    return Lesson(
        id=lesson_id,
        title=title,
        type=lesson_type,
        course_id=course_id,
        component=LessonComponent(
            id=unit_id,
            title=unit_title,
            sort_order=unit_order,
            parent_id=parent_id,
            unlock_date=unlock_date,
        ),
        resource=LessonResource(id=resource_id, title=resource_title, url=url),
        sort_order=sort_order,
        status=status,
    )
