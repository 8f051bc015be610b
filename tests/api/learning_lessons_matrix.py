"""``GET /v1/learning/lessons`` in the authorization matrix: its ``course`` query parameter.

The route has no path parameter, so the matrix asks it once per caller ("own" data): every
caller gets a course they reach (the demo student's, taught by the demo teacher, at the demo
staff's school; the guardian's child takes it), so each role's cell must succeed and anonymous is
401. Who is refused which course is tests/api/test_learning_lessons.py's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulators.kit.population import Population

OPERATION = "list_learning_lessons"


def taught_course(population: Population, demo: dict[str, Any]) -> str:
    """A course the demo student takes in a class the demo teacher teaches."""
    student, teacher = demo["student"].person_sourced_id, demo["teacher"].person_sourced_id
    taken = {e.klass for e in population.enrolled(person=student)}
    return next(c.course for c in population.classes if c.key in taken and c.teacher == teacher)


@dataclass(frozen=True)
class LearningLessons:
    course: str

    @classmethod
    def of(cls, population: Population, demo: dict[str, Any]) -> LearningLessons:
        return cls(course=taught_course(population, demo))

    def request(self, op: str) -> dict[str, Any] | None:
        """The request's arguments for the operation, or None when it is not this module's."""
        return {"params": {"course": self.course}} if op == OPERATION else None
