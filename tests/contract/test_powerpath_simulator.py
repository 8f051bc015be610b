"""The PowerPath simulator's state machine, through its HTTP API: the learner flow of reference
§4.6 (progress -> createNewAttempt -> getNextQuestion -> updateStudentQuestionResponse ->
finalStudentAssessmentResponse), attempts, adaptive difficulty, placement, screening, test-out,
lesson plans and their operation log, test assignments and errors."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from simulators.kit.transport import SimulatorTransport
from simulators.powerpath import PowerPathSimulator
from simulators.powerpath.questions import InvalidResponse
from simulators.powerpath.roster import lesson_type
from simulators.sandbox import SandboxSimulators
from simulators.timeback import TimebackSimulator
from simulators.timeback.checks import LESSON_TYPES
from simulators.timeback.seed import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

TOKEN = "powerpath-test-token"
BASE = "http://powerpath.timeback.sim"
SEED = 7


@pytest.fixture
def sim() -> PowerPathSimulator:
    sim = PowerPathSimulator(seed=SEED, users=30, classes=6)
    sim.tokens.issue(SANDBOX_CLIENT_ID, value=TOKEN)
    return sim


@pytest.fixture
async def http(sim: PowerPathSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=SimulatorTransport(sim.app),
        base_url=BASE,
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        yield client


def student_and_lesson(sim: PowerPathSimulator, kind: str) -> tuple[str, str]:
    for user in sim.roster.state.users.all():
        for course in sim.roster.courses_of(user["sourcedId"]):
            for lesson in sim.roster.course_lessons(course):
                if lesson_type(lesson) == kind:
                    return user["sourcedId"], lesson["sourcedId"]
    raise AssertionError(f"no {kind} lesson for any student")


def correct_answer(sim: PowerPathSimulator, question_id: str) -> dict[str, Any]:
    question = sim.bank.question(question_id)
    assert question is not None
    return dict(question.correct)


def wrong_answer(sim: PowerPathSimulator, question_id: str) -> dict[str, Any]:
    """A response the item scores 0: the first of a few unlikely ones that fits it."""
    question = sim.bank.question(question_id)
    assert question is not None
    for guess in ("Z", "0", "Z Z", "-1"):
        given: dict[str, Any] = {
            rid: guess if isinstance(value, str) else [guess]
            for rid, value in question.correct.items()
        }
        try:
            if not sim.bank.score(question, given).correct:
                return given
        except InvalidResponse:
            continue
    raise AssertionError(f"no wrong answer found for {question_id}")


def minor(response: httpx.Response) -> str:
    body = response.json()
    return str(body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"])


async def test_every_demo_learner_has_lessons_of_every_type(sim: PowerPathSimulator) -> None:
    students = [u for u in sim.roster.state.users.all() if u["roles"][0]["role"] == "student"]
    assert students
    for student in students:
        kinds = {
            lesson_type(lesson)
            for course in sim.roster.courses_of(student["sourcedId"])
            for lesson in sim.roster.course_lessons(course)
        }
        assert kinds == set(LESSON_TYPES)


async def test_the_quiz_flow_start_answer_finalize(
    sim: PowerPathSimulator, http: httpx.AsyncClient
) -> None:
    student, lesson = student_and_lesson(sim, "quiz")
    params = {"student": student, "lesson": lesson}
    progress = (await http.get("/powerpath/getAssessmentProgress", params=params)).json()
    assert progress["lessonType"] == "quiz"
    assert progress["finalized"] is False
    assert progress["attempt"] == 1
    questions = progress["questions"]
    assert len(questions) == 5
    assert all("response" not in q for q in questions)

    created = await http.post("/powerpath/createNewAttempt", json=params)
    assert created.status_code == 200
    assert created.json()["attempt"]["attempt"] == 1
    assert created.json()["attempt"]["scoreStatus"] == "not submitted"

    for i, question in enumerate(questions):
        given = correct_answer(sim, question["id"]) if i < 4 else wrong_answer(sim, question["id"])
        answered = await http.put(
            "/powerpath/updateStudentQuestionResponse",
            json={**params, "question": question["id"], "responses": given},
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["lessonType"] == "quiz"
    # a new attempt is refused while this one has answers and is not finalized
    refused = await http.post("/powerpath/createNewAttempt", json=params)
    assert refused.status_code == 422

    final = await http.post("/powerpath/finalStudentAssessmentResponse", json=params)
    assert final.json() == {"lessonType": "quiz", "finalized": True, "attempt": 1}
    done = (await http.get("/powerpath/getAssessmentProgress", params=params)).json()
    assert done["finalized"] is True
    assert done["score"] == 80.0
    assert (done["correctQuestions"], done["totalQuestions"]) == (4, 5)
    assert done["xp"] == 30.0
    attempts = (await http.get("/powerpath/getAttempts", params=params)).json()["attempts"]
    assert [(a["attempt"], a["scoreStatus"]) for a in attempts] == [(1, "fully graded")]
    assert attempts[0]["completedAt"] is not None

    # finalized: answers go nowhere until a new attempt
    late = await http.put(
        "/powerpath/updateStudentQuestionResponse",
        json={**params, "question": questions[0]["id"], "response": "A"},
    )
    assert late.status_code == 422
    second = (await http.post("/powerpath/createNewAttempt", json=params)).json()["attempt"]
    assert second["attempt"] == 2
    history = (await http.get("/powerpath/getAttempts", params=params)).json()["attempts"]
    assert [a["attempt"] for a in history] == [1, 2]
    first = await http.get("/powerpath/getAssessmentProgress", params={**params, "attempt": "1"})
    assert first.json()["score"] == 80.0

    # the finalized attempt is the lesson's result in course progress
    course = sim.roster.course_of(sim.roster.lesson(lesson) or {})
    assert course is not None
    progress_url = (
        f"/powerpath/lessonPlans/getCourseProgress/{course['sourcedId']}/student/{student}"
    )
    items = (await http.get(progress_url)).json()["lineItems"]
    mine = next(i for i in items if i["courseComponentResourceSourcedId"] == lesson)
    assert mine["results"][0]["score"] == 80.0
    assert mine["results"][0]["scoreStatus"] == "fully graded"


async def test_powerpath_100_adapts_difficulty_and_masters(
    sim: PowerPathSimulator, http: httpx.AsyncClient
) -> None:
    student, lesson = student_and_lesson(sim, "powerpath-100")
    params = {"student": student, "lesson": lesson}
    first = (await http.get("/powerpath/getNextQuestion", params=params)).json()
    assert first["score"] == 0
    assert first["question"]["difficulty"] == "easy"
    assert "<qti-assessment-item" in first["question"]["content"]["rawXml"]
    # asking again before answering serves the same question
    again = (await http.get("/powerpath/getNextQuestion", params=params)).json()
    assert again["question"]["id"] == first["question"]["id"]

    difficulties, scores = [], []
    wrong_once = False
    question = first["question"]
    while True:
        difficulties.append(question["difficulty"])
        answer_wrong = not wrong_once and question["difficulty"] == "medium"
        wrong_once = wrong_once or answer_wrong
        given = (wrong_answer if answer_wrong else correct_answer)(sim, question["id"])
        result = (
            await http.put(
                "/powerpath/updateStudentQuestionResponse",
                json={**params, "question": question["id"], "responses": given},
            )
        ).json()
        assert result["lessonType"] == "powerpath-100"
        assert result["responseResult"]["isCorrect"] is not answer_wrong
        scores.append(result["powerpathScore"])
        if result["powerpathScore"] >= 100:
            break
        nxt = (await http.get("/powerpath/getNextQuestion", params=params)).json()
        if answer_wrong:  # one level easier right after a miss
            assert nxt["question"]["difficulty"] == "easy"
        question = nxt["question"]
    assert difficulties[0] == "easy"
    assert "medium" in difficulties
    assert "hard" in difficulties
    assert scores[-1] == 100
    assert any(b < a for a, b in itertools.pairwise(scores))  # the miss cost points

    progress = (await http.get("/powerpath/getAssessmentProgress", params=params)).json()
    assert progress["lessonType"] == "powerpath-100"
    assert progress["score"] == 100
    assert len(progress["seenQuestions"]) == len(difficulties)
    assert progress["correctQuestions"] == len(difficulties) - 1
    assert progress["multiplier"] == 1.25 or progress["multiplier"] == 1.5
    assert progress["xp"] > 0
    remaining = progress["remainingQuestionsPerDifficulty"]
    assert sum(remaining.values()) == 12 - len(difficulties)
    attempts = (await http.get("/powerpath/getAttempts", params=params)).json()["attempts"]
    assert attempts[0]["scoreStatus"] == "fully graded"
    # mastered: no more questions in this attempt, and finalizing is for quiz-like lessons
    done = await http.get("/powerpath/getNextQuestion", params=params)
    assert done.status_code == 422
    final = await http.post("/powerpath/finalStudentAssessmentResponse", json=params)
    assert final.status_code == 400


async def test_reset_attempt_clears_the_current_attempt(
    sim: PowerPathSimulator, http: httpx.AsyncClient
) -> None:
    student, lesson = student_and_lesson(sim, "powerpath-100")
    params = {"student": student, "lesson": lesson}
    missing = await http.post("/powerpath/resetAttempt", json=params)
    assert missing.status_code == 404
    question = (await http.get("/powerpath/getNextQuestion", params=params)).json()["question"]
    answered = await http.put(
        "/powerpath/updateStudentQuestionResponse",
        json={
            **params,
            "question": question["id"],
            "responses": correct_answer(sim, question["id"]),
        },
    )
    assert answered.status_code == 200, answered.text
    before = (await http.get("/powerpath/getAssessmentProgress", params=params)).json()
    assert before["score"] > 0
    reset = await http.post("/powerpath/resetAttempt", json=params)
    assert reset.json() == {"success": True, "score": 0}
    after = (await http.get("/powerpath/getAssessmentProgress", params=params)).json()
    assert (after["score"], after["seenQuestions"], after["attempt"]) == (0, [], 1)


async def test_placement_levels_follow_passed_tests(
    sim: PowerPathSimulator, http: httpx.AsyncClient
) -> None:
    student, _ = student_and_lesson(sim, "placement")
    params = {"student": student, "subject": "Math"}
    level = (await http.get("/powerpath/placement/getCurrentLevel", params=params)).json()
    assert level["gradeLevel"] is None
    assert level["onboarded"] is False
    tests = (await http.get("/powerpath/placement/getAllPlacementTests", params=params)).json()
    assert len(tests["placementTests"]) == level["availableTests"] > 0
    nxt = (await http.get("/powerpath/placement/getNextPlacementTest", params=params)).json()
    lesson = nxt["lesson"]
    assert nxt["exhaustedTests"] is False

    progress = (
        await http.get(
            "/powerpath/getAssessmentProgress", params={"student": student, "lesson": lesson}
        )
    ).json()
    assert progress["lessonType"] == "placement"
    for question in progress["questions"]:
        await http.put(
            "/powerpath/updateStudentQuestionResponse",
            json={
                "student": student,
                "lesson": lesson,
                "question": question["id"],
                "responses": correct_answer(sim, question["id"]),
            },
        )
    await http.post(
        "/powerpath/finalStudentAssessmentResponse", json={"student": student, "lesson": lesson}
    )
    placed = (await http.get("/powerpath/placement/getCurrentLevel", params=params)).json()
    assert placed["onboarded"] is True
    assert placed["gradeLevel"] is not None
    assert placed["availableTests"] == level["availableTests"] - 1
    moved = (await http.get("/powerpath/placement/getNextPlacementTest", params=params)).json()
    assert moved["lesson"] != lesson or moved["exhaustedTests"]
    subject = (await http.get("/powerpath/placement/getSubjectProgress", params=params)).json()
    assert any(p["completedLessons"] == 1 for p in subject["progress"])

    reset = await http.post("/powerpath/placement/resetUserPlacement", json=params)
    assert reset.json() == {"success": True, "placementResultsDeleted": 1, "onboardingReset": True}
    again = (await http.get("/powerpath/placement/getCurrentLevel", params=params)).json()
    assert again == level
    bad = await http.get(
        "/powerpath/placement/getCurrentLevel", params={**params, "subject": "Art"}
    )
    assert bad.status_code == 400


async def test_screening_session_assign_and_results(
    sim: PowerPathSimulator, http: httpx.AsyncClient
) -> None:
    student, _ = student_and_lesson(sim, "quiz")
    session = (await http.get(f"/powerpath/screening/session/{student}")).json()
    assert session["assignment"]["status"] is None
    assigned = await http.post(
        "/powerpath/screening/tests/assign", json={"userId": student, "subject": "Math"}
    )
    assert assigned.json()[0]["status"] == "assigned"
    after = (await http.get(f"/powerpath/screening/session/{student}")).json()
    assert after["assignment"]["assignedTestKey"] == "map-growth-math"
    reset = await http.post("/powerpath/screening/session/reset", json={"userId": student})
    assert reset.json() == {"success": True}
    fresh = (await http.get(f"/powerpath/screening/session/{student}")).json()
    assert fresh["testSessionId"] != session["testSessionId"]
    results = (await http.get(f"/powerpath/screening/results/{student}")).json()
    assert set(results) == {"Math", "Reading"}
    assert (await http.get("/powerpath/screening/results/nobody")).status_code == 404


async def test_test_out_and_external_tests(
    sim: PowerPathSimulator, http: httpx.AsyncClient
) -> None:
    student, lesson = student_and_lesson(sim, "test-out")
    course = sim.roster.course_of(sim.roster.lesson(lesson) or {})
    assert course is not None
    state = (
        await http.get(
            "/powerpath/testOut", params={"student": student, "course": course["sourcedId"]}
        )
    ).json()
    assert (state["lessonId"], state["finalized"], state["toolProvider"]) == (lesson, False, None)

    created = await http.post(
        "/powerpath/createExternalTestOut",
        json={
            "courseId": course["sourcedId"],
            "toolProvider": "edulastic",
            "grades": ["5"],
            "lessonType": "test-out",
            "xp": 120,
        },
    )
    assert created.status_code == 200, created.text
    new_lesson = created.json()["lessonId"]
    # written into the roster PowerPath reads: a lesson of the course now
    assert sim.roster.lesson(new_lesson) is not None
    assigned = await http.post(
        "/powerpath/makeExternalTestAssignment", json={"student": student, "lesson": new_lesson}
    )
    assert assigned.json()["toolProvider"] == "edulastic"
    imported = await http.get(
        "/powerpath/importExternalTestAssignmentResults",
        params={"student": student, "lesson": new_lesson},
    )
    assert imported.json()["finalized"] is False
    quiz_student, quiz = student_and_lesson(sim, "quiz")
    refused = await http.post(
        "/powerpath/makeExternalTestAssignment", json={"student": quiz_student, "lesson": quiz}
    )
    assert refused.status_code == 422

    internal = await http.post(
        "/powerpath/createInternalTest",
        json={
            "courseId": course["sourcedId"],
            "lessonType": "unit-test",
            "testType": "assessment-bank",
            "assessmentBank": {"resources": [{"url": "https://qti.example/a"}]},
        },
    )
    assert internal.json()["testType"] == "assessment-bank"
    assert len(internal.json()["childResourceIds"]) == 1


async def test_lesson_plans_operations_and_syllabus(
    sim: PowerPathSimulator, http: httpx.AsyncClient
) -> None:
    student, _ = student_and_lesson(sim, "quiz")
    course = sim.roster.courses_of(student)[0]
    created = await http.post(
        "/powerpath/lessonPlans/", json={"courseId": course, "userId": student}
    )
    assert created.status_code == 201
    plan = created.json()["lessonPlanId"]
    same = await http.post("/powerpath/lessonPlans/", json={"courseId": course, "userId": student})
    assert (same.status_code, same.json()["lessonPlanId"]) == (200, plan)

    tree = (await http.get(f"/powerpath/lessonPlans/{course}/{student}")).json()
    units = tree["lessonPlan"]["lessonPlan"]["subComponents"]
    assert len(units) == 2
    first_lesson = units[0]["componentResources"][0]["id"]
    last_lesson = units[0]["componentResources"][-1]["id"]

    stored = await http.post(
        f"/powerpath/lessonPlans/{plan}/operations",
        json={
            "operation": {
                "type": "set-skipped",
                "payload": {"target": {"type": "resource", "id": first_lesson}, "value": True},
            },
            "reason": "already known",
        },
    )
    assert stored.status_code == 201
    assert stored.json()["success"] is True
    moved = await http.post(
        f"/powerpath/lessonPlans/{plan}/operations",
        json={
            "operation": {
                "type": "move-item-to-start",
                "payload": {"target": {"type": "resource", "id": last_lesson}},
            }
        },
    )
    assert moved.json()["success"] is True
    structure = (await http.get(f"/powerpath/lessonPlans/tree/{plan}/structure")).json()
    nodes = structure["lessonPlan"]["lessonPlan"]["structure"][0]["componentResources"]
    assert nodes[0]["itemId"] == last_lesson
    assert next(n for n in nodes if n["itemId"] == first_lesson)["skipped"] is True
    log = (await http.get(f"/powerpath/lessonPlans/{plan}/operations")).json()["operations"]
    assert [(o["sequenceNumber"], o["type"]) for o in log] == [
        (1, "set-skipped"),
        (2, "move-item-to-start"),
    ]
    unknown = await http.post(
        f"/powerpath/lessonPlans/{plan}/operations",
        json={
            "operation": {
                "type": "move-item-to-end",
                "payload": {"target": {"type": "resource", "id": "nope"}},
            }
        },
    )
    assert unknown.json()["success"] is False
    synced = (await http.post(f"/powerpath/lessonPlans/{plan}/operations/sync")).json()
    assert synced["operationCount"] == 2
    assert all(r["success"] for r in synced["operationResults"])
    affected = (await http.post(f"/powerpath/lessonPlans/course/{course}/sync")).json()
    assert affected == {"lessonPlansAffected": [plan]}
    syllabus = (await http.get(f"/powerpath/syllabus/{course}")).json()["syllabus"]
    assert len(syllabus["subComponents"]) == 2

    assert (await http.delete(f"/powerpath/lessonPlans/{course}/deleteAll")).status_code == 204
    assert (await http.get(f"/powerpath/lessonPlans/tree/{plan}")).status_code == 404


async def test_test_assignments(sim: PowerPathSimulator, http: httpx.AsyncClient) -> None:
    student, _ = student_and_lesson(sim, "quiz")
    created = await http.post(
        "/powerpath/test-assignments", json={"student": student, "subject": "Math", "grade": 5}
    )
    assert created.status_code == 201
    assignment = created.json()["assignmentId"]
    bulk = (
        await http.post(
            "/powerpath/test-assignments/bulk",
            json={
                "items": [
                    {"student": student, "subject": "Reading", "grade": "4"},
                    {"student": "nobody", "subject": "Math", "grade": 5},
                ]
            },
        )
    ).json()
    assert bulk["success"] is False
    assert [e["row"] for e in bulk["errors"]] == [1]
    listed = (await http.get("/powerpath/test-assignments", params={"student": student})).json()
    assert listed["totalCount"] == 2
    assert {a["grade"] for a in listed["testAssignments"]} == {"5", "4"}
    page = (
        await http.get("/powerpath/test-assignments/admin", params={"limit": 1, "offset": 1})
    ).json()
    assert (page["pageCount"], page["pageNumber"], len(page["testAssignments"])) == (2, 2, 1)
    renamed = await http.put(
        f"/powerpath/test-assignments/{assignment}", json={"testName": "Math placement"}
    )
    assert renamed.json()["testName"] == "Math placement"
    assert (await http.delete(f"/powerpath/test-assignments/{assignment}")).status_code == 204
    assert (await http.get(f"/powerpath/test-assignments/{assignment}")).status_code == 404
    missing_student = await http.get("/powerpath/test-assignments")
    assert missing_student.status_code == 400


async def test_errors_are_imsx(sim: PowerPathSimulator, http: httpx.AsyncClient) -> None:
    student, lesson = student_and_lesson(sim, "quiz")
    unknown = await http.get(
        "/powerpath/getAssessmentProgress", params={"student": student, "lesson": "nope"}
    )
    assert (unknown.status_code, minor(unknown)) == (404, "unknownobject")
    no_param = await http.get("/powerpath/getAttempts", params={"student": student})
    assert (no_param.status_code, minor(no_param)) == (400, "invaliddata")
    not_adaptive = await http.get(
        "/powerpath/getNextQuestion", params={"student": student, "lesson": lesson}
    )
    assert not_adaptive.status_code == 400
    questions = (
        await http.get(
            "/powerpath/getAssessmentProgress", params={"student": student, "lesson": lesson}
        )
    ).json()["questions"]
    single = next(
        q
        for q in questions
        if all(isinstance(v, str) for v in correct_answer(sim, q["id"]).values())
    )
    two_for_one = await http.put(
        "/powerpath/updateStudentQuestionResponse",
        json={
            "student": student,
            "lesson": lesson,
            "question": single["id"],
            "responses": {rid: ["A", "B"] for rid in correct_answer(sim, single["id"])},
        },
    )
    assert two_for_one.status_code == 400  # QTI response processing refused it
    bad_body = await http.post("/powerpath/createNewAttempt", content=b"[1]")
    assert bad_body.status_code == 400
    no_token = await http.get(
        "/powerpath/getAttempts",
        params={"student": student, "lesson": lesson},
        headers={"Authorization": ""},
    )
    assert (no_token.status_code, minor(no_token)) == (401, "unauthorisedrequest")


async def test_standalone_token_endpoint_takes_the_sandbox_client(sim: PowerPathSimulator) -> None:
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=BASE) as client:
        basic = await client.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
        )
        form = await client.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET,
            },
        )
        wrong = await client.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(SANDBOX_CLIENT_ID, "wrong"),
        )
    assert basic.status_code == form.status_code == 200
    assert wrong.status_code == 401
    token = basic.json()["access_token"]
    async with httpx.AsyncClient(
        transport=SimulatorTransport(sim.app),
        base_url=BASE,
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        assert (await client.get("/powerpath/test-assignments/admin")).status_code == 200


async def test_in_a_sandbox_it_reads_timebacks_live_roster_and_tokens() -> None:
    sims = SandboxSimulators()
    timeback = TimebackSimulator(seed=SEED, users=30, classes=6)
    powerpath = PowerPathSimulator(seed=SEED, users=30, classes=6)
    sims.include(timeback)
    sims.include(powerpath)
    standalone = PowerPathSimulator(seed=SEED, users=30, classes=6)
    # the same seed gives the same lessons as the standalone simulator's own roster
    assert set(powerpath.roster.state.component_resources.items) == set(
        standalone.roster.state.component_resources.items
    )
    assert powerpath.roster.state is timeback.state
    token = timeback.tokens.issue(SANDBOX_CLIENT_ID).value
    lesson: dict[str, Any] = dict(timeback.state.component_resources.all()[0])
    lesson["sourcedId"] = "added-at-timeback"
    timeback.state.component_resources.put(lesson)  # shows in PowerPath at once
    student = next(
        u["sourcedId"] for u in timeback.state.users.all() if u["roles"][0]["role"] == "student"
    )
    async with httpx.AsyncClient(
        transport=sims.transport(), headers={"Authorization": f"Bearer {token}"}
    ) as client:
        found = await client.get(
            f"{BASE}/powerpath/getAttempts",
            params={"student": student, "lesson": "added-at-timeback"},
        )
    assert found.status_code == 200
    assert found.json() == {"attempts": []}


async def test_a_refused_screening_assignment_changes_nothing(
    sim: PowerPathSimulator, http: httpx.AsyncClient
) -> None:
    student, _ = student_and_lesson(sim, "quiz")
    before = (await http.get(f"/powerpath/screening/session/{student}")).json()
    user = sim.roster.state.users.get(student)
    assert user is not None
    sim.roster.state.users.put({**user, "email": ""})
    refused = await http.post(
        "/powerpath/screening/tests/assign", json={"userId": student, "subject": "Math"}
    )
    assert refused.status_code == 422
    after = (await http.get(f"/powerpath/screening/session/{student}")).json()
    assert after["assignment"] == before["assignment"]
