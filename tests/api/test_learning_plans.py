"""``/v1/learning`` placement, screening, plans, syllabus and test assignments over HTTP, against
the sandbox's PowerPath simulator (reading the TimeBack simulator's roster): every route's happy
path for the demo student; guardians read and never act; teachers act for their students only,
staff for the students of their school only; what a request names is checked; PowerPath's
failures are 503/502 problems."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from api.settings import Settings
from tests.api.learning_plans_matrix import OTHER, OWN, SUBJECT, LearningWorld
from tests.api.test_authorization_matrix import ROLES, population_of, roster_visibility
from tests.support.bff import open_bff

L = "/v1/learning"
Headers = dict[str, str]


@dataclass
class Learning:
    http: httpx.AsyncClient
    headers: dict[str, Headers]
    world: LearningWorld
    student: str  # the demo student, whom every demo role reaches
    stranger: str  # a student of another school, whom no demo role but admin reaches
    teacher: str  # the demo teacher's person: no student, so no learner

    def h(self, role: str) -> Headers:
        return self.headers[role]

    @property
    def course(self) -> str:
        return self.world.course_of[self.student]


@pytest.fixture
async def learning(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Learning]:
    async with open_bff(settings, demo, ROLES) as bff:
        container, http, headers = bff.container, bff.http, bff.headers
        population = population_of(settings)
        seen = roster_visibility(population, demo)
        world = LearningWorld.of(
            population,
            {r: seen[r].users for r in ROLES},
            {r: seen[r].classes for r in ROLES},
            demo,
            container,
            http,
            headers["admin"],
        )
        yield Learning(
            http,
            headers,
            world,
            world.learner("student", OWN),
            world.learner("admin", OTHER),
            demo["teacher"].person_sourced_id,
        )


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


async def test_the_demo_roles_reach_the_demo_students_placement(learning: Learning) -> None:
    s, http = learning, learning.http
    # every demo role reaches the demo student; this test relies on it
    assert all(s.world.learners[(role, OWN)] == (s.student, True) for role in ROLES)
    q = {"subject": SUBJECT}
    for role in ROLES:
        got = await http.get(f"{L}/placement/{s.student}", params=q, headers=s.h(role))
        assert got.status_code == 200, (role, got.text)
    body = got.json()
    assert body["learner"] == s.student
    assert body["subject"] == SUBJECT
    assert body["level"]["subject"] == SUBJECT
    assert "grade_level" in body["level"]
    assert body["next"]["lesson"], body["next"]
    assert body["tests"], "the sandbox has Math placement tests"
    assert body["tests"][0]["metadata"]["lessonType"] == "placement"
    assert body["next"]["lesson"] == body["tests"][0]["id"]
    assert body["progress"]
    assert all(SUBJECT in p["course"]["subjects"] for p in body["progress"])
    tests = await http.get(f"{L}/placement/{s.student}/tests", params=q, headers=s.h("guardian"))
    assert tests.status_code == 200, tests.text
    assert [t["id"] for t in tests.json()["items"]] == [t["id"] for t in body["tests"]]
    assert tests.headers["X-Total-Count"] == str(len(body["tests"]))
    for part, key in (("level", "grade_level"), ("next", "exhausted_tests")):
        got = await http.get(f"{L}/placement/{s.student}/{part}", params=q, headers=s.h("student"))
        assert got.status_code == 200, got.text
        assert key in got.json()
    progress = await http.get(
        f"{L}/placement/{s.student}/progress", params=q, headers=s.h("teacher")
    )
    assert progress.status_code == 200, progress.text
    assert progress.json()["total"] == len(body["progress"])
    assert all("total_xp_earned" in p for p in progress.json()["items"])


async def test_a_placement_is_reset_by_staff_and_admins_only(learning: Learning) -> None:
    s, http = learning, learning.http
    url = f"{L}/placement/{s.student}/reset"
    for role in ("student", "guardian", "teacher"):
        problem(await http.post(url, json={"subject": SUBJECT}, headers=s.h(role)), 403)
    for role in ("staff", "admin"):
        done = await http.post(url, json={"subject": SUBJECT}, headers=s.h(role))
        assert done.status_code == 200, done.text
        assert done.json()["success"] is True
    # staff of another school: the stranger is not theirs
    far = f"{L}/placement/{s.stranger}/reset"
    problem(await http.post(far, json={"subject": SUBJECT}, headers=s.h("staff")), 403)
    problem(await http.post(url, json={"subject": "Latin"}, headers=s.h("staff")), 422)
    problem(await http.post(url, json={}, headers=s.h("staff")), 422)


async def test_screening_guardians_read_teachers_assign(learning: Learning) -> None:
    s, http = learning, learning.http
    results = await http.get(f"{L}/screening/{s.student}/results", headers=s.h("guardian"))
    assert results.status_code == 200, results.text
    assert results.json()["items"]
    assert all("rit_score" in r for r in results.json()["items"])
    session = await http.get(f"{L}/screening/{s.student}/session", headers=s.h("student"))
    assert session.status_code == 200, session.text
    first = session.json()["test_session_id"]
    assert first
    assert session.json()["pin"]
    assert session.json()["password"]
    # the test's login is for whoever sits the test, not for a guardian following along
    watched = await http.get(f"{L}/screening/{s.student}/session", headers=s.h("guardian"))
    assert watched.status_code == 200, watched.text
    assert watched.json()["test_session_id"] == first
    assert watched.json()["pin"] is None
    assert watched.json()["password"] is None
    assign = f"{L}/screening/{s.student}/assign"
    for role in ("student", "guardian"):
        problem(await http.post(assign, json={"subject": "Reading"}, headers=s.h(role)), 403)
    done = await http.post(assign, json={"subject": "Reading"}, headers=s.h("teacher"))
    assert done.status_code == 200, done.text
    assert done.json()["assignments"][0]["assigned_test_key"] == "map-growth-reading"
    after = await http.get(f"{L}/screening/{s.student}/session", headers=s.h("teacher"))
    assert after.json()["assignment"]["status"] == "assigned"
    problem(await http.post(assign, json={"subject": "Writing"}, headers=s.h("teacher")), 422)
    # a reset is the learner's own act too, never a guardian's
    reset = f"{L}/screening/{s.student}/session/reset"
    problem(await http.post(reset, headers=s.h("guardian")), 403)
    again = await http.post(reset, headers=s.h("student"))
    assert again.status_code == 200, again.text
    assert again.json()["test_session_id"] != first
    assert again.json()["assignment"]["status"] is None
    # the teacher of other students, staff of another school
    for role in ("teacher", "staff"):
        problem(
            await http.post(f"{L}/screening/{s.stranger}/session/reset", headers=s.h(role)), 403
        )
        got = await http.get(f"{L}/screening/{s.stranger}/results", headers=s.h(role))
        problem(got, 403)


async def test_a_lesson_plan_is_read_by_the_learners_people_and_changed_by_their_teacher(
    learning: Learning,
) -> None:
    s, http = learning, learning.http
    plan = f"{L}/plans/{s.course}/{s.student}"
    tree = await http.get(plan, headers=s.h("guardian"))
    assert tree.status_code == 200, tree.text
    body = tree.json()
    assert body["plan_id"]
    assert body["course"]["id"] == s.course
    unit = body["components"][0]
    lesson = unit["lessons"][0]
    assert lesson["lesson_type"]
    assert lesson["component_id"] == unit["id"]
    assert unit["skipped"] is False
    structure = await http.get(f"{plan}/structure", headers=s.h("student"))
    assert structure.status_code == 200, structure.text
    assert [u["id"] for u in structure.json()["items"]] == [c["id"] for c in body["components"]]
    progress = await http.get(f"{plan}/progress", headers=s.h("teacher"))
    assert progress.status_code == 200, progress.text
    assert lesson["id"] in {p["lesson_id"] for p in progress.json()["items"]}
    one = await http.get(f"{plan}/progress", params={"lesson": lesson["id"]}, headers=s.h("staff"))
    assert [p["lesson_id"] for p in one.json()["items"]] == [lesson["id"]]
    problem(
        await http.get(
            f"{plan}/progress", params={"lesson": "no-such-lesson"}, headers=s.h("staff")
        ),
        422,
    )

    skip = {
        "operation": {
            "type": "set-skipped",
            "payload": {"target": {"type": "component", "id": unit["id"]}, "value": True},
        },
        "reason": "already mastered",
    }
    for role in ("student", "guardian"):
        problem(await http.post(f"{plan}/operations", json=skip, headers=s.h(role)), 403)
    stored = await http.post(f"{plan}/operations", json=skip, headers=s.h("teacher"))
    assert stored.status_code == 201, stored.text
    assert stored.json()["type"] == "set-skipped"
    assert stored.json()["payload"]["target"]["id"] == unit["id"]
    assert stored.json()["reason"] == "already mastered"
    listed = await http.get(f"{plan}/operations", headers=s.h("guardian"))
    assert [o["id"] for o in listed.json()["items"]] == [stored.json()["id"]]
    after = await http.get(plan, headers=s.h("student"))
    assert after.json()["components"][0]["skipped"] is True

    # an operation naming what the plan does not hold is refused and not stored
    wrong = {
        "operation": {
            "type": "set-skipped",
            "payload": {"target": {"type": "component", "id": "nope"}, "value": True},
        }
    }
    problem(await http.post(f"{plan}/operations", json=wrong, headers=s.h("teacher")), 422)
    bad = {"operation": {"type": "explode", "payload": {}}}
    problem(await http.post(f"{plan}/operations", json=bad, headers=s.h("teacher")), 422)
    listed = await http.get(f"{plan}/operations", headers=s.h("teacher"))
    assert listed.json()["total"] == 1


async def test_a_plan_names_a_known_learner_and_a_course_they_take(learning: Learning) -> None:
    s, http = learning, learning.http
    admin = s.h("admin")
    problem(await http.get(f"{L}/plans/{s.course}/no-such-student", headers=admin), 404)
    problem(await http.get(f"{L}/plans/no-such-course/{s.student}", headers=admin), 404)
    problem(await http.get(f"{L}/plans/{s.course}/{s.teacher}", headers=admin), 404)
    # a course the student takes no class of: no plan of theirs
    other_course = next(c for c in s.world.courses["admin"] if c not in s.world.courses["student"])
    problem(await http.get(f"{L}/plans/{other_course}/{s.student}", headers=admin), 404)
    # teachers and staff reach only their own learners' plans
    stranger_plan = f"{L}/plans/{s.world.course_of[s.stranger]}/{s.stranger}"
    for role in ("teacher", "staff", "guardian", "student"):
        problem(await http.get(stranger_plan, headers=s.h(role)), 403)
    assert (await http.get(stranger_plan, headers=admin)).status_code == 200


async def test_the_syllabus_is_for_whoever_reaches_the_course(learning: Learning) -> None:
    s, http = learning, learning.http
    for role in ROLES:
        got = await http.get(f"{L}/syllabus/{s.course}", headers=s.h(role))
        assert got.status_code == 200, (role, got.text)
    body = got.json()
    assert body["course"]["id"] == s.course
    assert body["components"]
    assert body["components"][0]["lessons"]
    problem(await http.get(f"{L}/syllabus/no-such-course", headers=s.h("admin")), 404)
    hidden = s.world.syllabus_course("student", OTHER)
    assert hidden not in s.world.courses["student"]
    problem(await http.get(f"{L}/syllabus/{hidden}", headers=s.h("student")), 403)


async def test_test_assignments_are_made_by_teachers_and_read_by_the_learners_people(
    learning: Learning,
) -> None:
    s, http = learning, learning.http
    new = {"learner": s.student, "subject": "Math", "grade": "4", "test_name": "Math check"}
    for role in ("student", "guardian"):
        problem(await http.post(f"{L}/test-assignments", json=new, headers=s.h(role)), 403)
    made = await http.post(f"{L}/test-assignments", json=new, headers=s.h("teacher"))
    assert made.status_code == 201, made.text
    assignment = made.json()
    assert assignment["learner"] == s.student
    assert assignment["grade"] == "4"
    assert assignment["status"] == "assigned"
    assert assignment["lesson_id"]
    assert assignment["test_name"] == "Math check"
    one = await http.get(f"{L}/test-assignments/{assignment['id']}", headers=s.h("guardian"))
    assert one.json() == assignment
    own = await http.get(f"{L}/test-assignments", headers=s.h("student"))
    assert own.status_code == 200, own.text
    assert assignment["id"] in {a["id"] for a in own.json()["items"]}
    filtered = await http.get(
        f"{L}/test-assignments",
        params={"learner": s.student, "grade": "9"},
        headers=s.h("guardian"),
    )
    assert filtered.json() == {"items": [], "total": 0}
    # the admin account is no roster person: it names the learner
    problem(await http.get(f"{L}/test-assignments", headers=s.h("admin")), 422)
    # someone else's learner: theirs to know of only when reached
    theirs = await http.post(
        f"{L}/test-assignments", json={**new, "learner": s.stranger}, headers=s.h("admin")
    )
    assert theirs.status_code == 201, theirs.text
    for role in ("teacher", "staff", "guardian"):
        problem(
            await http.get(f"{L}/test-assignments/{theirs.json()['id']}", headers=s.h(role)), 403
        )
        problem(
            await http.post(
                f"{L}/test-assignments", json={**new, "learner": s.stranger}, headers=s.h(role)
            ),
            403,
        )
    # what a body names must exist, be a student, and fit PowerPath's vocabulary
    for wrong in (
        {**new, "learner": "no-such-student"},
        {**new, "learner": s.teacher},
        {**new, "grade": "14"},
        {**new, "subject": "Latin"},
        {**new, "extra": 1},
    ):
        problem(await http.post(f"{L}/test-assignments", json=wrong, headers=s.h("teacher")), 422)
    problem(await http.get(f"{L}/test-assignments/no-such-id", headers=s.h("admin")), 404)


async def test_bulk_assignments_check_every_learner(learning: Learning) -> None:
    s, http = learning, learning.http
    items = [
        {"learner": s.student, "subject": "Reading", "grade": "3"},
        {"learner": s.student, "subject": "Science", "grade": "3"},
    ]
    problem(
        await http.post(
            f"{L}/test-assignments/bulk", json={"items": items}, headers=s.h("teacher")
        ),
        403,
    )
    done = await http.post(
        f"{L}/test-assignments/bulk", json={"items": items}, headers=s.h("staff")
    )
    assert done.status_code == 200, done.text
    assert done.json()["success"] is True
    assert len(done.json()["results"]) == 2
    listed = await http.get(
        f"{L}/test-assignments", params={"learner": s.student, "grade": "3"}, headers=s.h("staff")
    )
    assert listed.json()["total"] == 2
    # one unknown learner or one out of reach: nothing is assigned
    unknown = [*items, {"learner": "no-such-student", "subject": "Math", "grade": "3"}]
    body = problem(
        await http.post(
            f"{L}/test-assignments/bulk", json={"items": unknown}, headers=s.h("staff")
        ),
        422,
    )
    assert body["errors"][0]["loc"][-3:] == ["items", "2", "learner"]
    far = [*items, {"learner": s.stranger, "subject": "Math", "grade": "3"}]
    problem(
        await http.post(f"{L}/test-assignments/bulk", json={"items": far}, headers=s.h("staff")),
        403,
    )
    listed = await http.get(
        f"{L}/test-assignments", params={"learner": s.student, "grade": "3"}, headers=s.h("staff")
    )
    assert listed.json()["total"] == 2
    problem(
        await http.post(f"{L}/test-assignments/bulk", json={"items": []}, headers=s.h("staff")), 422
    )


async def test_powerpath_failures_are_problems(learning: Learning) -> None:
    s, http = learning, learning.http
    sim = s.world.sim
    # a 500 is not retried: PowerPath is down for now, a 503
    sim.fail_next(500, path="/powerpath/placement/getCurrentLevel")
    got = await http.get(
        f"{L}/placement/{s.student}/level", params={"subject": SUBJECT}, headers=s.h("student")
    )
    problem(got, 503)
    # a 503 on a read is retried (TimeBack's policy): the caller never sees it
    sim.fail_next(503, path="/powerpath/placement/getCurrentLevel")
    got = await http.get(
        f"{L}/placement/{s.student}/level", params={"subject": SUBJECT}, headers=s.h("student")
    )
    assert got.status_code == 200, got.text
    # a creation is not retried (a 502 may come after PowerPath acted): had it been, the
    # second try would have made the assignment
    before = len(sim.state.test_assignments)
    sim.fail_next(502, path="/powerpath/test-assignments")
    made = await http.post(
        f"{L}/test-assignments",
        json={"learner": s.student, "subject": "Math", "grade": "2"},
        headers=s.h("teacher"),
    )
    problem(made, 503)
    assert len(sim.state.test_assignments) == before
    # PowerPath refusing what the caller wrote is the caller's 422, with PowerPath's reason
    refusal = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": "The student already has an open test of this subject",
        "imsx_error_details": [{"path": "subject", "message": "already assigned"}],
    }
    sim.fail_next(422, body=refusal, path="/powerpath/test-assignments")
    refused = await http.post(
        f"{L}/test-assignments",
        json={"learner": s.student, "subject": "Math", "grade": "2"},
        headers=s.h("teacher"),
    )
    assert "already has an open test" in problem(refused, 422)["detail"]
    # PowerPath refusing a request the BFF composed is the BFF's bug: a 502, not the caller's 422
    sim.fail_next(400, path="/powerpath/syllabus/" + s.course)
    problem(await http.get(f"{L}/syllabus/{s.course}", headers=s.h("student")), 502)
    # and once it answers again, so does the BFF
    again = await http.get(
        f"{L}/placement/{s.student}/level", params={"subject": SUBJECT}, headers=s.h("student")
    )
    assert again.status_code == 200, again.text


async def test_bad_input_is_a_422(learning: Learning) -> None:
    s, http = learning, learning.http
    h = s.h("student")
    problem(await http.get(f"{L}/placement/{s.student}", headers=h), 422)  # no subject
    problem(
        await http.get(f"{L}/placement/{s.student}", params={"subject": "math"}, headers=h), 422
    )
    problem(await http.get(f"{L}/test-assignments", params={"status": "lost"}, headers=h), 422)
    problem(
        await http.get(
            f"{L}/placement/no-such-student/level", params={"subject": SUBJECT}, headers=h
        ),
        404,
    )
    problem(
        await http.get(
            f"{L}/test-assignments", params={"learner": "no-such-student"}, headers=s.h("admin")
        ),
        422,
    )
    # a person who is not a student has no learning here
    problem(await http.get(f"{L}/screening/{s.teacher}/session", headers=s.h("admin")), 404)
