"""The ``/v1/assessments`` family in the authorization matrix: path parameters, bodies and what
each caller may do.

"own" content belongs to a course the demo teacher teaches (``metadata.courseSourcedIds``),
"other" content to a course they do not. Every cell gets content of its own, made by the admin
through the API, so a cell that deletes or edits leaves the next one untouched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.access import Access
from api.composition import Container
from simulators.kit.population import Population, build_population
from simulators.timeback import TimebackSimulator
from tests.assessment_content import (
    assessment_test_body,
    choice_item_xml,
    item_body,
    text_entry_item_xml,
    unique,
)
from tests.support.sandbox import simulator

PREFIX = "/v1/assessments"
OWN, OTHER = "own", "other"


def assessment_route(path: str) -> bool:
    return path.startswith(PREFIX)


def assessment_allowed(rule: Access, caller: str, ownership: str) -> bool | None:
    """The matrix's expectation for the family's two rules (None: not one of them)."""
    if caller == "anonymous":
        return False if rule in (Access.DELIVERY, Access.ASSESSMENT_AUTHOR) else None
    if rule is Access.DELIVERY:
        return True
    if rule is Access.ASSESSMENT_AUTHOR:
        return caller in {"admin", "staff"} or (caller == "teacher" and ownership == OWN)
    return None


@dataclass
class Content:
    item: str
    test: str
    stimulus: str
    feedback: str
    lesson: str


@dataclass
class AssessmentWorld:
    http: httpx.AsyncClient
    admin: dict[str, str]
    courses: dict[str, str]
    #: a PowerPath lesson of each course (TimeBack's component resources), for feedback
    lessons: dict[str, str]
    #: the courses the demo teacher teaches, and every lesson's course
    taught: frozenset[str] = frozenset()
    lesson_course: dict[str, str] = field(default_factory=dict)
    made: list[Content] = field(default_factory=list)

    def teachers_own(self, obj: dict[str, Any]) -> bool:
        """Whether the demo teacher authors this content (so reads it whole)."""
        metadata = obj.get("metadata") or {}
        named = set(metadata.get("courseSourcedIds") or [])
        named.add(self.lesson_course.get(str(metadata.get("lessonId")), ""))
        return bool(named & self.taught)

    async def content(self, ownership: str) -> Content:
        course = [self.courses[ownership]]
        item = unique("mx-item")
        made = await self.http.post(
            f"{PREFIX}/items", json=item_body(choice_item_xml(item), course), headers=self.admin
        )
        assert made.status_code == 201, made.text
        stimulus = unique("mx-stim")
        made = await self.http.post(
            f"{PREFIX}/stimuli",
            json={
                "identifier": stimulus,
                "title": "Passage",
                "content": "<p>Kangaroos live in Australia.</p>",
                "metadata": {"courseSourcedIds": course},
            },
            headers=self.admin,
        )
        assert made.status_code == 201, made.text
        test = unique("mx-test")
        made = await self.http.post(
            f"{PREFIX}/tests", json=assessment_test_body(test, [item], course), headers=self.admin
        )
        assert made.status_code == 201, made.text
        lesson = self.lessons[ownership]
        made = await self.http.post(
            f"{PREFIX}/feedback/lessons",
            json={"lessonId": lesson, "feedback": "matrix feedback"},
            headers=self.admin,
        )
        assert made.status_code == 201, made.text
        content = Content(item, test, stimulus, str(made.json()["id"]), lesson)
        self.made.append(content)
        return content

    async def params(self, path: str, names: list[str], ownership: str) -> dict[str, str]:
        c = await self.content(ownership)
        values = {
            "item_id": c.item,
            "test_id": c.test,
            "stimulus_id": c.stimulus,
            "part_id": "part-1",
            "section_id": "section-1",
            "lesson_id": c.lesson,
            "feedback_id": c.feedback,
        }
        missing = [n for n in names if n not in values]
        assert not missing, f"{path}: the assessments matrix cannot fill {missing}"
        return {n: values[n] for n in names}

    def body(self, op: str, params: dict[str, str], ownership: str = OWN) -> dict[str, Any] | None:
        """A valid body for ``op`` naming the ``ownership`` course, or None if not ours."""
        own = [self.courses[ownership]]
        item = params.get("item_id") or self.made[-1].item
        match op:
            case "create_assessment_item":
                return {"json": item_body(text_entry_item_xml(unique("mx-new")), own)}
            case "update_assessment_item":
                return {"json": item_body(choice_item_xml(params["item_id"]), own)}
            case "create_assessment_test":
                return {"json": assessment_test_body(unique("mx-newtest"), [], own)}
            case "update_assessment_test":
                return {"json": assessment_test_body(params["test_id"], [], own)}
            case "create_assessment_stimulus" | "update_assessment_stimulus":
                ident = params.get("stimulus_id") or unique("mx-newstim")
                return {
                    "json": {
                        "identifier": ident,
                        "title": "Passage",
                        "content": "<p>Text</p>",
                        "metadata": {"courseSourcedIds": own},
                    }
                }
            case "create_assessment_test_part" | "update_assessment_test_part":
                ident = params.get("part_id", f"part-{uuid.uuid4().hex[:6]}")
                part = {"navigationMode": "linear", "submissionMode": "individual"}
                return {"json": {"identifier": ident, **part, "qti-assessment-section": []}}
            case "create_assessment_test_section" | "update_assessment_test_section":
                ident = params.get("section_id", f"sec-{uuid.uuid4().hex[:6]}")
                return {"json": {"identifier": ident, "title": "S", "visible": True}}
            case "add_assessment_test_section_item":
                # an item of earlier content: not yet in this section
                return {"json": {"identifier": self.made[0].item}}
            case "reorder_assessment_test_section_items":
                return {"json": {"items": [{"identifier": item}]}}
            case "score_assessment_item":
                return {"json": {"response": "A"}}
            case "validate_assessment_xml" if ownership == OTHER:
                return {"json": {"schema": "item", "entityId": item}}
            case "validate_assessment_xml":
                return {"json": {"schema": "item", "xml": choice_item_xml("mx-validate")}}
            case "create_question_feedback" | "create_lesson_feedback":
                return {
                    "json": {
                        "lessonId": self.lessons[ownership],
                        "questionId": item,
                        "feedback": "matrix says hi",
                    }
                }
        return None


def lessons_by_course(sim: TimebackSimulator) -> dict[str, list[str]]:
    """TimeBack's PowerPath lessons (component resources) per course."""
    state = sim.state
    course_of_component = {
        str(c["sourcedId"]): str(c["course"]["sourcedId"]) for c in state.course_components.all()
    }
    found: dict[str, list[str]] = {}
    for lesson in state.component_resources.all():
        course = course_of_component.get(str(lesson["courseComponent"]["sourcedId"]))
        if course is not None:
            found.setdefault(course, []).append(str(lesson["sourcedId"]))
    return found


def course_pair(
    population: Population, teacher: str, lessons: dict[str, list[str]]
) -> dict[str, str]:
    """A course the teacher teaches a class of and one they do not, each with a lesson."""
    taught = {c.course for c in population.classes if c.teacher == teacher}
    return {
        OWN: min(c for c in taught if c in lessons),
        OTHER: min(c for c in lessons if c not in taught),
    }


async def open_assessment_world(
    http: httpx.AsyncClient, admin: dict[str, str], container: Container, demo: dict[str, Any]
) -> AssessmentWorld:
    sim = simulator(container, "timeback", TimebackSimulator)
    settings = container.settings
    population = build_population(
        settings.sandbox.seed, users=settings.sandbox.users, classes=settings.sandbox.classes
    )
    lessons = lessons_by_course(sim)
    courses = course_pair(population, demo["teacher"].person_sourced_id, lessons)
    teacher = demo["teacher"].person_sourced_id
    world = AssessmentWorld(
        http,
        admin,
        courses,
        {k: lessons[course][0] for k, course in courses.items()},
        taught=frozenset(c.course for c in population.classes if c.teacher == teacher),
        lesson_course={lesson: c for c, found in lessons.items() for lesson in found},
    )
    await world.content(OWN)  # bodies of routes without parameters name an existing item
    return world
