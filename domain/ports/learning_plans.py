"""A learner's place in their learning at PowerPath: placement and screening per subject, lesson
plans per course, the course syllabus, test assignments.

The objects travel as PowerPath's own JSON (``WireObject``, camelCase as TimeBack answers); the
API layer gives them the BFF's snake_case names. Adapters raise the domain's errors: ``NotFound``
(PowerPath knows no such student, course, plan or assignment), ``UpstreamRefusedInput`` (PowerPath
refused what the caller wrote), ``UpstreamUnavailable``/``UpstreamRejected`` otherwise.

The learner flow (next question, answers, attempts) is another port's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

WireObject = dict[str, Any]


class PlacementTests(Protocol):
    """Placement per subject: the subject's placement tests, the level reached, the next test."""

    async def tests(self, learner: str, subject: str) -> list[WireObject]:
        """``getAllPlacementTests``' ``placementTests``."""
        ...

    async def level(self, learner: str, subject: str) -> WireObject:
        """``{gradeLevel, onboarded, availableTests}``."""
        ...

    async def next_test(self, learner: str, subject: str) -> WireObject:
        """``{exhaustedTests, gradeLevel, lesson, onboarded, availableTests}``."""
        ...

    async def progress(self, learner: str, subject: str) -> list[WireObject]:
        """``getSubjectProgress``' ``progress``: one entry per course of the subject."""
        ...

    async def reset(self, learner: str, subject: str) -> WireObject:
        """``{success, placementResultsDeleted, onboardingReset}``."""
        ...


class Screening(Protocol):
    """Screening tests (NWEA MAP in TimeBack): results per subject, the learner's session."""

    async def results(self, learner: str) -> dict[str, WireObject | None]:
        """Per subject ``{grade, ritScore, testName, completedAt}``, or None: not screened."""
        ...

    async def session(self, learner: str) -> WireObject: ...

    async def reset_session(self, learner: str) -> WireObject: ...

    async def assign(self, learner: str, subject: str) -> list[WireObject]:
        """The assignments the session now holds."""
        ...


class LessonPlans(Protocol):
    """One plan per course and learner: the course's units and lessons as this learner sees them
    (skipped, moved, added), its operation log, the learner's progress through the course."""

    async def plan_id(self, course: str, learner: str) -> str:
        """The learner's plan of the course, made when missing (PowerPath's create-or-fetch)."""
        ...

    async def tree(self, plan_id: str) -> WireObject:
        """``{lessonPlan: {lessonPlan: {course, subComponents}, id}}``."""
        ...

    async def structure(self, plan_id: str) -> WireObject:
        """``{lessonPlan: {lessonPlan: {id, courseId, courseTitle, structure}}}``."""
        ...

    async def course_progress(
        self, course: str, learner: str, lesson: str | None
    ) -> list[WireObject]:
        """``lineItems``: a lesson each, with the learner's results."""
        ...

    async def operations(self, plan_id: str) -> list[WireObject]: ...

    async def store_operation(
        self, plan_id: str, operation: WireObject, reason: str | None
    ) -> WireObject:
        """``{success, message, operationId?}``; ``success`` false: the operation does not fit
        the plan (it names nothing there) and nothing was stored."""
        ...

    async def syllabus(self, course: str) -> WireObject:
        """``{syllabus: {course, subComponents}}``."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignmentQuery:
    learner: str
    limit: int
    offset: int
    status: str | None = None
    subject: str | None = None
    grade: str | None = None


@dataclass(frozen=True, slots=True)
class AssignmentPage:
    items: list[WireObject]
    total: int


@dataclass(frozen=True, slots=True, kw_only=True)
class NewTestAssignment:
    learner: str
    subject: str
    grade: str
    test_name: str | None = None


class TestAssignments(Protocol):
    """Placement tests of a subject and grade assigned to learners (each one a lesson of its own)."""

    async def page(self, query: AssignmentQuery) -> AssignmentPage: ...

    async def get(self, assignment_id: str) -> WireObject: ...

    async def create(self, new: NewTestAssignment) -> WireObject:
        """``{assignmentId, lessonId, resourceId}``."""
        ...

    async def bulk(self, new: list[NewTestAssignment]) -> WireObject:
        """``{success, results: [{assignmentId, lessonId, resourceId}], errors: [{row, message}]}``."""
        ...
