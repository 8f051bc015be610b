"""Who holds a piece of content's answer key: its authors.

Admins and staff author everything. A teacher authors the content of the courses they teach: an
item, test or stimulus belongs to the courses its ``metadata`` names, in ``courseSourcedIds`` (a
list) or ``courseSourcedId`` (one), and to the course of the PowerPath lesson its
``metadata.lessonId`` names (a course component resource, as TimeBack's content bank links its
tests), decision D68. Content that names no course is staff's alone.
Everyone else (students, guardians, teachers for other content) gets the delivery form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.errors import InvalidInput, PermissionDenied
from domain.models.identity import Actor, Role
from domain.policy import Policy
from domain.ports.assessments import LessonCourses, WireObject
from domain.ports.gradebook import RosterLookup

COURSES_FIELD = "metadata.courseSourcedIds"
LESSON_FIELD = "metadata.lessonId"


def lesson_of(obj: Mapping[str, Any]) -> str | None:
    metadata = obj.get("metadata")
    lesson = metadata.get("lessonId") if isinstance(metadata, Mapping) else None
    return lesson if isinstance(lesson, str) and lesson else None


def courses_of(obj: Mapping[str, Any]) -> frozenset[str]:
    """The course sourcedIds a piece of content names (ill-typed values name none)."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, Mapping):
        return frozenset()
    named: set[str] = set()
    many = metadata.get("courseSourcedIds")
    if isinstance(many, list):
        named.update(c for c in many if isinstance(c, str) and c)
    one = metadata.get("courseSourcedId")
    if isinstance(one, str) and one:
        named.add(one)
    return frozenset(named)


class Authoring:
    def __init__(self, *, policy: Policy, courses: RosterLookup, lessons: LessonCourses) -> None:
        self._policy = policy
        self._courses = courses
        self._lessons = lessons

    async def courses(self, obj: Mapping[str, Any]) -> frozenset[str]:
        """Every course the content belongs to: those it names, and its lesson's."""
        named = courses_of(obj)
        lesson = lesson_of(obj)
        if lesson is None:
            return named
        course = await self._lessons.course_of_lesson(lesson)
        return named | {course} if course else named

    @staticmethod
    def authors_everything(actor: Actor) -> bool:
        return actor.role in (Role.ADMIN, Role.STAFF)

    @staticmethod
    def may_author_some(actor: Actor) -> bool:
        """Whether this caller authors anything at all (staff, admins, teachers)."""
        return actor.role in (Role.ADMIN, Role.STAFF, Role.TEACHER)

    async def holds_key(
        self, actor: Actor, obj: Mapping[str, Any], memo: dict[str, bool] | None = None
    ) -> bool:
        """Whether the caller may read this content whole, answer key included; ``memo`` keeps
        a list's answers per course, so a page asks the roster once per course."""
        if self.authors_everything(actor):
            return True
        if actor.role is not Role.TEACHER:
            return False
        known = memo if memo is not None else {}
        for course in sorted(await self.courses(obj)):
            if course not in known:
                known[course] = await self._policy.teaches_course(actor, course)
            if known[course]:
                return True
        return False

    async def require_author(self, actor: Actor, obj: Mapping[str, Any]) -> None:
        """The caller may change this stored content."""
        if not actor.can_write or not await self.holds_key(actor, obj):
            raise PermissionDenied(
                "Only staff, admins and the teachers of its course may change this content."
            )

    async def check_body(self, actor: Actor, body: WireObject) -> None:
        """What a written body names as its courses: a teacher's must all be theirs (and name
        one); anyone's must exist (422 naming the field)."""
        if not actor.can_write or not self.may_author_some(actor):
            raise PermissionDenied("Only staff, admins and teachers author assessment content.")
        _check_course_fields(body)
        lesson = lesson_of(body)
        if lesson is not None and await self._lessons.course_of_lesson(lesson) is None:
            raise InvalidInput(f"No lesson with sourcedId {lesson!r}.", field=LESSON_FIELD)
        named = await self.courses(body)
        if actor.role is Role.TEACHER:
            if not named:
                raise PermissionDenied(
                    f"Name one of the courses you teach in {COURSES_FIELD}: content of no course "
                    "is for staff."
                )
            for course in sorted(named):
                if not await self._policy.teaches_course(actor, course):
                    raise PermissionDenied(f"You do not teach course {course!r}.")
            return
        for course in sorted(courses_of(body)):
            if await self._courses.org_of_course(course) is None:
                raise InvalidInput(f"No course with sourcedId {course!r}.", field=COURSES_FIELD)


def _check_course_fields(body: WireObject) -> None:
    metadata = body.get("metadata")
    if metadata is None:
        return
    if not isinstance(metadata, Mapping):
        raise InvalidInput("metadata must be an object.", field="metadata")
    many = metadata.get("courseSourcedIds")
    if many is not None and not (isinstance(many, list) and all(isinstance(c, str) for c in many)):
        raise InvalidInput("courseSourcedIds must be a list of strings.", field=COURSES_FIELD)
    for name in ("courseSourcedId", "lessonId"):
        one = metadata.get(name)
        if one is not None and not isinstance(one, str):
            raise InvalidInput(f"{name} must be a string.", field=f"metadata.{name}")
