"""Test assignments (reference §3.4, not in the spec file; shapes from §4.6 and §9): a placement
test of a subject and grade assigned to a student. Each one is a lesson of its own (its
``lessonId`` and ``resourceId``); lists answer with TimeBack's five pagination fields."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulators.powerpath.roster import GRADES
from simulators.powerpath.tree import stable_id
from simulators.powerpath.wire import Problem, body, not_found, ok, query, text
from simulators.timeback.state import JsonObject
from simulators.timeback.wire import InvalidPage, parse_page

if TYPE_CHECKING:
    from simulators.powerpath.app import PowerPathSimulator

BASE = "/powerpath/test-assignments"
SUBJECTS = (
    "Reading", "Language", "Vocabulary", "Social Studies", "Writing", "Science", "FastMath",
    "Math", "None", "Other",
)  # fmt: skip
STATUSES = ("assigned", "in_progress", "completed", "failed", "expired", "cancelled")


class TestAssignments:
    def __init__(self, sim: PowerPathSimulator) -> None:
        self.sim = sim

    def routes(self) -> list[BaseRoute]:
        g = self.sim.guarded
        return [
            Route(BASE, g(self.list_for_student), methods=["GET"]),
            Route(BASE, g(self.create), methods=["POST"]),
            Route(f"{BASE}/admin", g(self.admin), methods=["GET"]),
            Route(f"{BASE}/bulk", g(self.bulk), methods=["POST"]),
            Route(f"{BASE}/import", g(self.import_sheet), methods=["POST"]),
            Route(f"{BASE}/{{assignment_id}}", g(self.get), methods=["GET"]),
            Route(f"{BASE}/{{assignment_id}}", g(self.update), methods=["PUT"]),
            Route(f"{BASE}/{{assignment_id}}", g(self.delete), methods=["DELETE"]),
        ]

    async def list_for_student(self, request: Request) -> Response:
        return self._page(request, query(request, "student"))

    async def admin(self, request: Request) -> Response:
        return self._page(request, request.query_params.get("student") or None)

    async def create(self, request: Request) -> Response:
        return ok(self._create(await body(request)), 201)

    async def bulk(self, request: Request) -> Response:
        data = await body(request)
        items = data.get("items")
        if not isinstance(items, list):
            raise Problem(400, "items must be a list")
        results, errors = [], []
        for row, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise Problem(400, "an item must be an object")
                results.append(self._create(item))
            except Problem as problem:
                errors.append({"row": row, "message": problem.description})
        return ok({"success": not errors, "results": results, "errors": errors})

    async def import_sheet(self, request: Request) -> Response:
        data = await body(request)
        url, sheet = text(data, "spreadsheetUrl"), text(data, "sheet")
        if not url.startswith("https://"):
            raise Problem(400, "spreadsheetUrl must be an https URL")
        # the simulator reaches no Google Sheets: the import reads no rows, and says so
        message = f"Sheet {sheet!r} could not be read from {url}"
        return ok({"success": False, "results": [], "errors": [{"row": 0, "message": message}]})

    async def get(self, request: Request) -> Response:
        return ok(self._found(request))

    async def update(self, request: Request) -> Response:
        found = self._found(request)
        data = await body(request)
        found["testName"] = text(data, "testName")
        if "assignmentStatus" in data:
            if data["assignmentStatus"] not in STATUSES:
                raise Problem(400, "assignmentStatus is not a test assignment status")
            found["assignmentStatus"] = data["assignmentStatus"]
        # timeback-powerpath parses the updated assignment (reference §3.4 says 204; the client
        # wins, §9)
        return ok(found)

    async def delete(self, request: Request) -> Response:
        found = self._found(request)
        del self.sim.state.test_assignments[found["sourcedId"]]
        return Response(status_code=204)

    # -- helpers ------------------------------------------------------------------------------

    def _create(self, data: JsonObject) -> JsonObject:
        student_id = text(data, "student")
        subject = data.get("subject")
        if subject not in SUBJECTS:
            raise Problem(400, "subject is not a TimeBack subject")
        grade = str(data.get("grade"))
        if isinstance(data.get("grade"), bool) or grade not in GRADES:
            raise Problem(400, "grade must be a grade from -1 to 13")
        name = data.get("testName")
        if name is not None and (not isinstance(name, str) or not name):
            raise Problem(400, "testName must be a non-empty string")
        student = self.sim.roster.student(student_id)
        if student is None:
            raise not_found("Student", student_id)
        number = len(self.sim.state.test_assignments) + 1
        assignment_id = stable_id("testAssignment", student_id, str(number))
        lesson = stable_id("testAssignmentLesson", assignment_id)
        resource = stable_id("resource", lesson)
        self.sim.state.test_assignments[assignment_id] = {
            "sourcedId": assignment_id,
            "studentSourcedId": student_id,
            "studentEmail": student.get("email") or "",
            "assignedByUserSourcedId": None,
            "subject": subject,
            "grade": grade,
            "assignmentStatus": "assigned",
            "testName": name or f"{subject} grade {grade} placement",
            "assignedAt": self.sim.now(),
            "expiresAt": None,
            "completedAt": None,
            "resourceSourcedId": resource,
            "componentResourceSourcedId": lesson,
        }
        return {"assignmentId": assignment_id, "lessonId": lesson, "resourceId": resource}

    def _found(self, request: Request) -> JsonObject:
        found = self.sim.state.test_assignments.get(request.path_params["assignment_id"])
        if found is None:
            raise not_found("Test assignment", request.path_params["assignment_id"])
        return found

    def _page(self, request: Request, student: str | None) -> Response:
        try:
            page = parse_page(request.query_params)
        except InvalidPage as exc:
            raise Problem(400, str(exc)) from None
        params = request.query_params
        wanted: dict[str, Any] = {
            "studentSourcedId": student,
            "assignmentStatus": params.get("status"),
            "subject": params.get("subject"),
            "grade": params.get("grade"),
        }
        found = [
            a
            for a in self.sim.state.test_assignments.values()
            if all(v is None or a[k] == v for k, v in wanted.items())
        ]
        window = found[page.offset : page.offset + page.limit]
        return ok(
            {
                "testAssignments": window,
                "totalCount": len(found),
                "pageCount": math.ceil(len(found) / page.limit),
                "pageNumber": page.offset // page.limit + 1,
                "offset": page.offset,
                "limit": page.limit,
            }
        )
