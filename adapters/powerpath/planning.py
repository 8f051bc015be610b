"""Placement, screening, lesson plans, the syllabus and test assignments at PowerPath
(``/powerpath/...``, reference §3.4): one port each, over :class:`PowerPathCalls`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from adapters.powerpath.calling import PowerPathCalls
from domain.errors import UpstreamRejected
from domain.ports.learning_plans import (
    AssignmentPage,
    AssignmentQuery,
    LessonPlans,
    NewTestAssignment,
    PlacementTests,
    Screening,
    TestAssignments,
    WireObject,
)

BASE = "/powerpath"


def _seg(identifier: str) -> str:
    return quote(identifier, safe="")


def _object(answer: Any) -> WireObject:
    return answer if isinstance(answer, dict) else {}


def _objects(answer: Any, key: str | None = None) -> list[WireObject]:
    if key is not None:
        answer = answer.get(key) if isinstance(answer, dict) else None
    return [x for x in answer if isinstance(x, dict)] if isinstance(answer, list) else []


class PowerPathPlacement(PlacementTests):
    def __init__(self, calls: PowerPathCalls) -> None:
        self._calls = calls

    async def _get(self, op: str, learner: str, subject: str) -> Any:
        params = {"student": learner, "subject": subject}
        return await self._calls.call("GET", f"{BASE}/placement/{op}", params=params)

    async def tests(self, learner: str, subject: str) -> list[WireObject]:
        return _objects(await self._get("getAllPlacementTests", learner, subject), "placementTests")

    async def level(self, learner: str, subject: str) -> WireObject:
        return _object(await self._get("getCurrentLevel", learner, subject))

    async def next_test(self, learner: str, subject: str) -> WireObject:
        return _object(await self._get("getNextPlacementTest", learner, subject))

    async def progress(self, learner: str, subject: str) -> list[WireObject]:
        return _objects(await self._get("getSubjectProgress", learner, subject), "progress")

    async def reset(self, learner: str, subject: str) -> WireObject:
        # a second reset finds nothing more to drop: safe to retry
        answer = await self._calls.call(
            "POST",
            f"{BASE}/placement/resetUserPlacement",
            json={"student": learner, "subject": subject},
            idempotent=True,
        )
        return _object(answer)


class PowerPathScreening(Screening):
    def __init__(self, calls: PowerPathCalls) -> None:
        self._calls = calls

    async def results(self, learner: str) -> dict[str, WireObject | None]:
        answer = _object(await self._calls.call("GET", f"{BASE}/screening/results/{_seg(learner)}"))
        return {k: v if isinstance(v, dict) else None for k, v in answer.items()}

    async def session(self, learner: str) -> WireObject:
        path = f"{BASE}/screening/session/{_seg(learner)}"
        return _object(await self._calls.call("GET", path))

    async def reset_session(self, learner: str) -> WireObject:
        answer = await self._calls.call(
            "POST", f"{BASE}/screening/session/reset", json={"userId": learner}
        )
        return _object(answer)

    async def assign(self, learner: str, subject: str) -> list[WireObject]:
        # PowerPath's 422 here is about the learner (no email address for the test's login)
        answer = await self._calls.call(
            "POST",
            f"{BASE}/screening/tests/assign",
            json={"userId": learner, "subject": subject},
            caller_input=True,
        )
        return _objects(answer)


class PowerPathLessonPlans(LessonPlans):
    def __init__(self, calls: PowerPathCalls) -> None:
        self._calls = calls

    async def plan_id(self, course: str, learner: str) -> str:
        # create-or-fetch: one plan per course and student, so a retry finds the first
        answer = _object(
            await self._calls.call(
                "POST",
                f"{BASE}/lessonPlans/",
                json={"courseId": course, "userId": learner},
                idempotent=True,
            )
        )
        found = answer.get("lessonPlanId")
        if not isinstance(found, str) or not found:
            raise UpstreamRejected("PowerPath answered no lesson plan id", upstream="PowerPath")
        return found

    async def tree(self, plan_id: str) -> WireObject:
        return _object(await self._calls.call("GET", f"{BASE}/lessonPlans/tree/{_seg(plan_id)}"))

    async def structure(self, plan_id: str) -> WireObject:
        path = f"{BASE}/lessonPlans/tree/{_seg(plan_id)}/structure"
        return _object(await self._calls.call("GET", path))

    async def course_progress(
        self, course: str, learner: str, lesson: str | None
    ) -> list[WireObject]:
        path = f"{BASE}/lessonPlans/getCourseProgress/{_seg(course)}/student/{_seg(learner)}"
        params = {"lessonId": lesson} if lesson else None
        return _objects(await self._calls.call("GET", path, params=params), "lineItems")

    async def operations(self, plan_id: str) -> list[WireObject]:
        path = f"{BASE}/lessonPlans/{_seg(plan_id)}/operations"
        return _objects(await self._calls.call("GET", path), "operations")

    async def store_operation(
        self, plan_id: str, operation: WireObject, reason: str | None
    ) -> WireObject:
        body: WireObject = {"operation": operation}
        if reason is not None:
            body["reason"] = reason
        path = f"{BASE}/lessonPlans/{_seg(plan_id)}/operations"
        return _object(await self._calls.call("POST", path, json=body, caller_input=True))

    async def syllabus(self, course: str) -> WireObject:
        return _object(await self._calls.call("GET", f"{BASE}/syllabus/{_seg(course)}"))


def _assignment_body(new: NewTestAssignment) -> WireObject:
    body: WireObject = {"student": new.learner, "subject": new.subject, "grade": new.grade}
    if new.test_name is not None:
        body["testName"] = new.test_name
    return body


class PowerPathTestAssignments(TestAssignments):
    def __init__(self, calls: PowerPathCalls) -> None:
        self._calls = calls

    async def page(self, query: AssignmentQuery) -> AssignmentPage:
        params: dict[str, str | int] = {
            "student": query.learner,
            "limit": query.limit,
            "offset": query.offset,
        }
        for name in ("status", "subject", "grade"):
            value = getattr(query, name)
            if value is not None:
                params[name] = value
        answer = _object(await self._calls.call("GET", f"{BASE}/test-assignments", params=params))
        items = _objects(answer, "testAssignments")
        total = answer.get("totalCount")
        return AssignmentPage(items, total if isinstance(total, int) else len(items))

    async def get(self, assignment_id: str) -> WireObject:
        path = f"{BASE}/test-assignments/{_seg(assignment_id)}"
        return _object(await self._calls.call("GET", path))

    async def create(self, new: NewTestAssignment) -> WireObject:
        answer = await self._calls.call(
            "POST", f"{BASE}/test-assignments", json=_assignment_body(new), caller_input=True
        )
        return _object(answer)

    async def bulk(self, new: list[NewTestAssignment]) -> WireObject:
        body = {"items": [_assignment_body(each) for each in new]}
        answer = await self._calls.call(
            "POST", f"{BASE}/test-assignments/bulk", json=body, caller_input=True
        )
        return _object(answer)
