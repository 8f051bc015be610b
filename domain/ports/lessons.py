"""A course's lessons, as the local roster cache holds them (decision D82)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class LessonComponent:
    """The course component (unit) a lesson is placed in."""

    id: str
    title: str | None
    sort_order: int | None
    parent_id: str | None
    unlock_date: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LessonResource:
    """What the lesson is: the resource it points at. Only the id is known while the resource
    itself is not (yet) in the cache."""

    id: str | None
    title: str | None
    url: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Lesson:
    """A component resource: its sourcedId is the PowerPath lesson id."""

    id: str
    title: str | None
    #: the resource metadata's ``lessonType``, else the component resource's own
    type: str | None
    course_id: str
    component: LessonComponent
    resource: LessonResource
    sort_order: int | None
    status: str


class LessonCatalogue(Protocol):
    async def course_lessons(self, course_id: str) -> Sequence[Lesson] | None:
        """Every lesson of the course, ordered by component sortOrder then by the lesson's own
        (ids break ties), in one statement; None when the course is not in the cache."""
        ...
