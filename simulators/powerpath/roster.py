"""PowerPath's view of the OneRoster data it builds on: courses, their units (course components)
and lessons (component resources, typed by ``lessonType``), students and what they are enrolled
in. The data is a :class:`~simulators.timeback.state.RosterState`: the live TimeBack
simulator's in a sandbox, a copy built from the same seed standalone. Indexes are derived per
collection version, so a write at TimeBack shows at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulators.timeback.checks import LESSON_TYPES
from simulators.timeback.state import JsonObject, RosterState

#: the population's course subjects as PowerPath's subject enum names them
SUBJECTS = {
    "Mathematics": "Math",
    "English Language Arts": "Reading",
    "Science": "Science",
    "Social Studies": "Social Studies",
}
POWERPATH_SUBJECTS = (
    "Reading", "Language", "Vocabulary", "Social Studies", "Writing", "Science", "FastMath", "Math",
)  # fmt: skip
GRADES = tuple(str(g) for g in range(-1, 14))


def subjects_of(course: JsonObject) -> list[str]:
    found = [SUBJECTS.get(s, s) for s in course.get("subjects") or []]
    return [s for s in found if s in POWERPATH_SUBJECTS]


def lesson_type(lesson: JsonObject) -> str | None:
    """Where TimeBack keeps it: the component resource's ``lessonType`` (its metadata's too)."""
    found = lesson.get("lessonType") or (lesson.get("metadata") or {}).get("lessonType")
    return found if found in LESSON_TYPES else None


@dataclass(frozen=True, slots=True)
class Roster:
    source: Callable[[], RosterState]

    @property
    def state(self) -> RosterState:
        return self.source()

    def course(self, course_id: str) -> JsonObject | None:
        return self.state.courses.get(course_id)

    def student(self, user_id: str) -> JsonObject | None:
        user = self.state.users.get(user_id)
        if user is None or not any(r.get("role") == "student" for r in user.get("roles", [])):
            return None
        return user

    def user(self, user_id: str) -> JsonObject | None:
        return self.state.users.get(user_id)

    def lesson(self, lesson_id: str) -> JsonObject | None:
        found = self.state.component_resources.get(lesson_id)
        return found if found is not None and found.get("status") == "active" else None

    def unit(self, unit_id: str) -> JsonObject | None:
        return self.state.course_components.get(unit_id)

    def units(self, course_id: str) -> list[JsonObject]:
        by_course = self.state.course_components.derived("powerpath:units", self._units_by_course)
        return by_course.get(course_id, [])

    def lessons(self, unit_id: str) -> list[JsonObject]:
        by_unit = self.state.component_resources.derived("powerpath:lessons", self._by_unit)
        return by_unit.get(unit_id, [])

    def course_lessons(self, course_id: str) -> list[JsonObject]:
        return [
            lesson for unit in self.units(course_id) for lesson in self.lessons(unit["sourcedId"])
        ]

    def course_of(self, lesson: JsonObject) -> JsonObject | None:
        unit = self.unit(lesson["courseComponent"]["sourcedId"])
        return None if unit is None else self.course(unit["course"]["sourcedId"])

    def courses_of(self, student_id: str) -> list[str]:
        """The courses a student is enrolled in (through their classes), in class order."""
        by_student = self.state.enrollments.derived("powerpath:courses", self._courses_by_student)
        return by_student.get(student_id, [])

    def class_of(self, student_id: str, course_id: str) -> str | None:
        for enrollment in self.state.enrollments.all():
            if enrollment["user"]["sourcedId"] != student_id:
                continue
            klass = self.state.classes.get(enrollment["class"]["sourcedId"])
            if klass is not None and klass["course"]["sourcedId"] == course_id:
                return str(klass["sourcedId"])
        return None

    def courses_in(self, subject: str) -> list[JsonObject]:
        """Every active course of a PowerPath subject, lowest grade first."""
        found = [
            c
            for c in self.state.courses.all()
            if c.get("status") == "active" and subject in subjects_of(c)
        ]
        return sorted(found, key=lambda c: (_grade(c), c["sourcedId"]))

    def _units_by_course(self) -> dict[str, list[JsonObject]]:
        found: dict[str, list[JsonObject]] = {}
        for unit in self.state.course_components.all():
            if unit.get("status") == "active":
                found.setdefault(unit["course"]["sourcedId"], []).append(unit)
        for units in found.values():
            units.sort(key=lambda u: (u.get("sortOrder") or 0, u["sourcedId"]))
        return found

    def _by_unit(self) -> dict[str, list[JsonObject]]:
        found: dict[str, list[JsonObject]] = {}
        for lesson in self.state.component_resources.all():
            if lesson.get("status") == "active":
                found.setdefault(lesson["courseComponent"]["sourcedId"], []).append(lesson)
        for lessons in found.values():
            lessons.sort(key=lambda r: (r.get("sortOrder") or 0, r["sourcedId"]))
        return found

    def _courses_by_student(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for enrollment in self.state.enrollments.all():
            if enrollment.get("role") != "student" or enrollment.get("status") != "active":
                continue
            klass = self.state.classes.get(enrollment["class"]["sourcedId"])
            if klass is None:
                continue
            courses = found.setdefault(enrollment["user"]["sourcedId"], [])
            if klass["course"]["sourcedId"] not in courses:
                courses.append(klass["course"]["sourcedId"])
        return found


def _grade(course: JsonObject) -> int:
    grades = [int(g) for g in course.get("grades") or [] if str(g).lstrip("-").isdigit()]
    return min(grades) if grades else 0
