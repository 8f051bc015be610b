"""Placement and screening per subject (reference §3.4).

A subject's placement tests are the ``placement`` lessons of its courses, lowest grade first. A
student's level is the highest grade whose placement test they passed (an attempt finalized at
the pass score); the next test is the first one not passed yet. Resetting a subject's placement
sets its finalized attempts aside. Screening (NWEA MAP in real TimeBack) keeps a session per
student and an assignment per subject; results are seeded per student and subject.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulators.kit.seed import SeedGenerator
from simulators.powerpath import practice
from simulators.powerpath.roster import POWERPATH_SUBJECTS, lesson_type, subjects_of
from simulators.powerpath.tree import stable_id
from simulators.powerpath.wire import Problem, body, not_found, ok, one_of, query, text
from simulators.timeback.state import JsonObject

if TYPE_CHECKING:
    from simulators.powerpath.app import PowerPathSimulator

BASE = "/powerpath/placement"
SCREENING = "/powerpath/screening"
SCREENING_SUBJECTS = ("Math", "Reading", "Language", "Science")


class Placement:
    def __init__(self, sim: PowerPathSimulator) -> None:
        self.sim = sim

    def routes(self) -> list[BaseRoute]:
        g = self.sim.guarded
        return [
            Route(f"{BASE}/getAllPlacementTests", g(self.all_tests), methods=["GET"]),
            Route(f"{BASE}/getCurrentLevel", g(self.current_level), methods=["GET"]),
            Route(f"{BASE}/getNextPlacementTest", g(self.next_test), methods=["GET"]),
            Route(f"{BASE}/getSubjectProgress", g(self.subject_progress), methods=["GET"]),
            Route(f"{BASE}/resetUserPlacement", g(self.reset), methods=["POST"]),
            Route(f"{BASE}/{{student_id}}", g(self.student_placement), methods=["GET"]),
            Route(f"{SCREENING}/results/{{user_id}}", g(self.screening_results), methods=["GET"]),
            Route(f"{SCREENING}/session/reset", g(self.reset_session), methods=["POST"]),
            Route(f"{SCREENING}/session/{{user_id}}", g(self.session), methods=["GET"]),
            Route(f"{SCREENING}/tests/assign", g(self.assign), methods=["POST"]),
        ]

    # -- placement ----------------------------------------------------------------------------

    def tests(self, subject: str) -> list[tuple[JsonObject, JsonObject]]:
        """(course, placement lesson) pairs of a subject, lowest grade first."""
        return [
            (course, lesson)
            for course in self.sim.roster.courses_in(subject)
            for lesson in self.sim.roster.course_lessons(course["sourcedId"])
            if lesson_type(lesson) == "placement"
        ]

    def passed(self, student: str, lesson_id: str) -> bool:
        history = self.sim.state.attempts.get((student, lesson_id), [])
        return any(practice.mastered(a) for a in history)

    def level(self, student: str, subject: str) -> str | None:
        grades = [
            max(course.get("grades") or ["0"], key=int)
            for course, lesson in self.tests(subject)
            if self.passed(student, lesson["sourcedId"])
        ]
        return max(grades, key=int) if grades else None

    def _params(self, request: Request) -> tuple[str, str]:
        student = query(request, "student")
        subject = one_of(query(request, "subject"), POWERPATH_SUBJECTS, "subject")
        if self.sim.roster.student(student) is None:
            raise not_found("Student", student)
        return student, subject

    def _state(self, student: str, subject: str) -> tuple[list[str], bool]:
        tests = self.tests(subject)
        remaining = [t["sourcedId"] for _, t in tests if not self.passed(student, t["sourcedId"])]
        onboarded = any(
            a.finalized
            for _, lesson in tests
            for a in self.sim.state.attempts.get((student, lesson["sourcedId"]), [])
        )
        return remaining, onboarded

    async def all_tests(self, request: Request) -> Response:
        student, subject = self._params(request)
        found = []
        for course, lesson in self.tests(subject):
            history = self.sim.state.attempts.get((student, lesson["sourcedId"]), [])
            found.append(
                {
                    "component_resources": lesson,
                    "resources": lesson.get("resource") or {},
                    "resources_metadata": {
                        "lessonType": "placement",
                        "subject": subject,
                        "grades": course.get("grades") or [],
                        "courseSourcedId": course["sourcedId"],
                    },
                    "assessment_line_items": {
                        "sourcedId": stable_id("assessmentLineItem", lesson["sourcedId"])
                    },
                    "assessment_results": [
                        {"attempt": a.number, "score": a.score, "completedAt": a.completed_at}
                        for a in history
                        if a.finalized
                    ],
                }
            )
        return ok({"placementTests": found})

    async def current_level(self, request: Request) -> Response:
        student, subject = self._params(request)
        remaining, onboarded = self._state(student, subject)
        level = self.level(student, subject)
        return ok({"gradeLevel": level, "onboarded": onboarded, "availableTests": len(remaining)})

    async def next_test(self, request: Request) -> Response:
        student, subject = self._params(request)
        remaining, onboarded = self._state(student, subject)
        tests = [lesson["sourcedId"] for _, lesson in self.tests(subject)]
        # timeback-powerpath parses ``lesson`` as a string (reference §9): once every test is
        # passed it names the last one
        lesson = remaining[0] if remaining else (tests[-1] if tests else "")
        return ok(
            {
                "exhaustedTests": not remaining,
                "gradeLevel": self.level(student, subject),
                "lesson": lesson,
                "onboarded": onboarded,
                "availableTests": len(remaining),
            }
        )

    async def subject_progress(self, request: Request) -> Response:
        student, subject = self._params(request)
        enrolled = set(self.sim.roster.courses_of(student))
        progress = []
        for course in self.sim.roster.courses_in(subject):
            lessons = self.sim.roster.course_lessons(course["sourcedId"])
            test_out = next((each for each in lessons if lesson_type(each) == "test-out"), None)
            done = [each for each in lessons if self.passed(student, each["sourcedId"])]
            earned = sum(
                a.xp or 0.0
                for each in lessons
                for a in self.sim.state.attempts.get((student, each["sourcedId"]), [])
            )
            progress.append(
                {
                    "course": {
                        "courseCode": course.get("courseCode"),
                        "dateLastModified": course["dateLastModified"],
                        "grades": course.get("grades") or [],
                        "level": course.get("level"),
                        "orgSourcedId": course["org"]["sourcedId"],
                        "sourcedId": course["sourcedId"],
                        "status": course["status"],
                        "subjects": subjects_of(course),
                        "title": course["title"],
                    },
                    "inEnrolled": course["sourcedId"] in enrolled,
                    "hasUsedTestOut": test_out is not None
                    and bool(self.sim.state.attempts.get((student, test_out["sourcedId"]))),
                    "testOutLessonId": None if test_out is None else test_out["sourcedId"],
                    "completedLessons": len(done),
                    "totalLessons": len(lessons),
                    "totalAttainableXp": sum(
                        practice.DEFAULT_XP.get(lesson_type(each) or "", 0.0) for each in lessons
                    ),
                    "totalXpEarned": earned,
                }
            )
        return ok({"progress": progress})

    async def reset(self, request: Request) -> Response:
        data = await body(request)
        student = text(data, "student")
        subject = one_of(text(data, "subject"), POWERPATH_SUBJECTS, "subject")
        if self.sim.roster.student(student) is None:
            raise not_found("Student", student)
        deleted = 0
        for _, lesson in self.tests(subject):
            history = self.sim.state.attempts.pop((student, lesson["sourcedId"]), [])
            deleted += sum(a.finalized for a in history)
        return ok({"success": True, "placementResultsDeleted": deleted, "onboardingReset": True})

    async def student_placement(self, request: Request) -> Response:
        student = request.path_params["student_id"]
        if self.sim.roster.student(student) is None:
            raise not_found("Student", student)
        found = {}
        for subject in POWERPATH_SUBJECTS:
            remaining, onboarded = self._state(student, subject)
            if self.tests(subject):
                found[subject] = {
                    "gradeLevel": self.level(student, subject),
                    "onboarded": onboarded,
                    "availableTests": len(remaining),
                }
        return ok(found)

    # -- screening ----------------------------------------------------------------------------

    def _screened(self, user_id: str) -> JsonObject:
        user = self.sim.roster.student(user_id)
        if user is None:
            raise not_found("Student", user_id)
        return user

    async def screening_results(self, request: Request) -> Response:
        user = self._screened(request.path_params["user_id"])
        found = self.sim.state.screening_results.get(user["sourcedId"])
        if found is None:
            found = self.sim.state.screening_results[user["sourcedId"]] = self._seeded(user)
        return ok(found)

    def _seeded(self, user: JsonObject) -> JsonObject:
        gen = SeedGenerator(self.sim.spec.seed, f"powerpath-screening/{user['sourcedId']}")
        grade = (user.get("grades") or ["5"])[0]
        return {
            subject: {
                "grade": grade,
                "ritScore": float(gen.integer(160, 240)),
                "testName": f"MAP Growth {subject} 2-5",
                "completedAt": "2024-09-15T14:00:00.000Z",
            }
            for subject in SCREENING_SUBJECTS[:2]
        }

    def _session(self, user: JsonObject) -> JsonObject:
        user_id = user["sourcedId"]
        found = self.sim.state.screening_sessions.get(user_id)
        if found is None:
            gen = SeedGenerator(self.sim.spec.seed, f"powerpath-session/{user_id}")
            found = {
                "nweaStudentId": stable_id("nwea", user_id),
                "createdOn": "2024-09-01T13:00:00.000Z",
                "password": gen.token(10),
                "name": f"{user.get('givenName', '')} {user.get('familyName', '')}".strip(),
                "proctorId": stable_id("proctor", user_id),
                "pin": gen.digits(6),
                "testSessionId": stable_id("session", user_id, "1"),
                "status": "active",
                "assignment": {"assignedTestKey": None, "status": None, "nweaStatus": None},
                "termId": "fall-2024",
            }
            self.sim.state.screening_sessions[user_id] = found
        return found

    async def session(self, request: Request) -> Response:
        return ok(self._session(self._screened(request.path_params["user_id"])))

    async def reset_session(self, request: Request) -> Response:
        user = self._screened(text(await body(request), "userId"))
        old = self._session(user)
        number = int(old.get("resets", 0)) + 1
        self.sim.state.screening_sessions[user["sourcedId"]] = {
            **old,
            "testSessionId": stable_id("session", user["sourcedId"], str(number + 1)),
            "assignment": {"assignedTestKey": None, "status": None, "nweaStatus": None},
            "resets": number,
        }
        return ok({"success": True})

    async def assign(self, request: Request) -> Response:
        data = await body(request)
        user = self._screened(text(data, "userId"))
        subject = one_of(text(data, "subject"), SCREENING_SUBJECTS, "subject")
        if not user.get("email"):  # refused before anything changes
            raise Problem(422, "The student has no email address")
        session = self._session(user)
        key = f"map-growth-{subject.lower()}"
        session["assignment"] = {"assignedTestKey": key, "status": "assigned",
                                 "nweaStatus": "AWAITING_STUDENT"}  # fmt: skip
        return ok(
            [
                {
                    "assignedTestKey": key,
                    "email": user["email"],
                    "testName": f"MAP Growth {subject}",
                    "testSessionId": session["testSessionId"],
                    "updatedOn": self.sim.now(),
                    "nweaStatus": "AWAITING_STUDENT",
                    "status": "assigned",
                    "studentId": session["nweaStudentId"],
                    "studentName": session["name"],
                }
            ]
        )
