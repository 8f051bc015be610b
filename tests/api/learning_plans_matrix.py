"""What the authorization matrix (and ``test_learning_plans.py``) need for ``/v1/learning``'s
placement, screening, plan and assignment routes (``x-access: learner``): for each caller a learner
they reach ("own": themselves, their child, their student, a student at their school) and one
they do not ("other": a student of another school), each with a course they take; who may do what,
worked out here from the demo population and the rules of ``domain/policy.py``'s ``LearnerRef``
docstring and docs/api.md, not by calling the policy.

Reads: the learner, their guardians, teachers, staff of their orgs, admins. Writes narrow it:
resetting a screening session is any writer's (never a guardian's); assigning a screening test or a
test and changing a plan are teachers', staff's and admins'; resetting a placement and bulk
assignment are staff's and admins'. The syllabus: whoever reaches a class of the course.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from api.composition import Container
from simulators.kit.population import Population
from simulators.powerpath import PowerPathSimulator
from tests.support.sandbox import simulator

OWN, OTHER = "own", "other"
READ_OPERATIONS = {
    "get_placement",
    "list_placement_tests",
    "get_placement_level",
    "get_next_placement_test",
    "list_subject_progress",
    "list_screening_results",
    "get_screening_session",
    "get_lesson_plan",
    "list_course_progress",
    "list_lesson_plan_structure",
    "list_lesson_plan_operations",
    "list_test_assignments",
    "get_test_assignment",
}
#: the roles that may do each write (for a learner they reach)
WRITERS = {
    "reset_placement": {"staff", "admin"},
    "reset_screening_session": {"student", "teacher", "staff", "admin"},
    "assign_screening_test": {"teacher", "staff", "admin"},
    "store_lesson_plan_operation": {"teacher", "staff", "admin"},
    "create_test_assignment": {"teacher", "staff", "admin"},
    "create_test_assignments": {"staff", "admin"},
}
OPERATIONS = READ_OPERATIONS | set(WRITERS) | {"get_course_syllabus"}
#: placement routes need a subject (the demo courses' subjects are PowerPath's)
SUBJECT = "Math"


@dataclass
class LearningWorld:
    """``learners[(caller, ownership)]``: a student id and whether the caller reaches them;
    ``course_of[learner]``: a course the learner takes; ``courses[role]``: the courses of the
    classes the role reaches."""

    learners: dict[tuple[str, str], tuple[str, bool]]
    course_of: dict[str, str]
    courses: dict[str, frozenset[str]]
    sim: PowerPathSimulator
    http: httpx.AsyncClient
    admin: dict[str, str]

    @classmethod
    def of(
        cls,
        population: Population,
        visible_users: dict[str, frozenset[str]],
        visible_classes: dict[str, frozenset[str]],
        demo: dict[str, Any],
        container: Container,
        http: httpx.AsyncClient,
        admin: dict[str, str],
    ) -> LearningWorld:
        student = demo["student"].person_sourced_id
        home = next(p.org for p in population.people if p.key == demo["staff"].person_sourced_id)
        taking = {e.person for e in population.enrollments if e.role == "student"}
        stranger = min(
            p.key
            for p in population.with_role("student")
            if p.org != home and p.key in taking and p.key not in visible_users["teacher"]
            and p.key not in visible_users["guardian"]
        )  # fmt: skip
        course_of = {}
        for learner in (student, stranger):
            klass = min(e.klass for e in population.enrolled(person=learner))
            course_of[learner] = next(c.course for c in population.classes if c.key == klass)
        learners: dict[tuple[str, str], tuple[str, bool]] = {}
        for caller in ("admin", "staff", "teacher", "student", "guardian", "anonymous"):
            seen = visible_users.get(caller, frozenset())
            for ownership, learner in ((OWN, student), (OTHER, stranger)):
                reach = caller == "admin" or learner in seen
                learners[(caller, ownership)] = (learner, reach and caller != "anonymous")
        class_course = {c.key: c.course for c in population.classes}
        courses = {
            role: frozenset(class_course[k] for k in classes)
            for role, classes in visible_classes.items()
        }
        sim = simulator(container, "powerpath", PowerPathSimulator)
        return cls(learners, course_of, courses, sim, http, admin)

    def learner(self, caller: str, ownership: str) -> str:
        return self.learners[(caller, ownership)][0]

    def unit_of(self, course: str) -> str:
        """A unit (course component) of the course, as PowerPath holds it."""
        return str(self.sim.roster.units(course)[0]["sourcedId"])

    async def assignment_of(self, learner: str) -> str:
        made = await self.http.post(
            "/v1/learning/test-assignments",
            json={"learner": learner, "subject": SUBJECT, "grade": "5"},
            headers=self.admin,
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    async def params(
        self, op: str, names: list[str], caller: str, ownership: str
    ) -> dict[str, str]:
        learner = self.learner(caller, ownership)
        found: dict[str, str] = {}
        for name in names:
            if name == "learner":
                found[name] = learner
            elif name == "course":
                if op == "get_course_syllabus":
                    found[name] = self.syllabus_course(caller, ownership)
                else:
                    found[name] = self.course_of[learner]
            elif name == "assignment_id":
                found[name] = await self.assignment_of(learner)
            else:
                raise AssertionError(f"{op}: no value for {{{name}}}")
        return found

    def syllabus_course(self, caller: str, ownership: str) -> str:
        """Own: a course of a class the caller reaches; other: one they reach none of."""
        every = frozenset(self.course_of.values()) | frozenset().union(*self.courses.values())
        reached = self.courses.get(caller, frozenset())
        if ownership == OWN:
            return min(reached) if reached else min(every)
        hidden = every - reached
        return min(hidden) if hidden else max(every)

    def body(self, op: str, params: dict[str, str], caller: str) -> dict[str, Any] | None:
        learner = params.get("learner") or self.learner(caller, OWN)
        match op:
            case (
                "get_placement"
                | "list_placement_tests"
                | "get_placement_level"
                | "get_next_placement_test"
                | "list_subject_progress"
            ):
                return {"params": {"subject": SUBJECT}}
            case "list_test_assignments":
                return {"params": {"learner": learner}}
            case "reset_placement" | "assign_screening_test":
                return {"json": {"subject": SUBJECT}}
            case "store_lesson_plan_operation":
                unit = self.unit_of(params["course"])
                target = {"type": "component", "id": unit}
                payload = {"target": target, "value": False}
                return {"json": {"operation": {"type": "set-skipped", "payload": payload}}}
            case "create_test_assignment":
                return {"json": {"learner": learner, "subject": SUBJECT, "grade": "5"}}
            case "create_test_assignments":
                return {"json": {"items": [{"learner": learner, "subject": SUBJECT, "grade": "6"}]}}
        return None

    def allowed(self, op: str, caller: str, ownership: str) -> bool:
        if caller == "anonymous":
            return False
        if op == "get_course_syllabus":
            course = self.syllabus_course(caller, ownership)
            return caller == "admin" or course in self.courses.get(caller, frozenset())
        reached = self.learners[(caller, ownership)][1]
        if op in READ_OPERATIONS:
            return reached
        return reached and caller in WRITERS[op]


def learning_route(op: str) -> bool:
    return op in OPERATIONS
