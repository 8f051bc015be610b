"""Test lessons: creating them in a course (external placement and test-out, internal QTI or
assessment-bank tests), assigning an external test to a student and importing its results, and
a course's test-out state. A created test is a OneRoster unit and lesson written into the roster
PowerPath reads (TimeBack's, in a sandbox), as PowerPath writes them in real TimeBack."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulators.powerpath.roster import GRADES, lesson_type
from simulators.powerpath.tree import stable_id
from simulators.powerpath.wire import Problem, body, not_found, ok, query, text
from simulators.timeback.checks import LESSON_TYPES
from simulators.timeback.seed import ROSTERING
from simulators.timeback.state import JsonObject

if TYPE_CHECKING:
    from simulators.powerpath.app import PowerPathSimulator

BASE = "/powerpath"
TOOL_PROVIDERS = ("edulastic", "mastery-track")
EXTERNAL_TYPES = ("test-out", "placement", "unit-test")
TEST_URLS = {
    "edulastic": "https://app.edulastic.com",
    "mastery-track": "https://app.masterytrack.com",
}


class Tests:
    def __init__(self, sim: PowerPathSimulator) -> None:
        self.sim = sim

    def routes(self) -> list[BaseRoute]:
        g = self.sim.guarded
        return [
            Route(
                f"{BASE}/createExternalPlacementTest",
                g(self.external("placement")),
                methods=["POST"],
            ),
            Route(f"{BASE}/createExternalTestOut", g(self.external("test-out")), methods=["POST"]),
            Route(f"{BASE}/createInternalTest", g(self.internal), methods=["POST"]),
            Route(f"{BASE}/makeExternalTestAssignment", g(self.assign), methods=["POST"]),
            Route(
                f"{BASE}/importExternalTestAssignmentResults",
                g(self.import_results),
                methods=["GET"],
            ),
            Route(f"{BASE}/testOut", g(self.test_out), methods=["GET"]),
        ]

    # -- creating test lessons ----------------------------------------------------------------

    def external(self, default_type: str) -> Any:
        async def create(request: Request) -> Response:
            data = await body(request)
            kind = data.get("lessonType", default_type)
            if kind not in EXTERNAL_TYPES:
                raise Problem(422, f"lessonType must be one of {', '.join(EXTERNAL_TYPES)}")
            provider = data.get("toolProvider")
            if provider not in TOOL_PROVIDERS:
                raise Problem(400, "toolProvider must be edulastic or mastery-track")
            grades = _grades(data.get("grades"), required=True)
            xp = _number(data, "xp", required=kind == "test-out")
            course = self._course(text(data, "courseId"))
            fail = _optional_text(data, "courseIdOnFail")
            if fail is not None:
                self._course(fail)
            unit, lesson = self._write_lesson(course, kind, data, xp)
            launch = _optional_text(data, "launchUrl") or f"{TEST_URLS[provider]}/launch/{lesson}"
            vendor = _optional_text(data, "vendorId")
            self.sim.state.external_tests[lesson] = {
                "toolProvider": provider, "launchUrl": launch, "vendorId": vendor,
                "courseIdOnFail": fail,
            }  # fmt: skip
            answer: JsonObject = {
                "lessonType": kind,
                "lessonId": lesson,
                "courseComponentId": unit,
                "resourceId": stable_id("resource", lesson),
                "launchUrl": launch,
                "toolProvider": provider,
                "courseIdOnFail": fail,
                "grades": grades,
            }
            if vendor is not None:
                answer["vendorId"] = vendor
            return ok(answer)

        return create

    async def internal(self, request: Request) -> Response:
        data = await body(request)
        kind = data.get("lessonType")
        if kind not in LESSON_TYPES:
            raise Problem(400, "lessonType is not a PowerPath lesson type")
        test_type = data.get("testType")
        children: list[str] = []
        if test_type == "qti":
            qti = data.get("qti")
            if not isinstance(qti, dict) or not isinstance(qti.get("url"), str):
                raise Problem(400, "qti.url is required for a qti test")
        elif test_type == "assessment-bank":
            bank = data.get("assessmentBank")
            resources = bank.get("resources") if isinstance(bank, dict) else None
            if not isinstance(resources, list) or not resources:
                raise Problem(400, "assessmentBank.resources is required")
            if not all(isinstance(r, dict) and isinstance(r.get("url"), str) for r in resources):
                raise Problem(400, "every assessment-bank resource needs a url")
        else:
            raise Problem(400, "testType must be qti or assessment-bank")
        grades = _grades(data.get("grades"), required=False)
        xp = _number(data, "xp", required=False)
        course = self._course(text(data, "courseId"))
        fail = _optional_text(data, "courseIdOnFail")
        if fail is not None:
            self._course(fail)
        unit, lesson = self._write_lesson(course, str(kind), data, xp)
        if test_type == "assessment-bank":
            count = len(data["assessmentBank"]["resources"])
            children = [stable_id("resource", lesson, str(i)) for i in range(count)]
        return ok(
            {
                "lessonType": kind,
                "testType": test_type,
                "lessonId": lesson,
                "courseComponentId": unit,
                "resourceId": stable_id("resource", lesson),
                "childResourceIds": children,
                "courseIdOnFail": fail,
                "grades": grades,
            }
        )

    def _write_lesson(
        self, course: JsonObject, kind: str, data: JsonObject, xp: float | None
    ) -> tuple[str, str]:
        """A unit (the one named, or a new one) and a lesson of ``kind`` in it, at TimeBack."""
        roster = self.sim.roster.state
        now = self.sim.now()
        public = self.sim.public_url
        named = _optional_text(data, "courseComponentSourcedId")
        units = self.sim.roster.units(course["sourcedId"])
        if named is not None:
            unit = roster.course_components.get(named)
            if unit is None or unit["course"]["sourcedId"] != course["sourcedId"]:
                raise not_found("Course component in this course", named)
            unit_id = named
        else:
            unit_id = stable_id("unit", course["sourcedId"], kind, str(len(units)))
            roster.course_components.put(
                {
                    "sourcedId": unit_id,
                    "status": "active",
                    "dateLastModified": now,
                    "metadata": {},
                    "course": _ref(public, "course", "courses", course["sourcedId"]),
                    "courseComponent": None,
                    "parent": None,
                    "title": _optional_text(data, "unitTitle") or f"{kind} ({course['title']})",
                    "sortOrder": len(units) + 1,
                    "prerequisites": [],
                    "prerequisiteCriteria": None,
                    "unlockDate": None,
                }
            )
        lessons = self.sim.roster.lessons(unit_id)
        lesson_id = stable_id("lesson", unit_id, kind, str(len(lessons)))
        metadata = data.get("resourceMetadata")
        roster.component_resources.put(
            {
                "sourcedId": lesson_id,
                "status": "active",
                "dateLastModified": now,
                "metadata": {
                    **(metadata if isinstance(metadata, dict) else {}),
                    **({"xp": xp} if xp is not None else {}),
                },
                "courseComponent": _ref(public, "courseComponent", "courses/components", unit_id),
                "resource": {
                    "sourcedId": stable_id("resource", lesson_id),
                    "type": "resource",
                    "href": f"{public}/ims/oneroster/resources/v1p2/resources/"
                    f"{stable_id('resource', lesson_id)}",
                },
                "title": _optional_text(data, "lessonTitle") or f"{kind} test",
                "sortOrder": len(lessons) + 1,
                "lessonType": kind,
            }
        )
        return unit_id, lesson_id

    # -- external assignments -----------------------------------------------------------------

    def _external_lesson(self, student: str, lesson_id: str) -> tuple[JsonObject, str]:
        user = self.sim.roster.student(student)
        if user is None:
            raise not_found("Student", student)
        lesson = self.sim.roster.lesson(lesson_id)
        if lesson is None:
            raise not_found("Lesson", lesson_id)
        kind = lesson_type(lesson)
        if kind not in EXTERNAL_TYPES:
            raise Problem(422, f"A {kind} lesson takes no external test")
        return user, str(kind)

    async def assign(self, request: Request) -> Response:
        data = await body(request)
        student, lesson_id = text(data, "student"), text(data, "lesson")
        user, kind = self._external_lesson(student, lesson_id)
        provider = self.sim.tool_provider(lesson_id) or "mastery-track"
        history = self.sim.state.attempts.get((student, lesson_id), [])
        attempt = len(history) + 1 if (not history or history[-1].finalized) else len(history)
        assignment_id = stable_id("external", student, lesson_id, str(attempt))
        found = {
            "toolProvider": provider,
            "lessonType": kind,
            "attempt": attempt,
            "credentials": {"email": user["email"], "password": assignment_id[:12]},
            "assignmentId": assignment_id,
            "classId": stable_id("external-class", lesson_id),
            "testUrl": f"{TEST_URLS[provider]}/tests/{assignment_id}",
            "testId": _optional_text(data, "testId") or stable_id("external-test", lesson_id),
        }
        self.sim.state.external_assignments[(student, lesson_id)] = found
        return ok(found)

    async def import_results(self, request: Request) -> Response:
        student, lesson_id = query(request, "student"), query(request, "lesson")
        _, kind = self._external_lesson(student, lesson_id)
        found = self.sim.state.external_assignments.get((student, lesson_id))
        if found is None:
            raise not_found("External test assignment for lesson", lesson_id)
        history = self.sim.state.attempts.get((student, lesson_id), [])
        fail = (self.sim.state.external_tests.get(lesson_id) or {}).get("courseIdOnFail")
        return ok(
            {
                **found,
                "lessonType": kind,
                "lessonId": lesson_id,
                "finalized": any(a.finalized for a in history),
                "courseIdOnFail": fail,
                "hasFallbackCourse": fail is not None,
            }
        )

    async def test_out(self, request: Request) -> Response:
        student, course_id = query(request, "student"), query(request, "course")
        if self.sim.roster.student(student) is None:
            raise not_found("Student", student)
        self._course(course_id)
        lesson = next(
            (
                each
                for each in self.sim.roster.course_lessons(course_id)
                if lesson_type(each) == "test-out"
            ),
            None,
        )
        if lesson is None:
            return ok({"lessonType": "test-out", "lessonId": None, "finalized": False,
                       "toolProvider": None})  # fmt: skip
        history = self.sim.state.attempts.get((student, lesson["sourcedId"]), [])
        found: JsonObject = {
            "lessonType": "test-out",
            "lessonId": lesson["sourcedId"],
            "finalized": any(a.finalized for a in history),
            "toolProvider": self.sim.tool_provider(lesson["sourcedId"]),
            "attempt": history[-1].number if history else 1,
        }
        external = self.sim.state.external_assignments.get((student, lesson["sourcedId"]))
        if external is not None:
            keys = ("credentials", "assignmentId", "classId", "testUrl", "testId")
            found.update({k: external[k] for k in keys})
        return ok(found)

    def _course(self, course_id: str) -> JsonObject:
        course = self.sim.roster.course(course_id)
        if course is None:
            raise not_found("Course", course_id)
        return course


def _ref(public: str, kind: str, path: str, sourced_id: str) -> JsonObject:
    return {"href": f"{public}{ROSTERING}/{path}/{sourced_id}", "sourcedId": sourced_id,
            "type": kind}  # fmt: skip


def _grades(value: Any, *, required: bool) -> list[str]:
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(str(g) in GRADES for g in value):
        raise Problem(400, "grades must be a list of grades (-1 to 13)")
    return [str(g) for g in value]


def _number(data: JsonObject, name: str, *, required: bool) -> float | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Problem(400, f"{name} must be a number")
    return float(value)


def _optional_text(data: JsonObject, name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise Problem(400, f"{name} must be a non-empty string")
    return value
