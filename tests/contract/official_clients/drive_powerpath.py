"""Runs the calls of ``timeback-powerpath`` 0.4.0 (async) against a PowerPath endpoint.

The README's Quick Start (``test_assignments.list``, ``assessments.get_assessment_progress``) and
one call of every public method of the resource groups it lists (``assessments``,
``test_assignments``, ``placement``, ``screening``, ``lesson_plans``, ``syllabus``), with the ids
the test chose (JSON on standard input; ``answers`` maps question ids to their correct choice).
The learner flow runs in the order TimeBack's own router makes it. Prints ``{"calls": {name:
{"ok", "value" | "error"}}}``; the test asserts on it call by call.
"""

from __future__ import annotations

import asyncio
from typing import Any

# both resolve in the clients' own venv only (tests.support.official_clients runs this file)
from record import Recorder, read_plan  # type: ignore[import-not-found]
from timeback_powerpath import PowerPathClient  # type: ignore[import-not-found]


async def drive(p: dict[str, Any], rec: Recorder) -> None:
    async with PowerPathClient(
        base_url=p["base_url"],
        auth_url=p["auth_url"],
        client_id=p["client_id"],
        client_secret=p["client_secret"],
    ) as client:
        await quiz_flow(client, p, rec)
        await adaptive_flow(client, p, rec)
        await tests(client, p, rec)
        await placement(client, p, rec)
        await screening(client, p, rec)
        await lesson_plans(client, p, rec)
        await test_assignments(client, p, rec)


async def quiz_flow(c: PowerPathClient, p: dict[str, Any], rec: Recorder) -> None:
    a = c.assessments
    who = {"student": p["student"], "lesson": p["quiz"]}
    progress = await rec.acall("get_assessment_progress", lambda: a.get_assessment_progress(who))
    await rec.acall("create_new_attempt", lambda: a.create_new_attempt(who))
    for question in progress.questions if progress is not None else []:
        answer = p["answers"][question.id]
        await rec.acall(
            "update_student_question_response(quiz)",
            lambda q=question.id, r=answer: a.update_student_question_response(
                {**who, "question": q, "responses": r}
            ),
        )
    await rec.acall(
        "final_student_assessment_response", lambda: a.final_student_assessment_response(who)
    )
    await rec.acall("get_attempts", lambda: a.get_attempts(who))
    await rec.acall(
        "get_assessment_progress(attempt 1)",
        lambda: a.get_assessment_progress({**who, "attempt": 1}),
    )


async def adaptive_flow(c: PowerPathClient, p: dict[str, Any], rec: Recorder) -> None:
    a = c.assessments
    who = {"student": p["student"], "lesson": p["adaptive"]}
    served = await rec.acall("get_next_question", lambda: a.get_next_question(who))
    if served is not None:
        await rec.acall(
            "update_student_question_response(powerpath-100)",
            lambda: a.update_student_question_response(
                {**who, "question": served.question.id,
                 "responses": p["answers"][served.question.id]}
            ),
        )  # fmt: skip
    await rec.acall(
        "get_assessment_progress(powerpath-100)", lambda: a.get_assessment_progress(who)
    )
    await rec.acall("reset_attempt", lambda: a.reset_attempt(who))


async def tests(c: PowerPathClient, p: dict[str, Any], rec: Recorder) -> None:
    a = c.assessments
    await rec.acall(
        "test_out", lambda: a.test_out({"student": p["student"], "course": p["course"]})
    )
    created = await rec.acall(
        "create_external_test_out",
        lambda: a.create_external_test_out(
            {"courseId": p["course"], "toolProvider": "edulastic", "grades": [5], "xp": 100}
        ),
    )
    await rec.acall(
        "create_external_placement_test",
        lambda: a.create_external_placement_test(
            {"courseId": p["course"], "toolProvider": "mastery-track", "grades": [4, 5]}
        ),
    )
    await rec.acall(
        "create_internal_test",
        lambda: a.create_internal_test(
            {"courseId": p["course"], "lessonType": "quiz", "testType": "qti",
             "qti": {"url": "https://qti.example.com/tests/t-1"}}
        ),
    )  # fmt: skip
    if created is not None:
        who = {"student": p["student"], "lesson": created.lesson_id}
        await rec.acall(
            "make_external_test_assignment", lambda: a.make_external_test_assignment(who)
        )
        await rec.acall(
            "import_external_test_assignment_results",
            lambda: a.import_external_test_assignment_results(who),
        )


async def placement(c: PowerPathClient, p: dict[str, Any], rec: Recorder) -> None:
    pl = c.placement
    who = {"student": p["student"], "subject": "Math"}
    await rec.acall("get_all_placement_tests", lambda: pl.get_all_placement_tests(who))
    await rec.acall("get_current_level", lambda: pl.get_current_level(who))
    await rec.acall("get_next_placement_test", lambda: pl.get_next_placement_test(who))
    await rec.acall("get_subject_progress", lambda: pl.get_subject_progress(who))
    await rec.acall("get_placement", lambda: pl.get_placement(p["student"]))
    await rec.acall("reset_user_placement", lambda: pl.reset_user_placement(who))


async def screening(c: PowerPathClient, p: dict[str, Any], rec: Recorder) -> None:
    s = c.screening
    await rec.acall("screening.get_results", lambda: s.get_results(p["student"]))
    await rec.acall("screening.get_session", lambda: s.get_session(p["student"]))
    await rec.acall("screening.reset_session", lambda: s.reset_session({"userId": p["student"]}))
    await rec.acall(
        "screening.assign_test",
        lambda: s.assign_test({"userId": p["student"], "subject": "Math"}),
    )


async def lesson_plans(c: PowerPathClient, p: dict[str, Any], rec: Recorder) -> None:
    lp = c.lesson_plans
    created = await rec.acall(
        "lesson_plans.create",
        lambda: lp.create({"courseId": p["course"], "userId": p["student"]}),
    )
    await rec.acall("lesson_plans.get", lambda: lp.get(p["course"], p["student"]))
    plan = created.lesson_plan_id if created is not None else "missing"
    await rec.acall("lesson_plans.get_tree", lambda: lp.get_tree(plan))
    await rec.acall("lesson_plans.get_structure", lambda: lp.get_structure(plan))
    await rec.acall(
        "lesson_plans.create_operations",
        lambda: lp.create_operations(
            plan,
            {"operation": {"type": "set-skipped",
                           "payload": {"target": {"type": "resource", "id": p["quiz"]},
                                       "value": True}},
             "reason": "known already"},
        ),
    )  # fmt: skip
    await rec.acall("lesson_plans.list_operations", lambda: lp.list_operations(plan))
    await rec.acall("lesson_plans.sync", lambda: lp.sync(plan))
    await rec.acall("lesson_plans.recreate", lambda: lp.recreate(plan))
    await rec.acall("lesson_plans.sync_course", lambda: lp.sync_course(p["course"]))
    await rec.acall(
        "lesson_plans.update_student_item_response",
        lambda: lp.update_student_item_response(
            {"studentId": p["student"], "componentResourceId": p["article"],
             "result": {"status": "active", "score": 90, "scoreDate": "2024-10-01T10:00:00Z",
                        "scoreStatus": "fully graded"}}
        ),
    )  # fmt: skip
    await rec.acall(
        "lesson_plans.get_course_progress",
        lambda: lp.get_course_progress(p["course"], p["student"]),
    )
    await rec.acall("syllabus.get", lambda: c.syllabus.get(p["course"]))
    await rec.acall("lesson_plans.delete_all", lambda: lp.delete_all(p["course"]))


async def test_assignments(c: PowerPathClient, p: dict[str, Any], rec: Recorder) -> None:
    ta = c.test_assignments
    created = await rec.acall(
        "test_assignments.create",
        lambda: ta.create({"student": p["student"], "subject": "Math", "grade": 5}),
    )
    await rec.acall("test_assignments.list", lambda: ta.list({"student": p["student"]}))
    assignment = created.assignment_id if created is not None else "missing"
    await rec.acall("test_assignments.get", lambda: ta.get(assignment))
    await rec.acall(
        "test_assignments.update", lambda: ta.update(assignment, {"testName": "Math check"})
    )
    await rec.acall("test_assignments.admin", lambda: ta.admin())
    await rec.acall(
        "test_assignments.bulk",
        lambda: ta.bulk({"items": [{"student": p["student"], "subject": "Reading", "grade": 4}]}),
    )
    await rec.acall("test_assignments.delete", lambda: ta.delete(assignment))


def main() -> None:
    rec = Recorder()
    asyncio.run(drive(read_plan(), rec))
    rec.emit()


if __name__ == "__main__":
    main()
