"""Lesson plans (one per course and student), their operation logs, course progress, item
results and the course syllabus (reference §3.4, ``/powerpath/lessonPlans/...``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulators.powerpath.roster import subjects_of
from simulators.powerpath.state import Plan
from simulators.powerpath.tree import OperationError, Tree, check_operation, stable_id
from simulators.powerpath.wire import Problem, body, not_found, ok, text
from simulators.timeback.state import JsonObject

if TYPE_CHECKING:
    from simulators.powerpath.app import PowerPathSimulator

BASE = "/powerpath/lessonPlans"
STATUSES = ("active", "tobedeleted")
SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")


class LessonPlans:
    def __init__(self, sim: PowerPathSimulator) -> None:
        self.sim = sim

    def routes(self) -> list[BaseRoute]:
        g = self.sim.guarded
        return [
            Route(f"{BASE}/", g(self.create), methods=["POST"]),
            Route(BASE, g(self.create), methods=["POST"]),
            Route(f"{BASE}/tree/{{plan_id}}/structure", g(self.structure), methods=["GET"]),
            Route(f"{BASE}/tree/{{plan_id}}", g(self.tree), methods=["GET"]),
            Route(
                f"{BASE}/getCourseProgress/{{course_id}}/student/{{student_id}}",
                g(self.course_progress),
                methods=["GET"],
            ),
            Route(f"{BASE}/updateStudentItemResponse", g(self.item_response), methods=["POST"]),
            Route(f"{BASE}/course/{{course_id}}/sync", g(self.sync_course), methods=["POST"]),
            Route(f"{BASE}/{{course_id}}/deleteAll", g(self.delete_all), methods=["DELETE"]),
            Route(f"{BASE}/{{plan_id}}/operations", g(self.operations), methods=["GET"]),
            Route(f"{BASE}/{{plan_id}}/operations", g(self.store), methods=["POST"]),
            Route(f"{BASE}/{{plan_id}}/operations/sync", g(self.sync), methods=["POST"]),
            Route(f"{BASE}/{{plan_id}}/recreate", g(self.sync), methods=["POST"]),
            Route(f"{BASE}/{{course_id}}/{{user_id}}", g(self.get), methods=["GET"]),
            Route("/powerpath/syllabus/{course_id}", g(self.syllabus), methods=["GET"]),
        ]

    # -- plans --------------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        data = await body(request)
        # the spec documents no 400 here: a missing or empty id names nothing (404)
        course = text(data, "courseId", empty=True)
        user = text(data, "userId", empty=True)
        klass = text(data, "classId", required=False, empty=True) or None
        existing = self._plan_of(course, user)
        plan = existing or self._new_plan(course, user, klass)
        return ok({"lessonPlanId": plan.id}, 200 if existing else 201)

    async def get(self, request: Request) -> Response:
        course, user = request.path_params["course_id"], request.path_params["user_id"]
        plan = self._plan_of(course, user) or self._new_plan(course, user, None)
        return ok(self._tree_body(plan))

    async def tree(self, request: Request) -> Response:
        return ok(self._tree_body(self._plan(request)))

    async def structure(self, request: Request) -> Response:
        plan = self._plan(request)
        course = self._course(plan.course)
        tree = self._replayed(plan)[0]
        inner = {
            "id": plan.id,
            "courseId": plan.course,
            "courseTitle": course["title"],
            "structure": tree.structure(),
        }
        return ok({"lessonPlan": {"lessonPlan": inner}})

    async def delete_all(self, request: Request) -> Response:
        course = self._course(request.path_params["course_id"])["sourcedId"]
        for plan_id in [p.id for p in self.sim.state.plans.values() if p.course == course]:
            del self.sim.state.plans[plan_id]
        return Response(status_code=204)

    async def sync_course(self, request: Request) -> Response:
        course = self._course(request.path_params["course_id"])["sourcedId"]
        affected = [p.id for p in self.sim.state.plans.values() if p.course == course]
        return ok({"lessonPlansAffected": affected})

    # -- the operation log --------------------------------------------------------------------

    async def operations(self, request: Request) -> Response:
        return ok({"operations": self._plan(request).operations})

    async def store(self, request: Request) -> Response:
        plan = self._plan(request)
        data = await body(request)
        if set(data) - {"operation", "reason"}:
            raise Problem(400, "Only operation and reason are allowed")
        try:
            operation = check_operation(data.get("operation"))
        except ValueError as exc:
            raise Problem(400, f"Invalid operation: {exc}") from None
        reason = data.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise Problem(400, "reason must be a string")
        tree = self._replayed(plan)[0]
        try:
            tree.apply(operation)
        except OperationError as exc:
            return ok({"success": False, "message": str(exc)}, 201)
        stored = {
            "id": stable_id(plan.id, "operation", str(len(plan.operations) + 1)),
            "type": operation["type"],
            "payload": operation["payload"],
            "reason": reason,
            "createdAt": self.sim.now(),
            "sequenceNumber": len(plan.operations) + 1,
            "createdBy": None,
        }
        plan.operations.append(stored)
        return ok(
            {"success": True, "message": "Operation stored", "operationId": stored["id"]}, 201
        )

    async def sync(self, request: Request) -> Response:
        """Replays the log over the course as it is now (``recreate`` does the same: the tree is
        always rebuilt from the roster)."""
        plan = self._plan(request)
        _, results = self._replayed(plan)
        return ok(
            {
                "success": all(r["success"] for r in results),
                "message": f"{len(results)} operations replayed",
                "operationCount": len(results),
                "operationResults": results,
            }
        )

    # -- progress and results -----------------------------------------------------------------

    async def course_progress(self, request: Request) -> Response:
        course = self._course(request.path_params["course_id"])
        student = request.path_params["student_id"]
        if self.sim.roster.student(student) is None:
            raise not_found("Student", student)
        only = request.query_params.get("lessonId")
        items = []
        for lesson in self.sim.roster.course_lessons(course["sourcedId"]):
            if only and lesson["sourcedId"] != only:
                continue
            line_item = stable_id("assessmentLineItem", lesson["sourcedId"])
            found = self.sim.state.item_results.get((student, lesson["sourcedId"]))
            results = [] if found is None else [self._result(student, lesson["sourcedId"], found)]
            items.append(
                {
                    "type": "resource",
                    "assessmentLineItemSourcedId": line_item,
                    "courseComponentResourceSourcedId": lesson["sourcedId"],
                    "title": lesson.get("title", ""),
                    "results": results,
                }
            )
        return ok({"lineItems": items})

    async def item_response(self, request: Request) -> Response:
        data = await body(request)
        student, lesson_id = text(data, "studentId"), text(data, "componentResourceId")
        result = data.get("result")
        if not isinstance(result, dict):
            raise Problem(400, "result must be an object")
        _check_result(result)
        if self.sim.roster.student(student) is None:
            raise not_found("Student", student)
        lesson = self.sim.roster.lesson(lesson_id)
        if lesson is None:
            raise not_found("Component resource", lesson_id)
        stored = {k: v for k, v in result.items() if k != "sourcedId"}
        self.sim.state.item_results[(student, lesson_id)] = stored
        line_item = {
            "sourcedId": stable_id("assessmentLineItem", lesson_id),
            "status": "active",
            "dateLastModified": self.sim.now(),
            "metadata": {},
            "title": lesson.get("title", ""),
            "componentResource": {"sourcedId": lesson_id},
            "component": {"sourcedId": lesson["courseComponent"]["sourcedId"]},
        }
        return ok(
            {
                "componentResourceLineItem": line_item,
                "componentResourceResult": self._result(student, lesson_id, stored),
            },
            201,
        )

    async def syllabus(self, request: Request) -> Response:
        course = self._course(request.path_params["course_id"])
        tree = Tree(self.sim.roster, course["sourcedId"])
        return ok(
            {"syllabus": {"course": _course_body(course), "subComponents": tree.components()}}
        )

    # -- helpers ------------------------------------------------------------------------------

    def _result(self, student: str, lesson_id: str, stored: JsonObject) -> JsonObject:
        return {
            "sourcedId": stable_id("assessmentResult", student, lesson_id),
            "dateLastModified": stored.get("scoreDate"),
            "metadata": {},
            **stored,
            "assessmentLineItem": {"sourcedId": stable_id("assessmentLineItem", lesson_id)},
            "student": {"sourcedId": student},
        }

    def _course(self, course_id: str) -> JsonObject:
        course = self.sim.roster.course(course_id)
        if course is None:
            raise not_found("Course", course_id)
        return course

    def _plan_of(self, course: str, user: str) -> Plan | None:
        return self.sim.state.plans.get(stable_id("lessonPlan", course, user))

    def _new_plan(self, course: str, user: str, klass: str | None) -> Plan:
        self._course(course)
        if self.sim.roster.user(user) is None:
            raise not_found("User", user)
        if klass is not None and self.sim.roster.state.classes.get(klass) is None:
            raise not_found("Class", klass)
        plan = Plan(stable_id("lessonPlan", course, user), course, user, klass, self.sim.now())
        self.sim.state.plans[plan.id] = plan
        return plan

    def _plan(self, request: Request) -> Plan:
        plan = self.sim.state.plans.get(request.path_params["plan_id"])
        if plan is None:
            raise not_found("Lesson plan", request.path_params["plan_id"])
        return plan

    def _replayed(self, plan: Plan) -> tuple[Tree, list[JsonObject]]:
        tree = Tree(self.sim.roster, plan.course)
        results: list[JsonObject] = []
        for operation in plan.operations:
            try:
                tree.apply(operation)
                results.append({"success": True})
            except OperationError as exc:  # the course changed under the log
                results.append({"success": False, "errors": [{"message": str(exc)}]})
        return tree, results

    def _tree_body(self, plan: Plan) -> JsonObject:
        course = self._course(plan.course)
        tree = self._replayed(plan)[0]
        inner = {"course": _course_body(course), "subComponents": tree.components()}
        return {"lessonPlan": {"lessonPlan": inner, "id": plan.id}}


def _course_body(course: JsonObject) -> JsonObject:
    """The course as PowerPath serves it: its subjects in PowerPath's names."""
    return {**course, "subjects": subjects_of(course)}


def _check_result(result: JsonObject) -> None:
    if result.get("status") not in STATUSES:
        raise Problem(400, "result.status must be active or tobedeleted")
    if result.get("scoreStatus") not in SCORE_STATUSES:
        raise Problem(400, "result.scoreStatus is not a score status")
    date = result.get("scoreDate")
    if not isinstance(date, str):
        raise Problem(400, "result.scoreDate must be a date-time")
    try:
        datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        raise Problem(400, "result.scoreDate must be a date-time") from None
    score = result.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise Problem(400, "result.score must be a number")
