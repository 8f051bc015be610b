"""Which course a PowerPath lesson (a course component resource) belongs to, asked of TimeBack's
rostering service: the component resource names its course component, which names its course.

A lesson does not move between courses, so found answers are kept for the process's life
(bounded).
"""

from __future__ import annotations

from collections import OrderedDict

from adapters.timeback.gradebook import upstream_errors
from adapters.timeback.oneroster import OneRosterClient
from domain.errors import NotFound
from domain.ports.assessments import LessonCourses

#: lessons remembered; a school's catalogue has a few thousand
KEEP = 20_000


class TimebackLessonCourses(LessonCourses):
    def __init__(self, client: OneRosterClient, *, keep: int = KEEP) -> None:
        self._client = client
        self._known: OrderedDict[str, str | None] = OrderedDict()
        self._keep = keep

    async def _ref(self, collection: str, sourced_id: str, key: str, field: str) -> str | None:
        try:
            async with upstream_errors(collection, callers=False):
                entity = await self._client.get(collection, sourced_id, key=key)
        except NotFound:
            return None
        value = entity.get(field)
        found = value.get("sourcedId") if isinstance(value, dict) else None
        return found if isinstance(found, str) else None

    async def course_of_lesson(self, lesson_id: str) -> str | None:
        if lesson_id in self._known:
            self._known.move_to_end(lesson_id)
            return self._known[lesson_id]
        component = await self._ref(
            "courses/component-resources", lesson_id, "componentResource", "courseComponent"
        )
        course = (
            await self._ref("courses/components", component, "courseComponent", "course")
            if component
            else None
        )
        if course is not None:  # a lesson made later must not stay unknown
            self._known[lesson_id] = course
            if len(self._known) > self._keep:
                self._known.popitem(last=False)
        return course
