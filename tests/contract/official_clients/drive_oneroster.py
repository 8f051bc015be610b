"""Runs the documented calls of ``timeback-oneroster`` (async) against a TimeBack endpoint.

Each call is one from the package's README or a docstring ``Example`` block, with the ids the
test chose (read as JSON from standard input). Write inputs follow the documented example,
completed where the client's own validation requires more than the example shows. Prints
``{"calls": {name: {"ok", "value" | "error"}}}``; the test asserts on it call by call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

# both resolve in the clients' own venv only (tests.support.official_clients runs this file)
from record import Recorder, read_plan  # type: ignore[import-not-found]
from timeback_oneroster import NotFoundError, OneRosterClient  # type: ignore[import-not-found]


def ref(sourced_id: str) -> dict[str, str]:
    return {"sourcedId": sourced_id}


async def raised(call: Awaitable[object], expected: type[Exception]) -> str:
    """The name of the documented exception the call raised (anything else propagates)."""
    try:
        await call
    except expected as exc:
        return type(exc).__name__
    return "no error"


async def drive(plan: dict[str, Any], rec: Recorder) -> None:
    async with OneRosterClient(
        base_url=plan["base_url"],
        auth_url=plan["auth_url"],
        client_id=plan["client_id"],
        client_secret=plan["client_secret"],
    ) as client:
        await reads(client, plan, rec)
        await streams(client, plan, rec)
        await scoped(client, plan, rec)
        await rostering_writes(client, plan, rec)
        await gradebook(client, plan, rec)
        await resources(client, plan, rec)


async def reads(c: OneRosterClient, p: dict[str, Any], rec: Recorder) -> None:
    # README: Quick Start, Resource Operations, Filtering
    await rec.acall("check_auth", lambda: c.check_auth())
    await rec.acall("schools.list", lambda: c.schools.list())
    await rec.acall("users.get", lambda: c.users.get(p["student"]))
    await rec.acall("users.list", lambda: c.users.list())
    await rec.acall(
        "users.list(where status+role)",
        lambda: c.users.list(where={"status": "active", "role": "teacher"}),
    )
    await rec.acall(
        "users.list(where role in_)",
        lambda: c.users.list(where={"role": {"in_": ["teacher", "aide"]}}),
    )
    await rec.acall(
        "users.list(where status ne)", lambda: c.users.list(where={"status": {"ne": "deleted"}})
    )
    await rec.acall(
        "users.list(where status not_in)",
        lambda: c.users.list(where={"status": {"not_in": ["deleted", "inactive"]}}),
    )
    await rec.acall(
        "users.list(where email contains)",
        lambda: c.users.list(where={"email": {"contains": p["email_domain"]}}),
    )
    await rec.acall(
        "users.list(where OR)",
        lambda: c.users.list(where={"OR": [{"role": "teacher"}, {"role": "administrator"}]}),
    )
    await rec.acall(
        "users.list(sort familyName asc)",
        lambda: c.users.list(where={"status": "active"}, sort="familyName", order_by="asc"),
    )
    await rec.acall(
        "users.list(fields)",
        lambda: c.users.list(fields=["sourcedId", "givenName", "familyName"]),
    )
    await rec.acall("users.list(limit 5)", lambda: c.users.list(limit=5))
    await rec.acall("users.list(search)", lambda: c.users.list(search=p["family_name"]))
    await rec.acall("users.first(where email)", lambda: c.users.first(where={"email": p["email"]}))
    await rec.acall("users.exists(missing)", lambda: c.users.exists("no-such-user"))

    await rec.acall(
        "users.get(invalid-id) raises NotFoundError",
        lambda: raised(c.users.get("invalid-id"), NotFoundError),
    )
    await rec.acall("students.list", lambda: c.students.list())
    await rec.acall("students.get", lambda: c.students.get(p["student"]))
    await rec.acall("teachers.list", lambda: c.teachers.list())
    await rec.acall("teachers.get", lambda: c.teachers.get(p["teacher"]))
    await rec.acall("schools.get", lambda: c.schools.get(p["school"]))
    await rec.acall("classes.list", lambda: c.classes.list())
    await rec.acall("classes.get", lambda: c.classes.get(p["class"]))
    await rec.acall("courses.list", lambda: c.courses.list())
    await rec.acall("courses.get", lambda: c.courses.get(p["course"]))
    await rec.acall("enrollments.list", lambda: c.enrollments.list())
    await rec.acall(
        "enrollments.list(where class.sourcedId)",
        lambda: c.enrollments.list(where={"class.sourcedId": p["class"]}),
    )
    await rec.acall("orgs.list", lambda: c.orgs.list())
    await rec.acall("orgs.list(where type school)", lambda: c.orgs.list(where={"type": "school"}))
    await rec.acall("orgs.get", lambda: c.orgs.get(p["district"]))
    await rec.acall("academic_sessions.list", lambda: c.academic_sessions.list())
    await rec.acall(
        "academic_sessions.list(where type term)",
        lambda: c.academic_sessions.list(where={"type": "term"}),
    )
    await rec.acall(
        "academic_sessions.list(where schoolYear gte)",
        lambda: c.academic_sessions.list(where={"schoolYear": {"gte": 2025}}),
    )
    await rec.acall("academic_sessions.get", lambda: c.academic_sessions.get(p["school_year"]))
    await rec.acall("terms.list", lambda: c.terms.list())
    await rec.acall("terms.get", lambda: c.terms.get(p["term"]))
    await rec.acall("grading_periods.list", lambda: c.grading_periods.list())
    await rec.acall("grading_periods.get", lambda: c.grading_periods.get(p["grading_period"]))
    await rec.acall("demographics.list", lambda: c.demographics.list())
    await rec.acall("demographics.get", lambda: c.demographics.get(p["student"]))
    await rec.acall("demographics(id).get", lambda: c.demographics(p["student"]).get())


async def streams(c: OneRosterClient, p: dict[str, Any], rec: Recorder) -> None:
    # README: Pagination; client docstring: async for over stream()
    await rec.acall("users.stream().to_list()", lambda: c.users.stream(limit=7).to_list())
    await rec.acall(
        "users.stream(max_items).to_list()", lambda: c.users.stream(max_items=10).to_list()
    )
    await rec.acall(
        "users.stream(where).to_list()",
        lambda: c.users.stream(where={"status": "active"}, limit=9).to_list(),
    )
    await rec.acall("users.stream().first()", lambda: c.users.stream().first())
    await rec.acall(
        "users.list_all(where role in_)",
        lambda: c.users.list_all(where={"role": {"in_": ["teacher", "aide"]}}, limit=4),
    )

    async def iterate() -> list[str]:
        return [u.sourced_id async for u in c.users.stream(limit=11)]

    await rec.acall("async for users.stream()", iterate)


async def scoped(c: OneRosterClient, p: dict[str, Any], rec: Recorder) -> None:
    # README: Nested Resources; client docstring: Scoped operations / Nested scopes
    school, klass = c.schools(p["school"]), c.classes(p["class"])
    await rec.acall("schools(id).classes()", lambda: school.classes())
    await rec.acall("schools(id).students()", lambda: school.students())
    await rec.acall("schools(id).teachers()", lambda: school.teachers())
    await rec.acall("schools(id).courses()", lambda: school.courses())
    await rec.acall("schools(id).enrollments()", lambda: school.enrollments())
    await rec.acall("schools(id).terms()", lambda: school.terms())
    await rec.acall(
        "schools(id).class_(id).students()", lambda: school.class_(p["class"]).students()
    )
    await rec.acall(
        "schools(id).class_(id).teachers()", lambda: school.class_(p["class"]).teachers()
    )
    await rec.acall(
        "schools(id).class_(id).enrollments()", lambda: school.class_(p["class"]).enrollments()
    )
    await rec.acall("classes(id).get()", lambda: klass.get())
    await rec.acall("classes(id).students()", lambda: klass.students())
    await rec.acall(
        "classes(id).students(where role)", lambda: klass.students(where={"role": "student"})
    )
    await rec.acall("classes(id).teachers()", lambda: klass.teachers())
    await rec.acall("classes(id).enrollments()", lambda: klass.enrollments())
    await rec.acall("users(id).classes()", lambda: c.users(p["student"]).classes())
    await rec.acall("users(id).demographics()", lambda: c.users(p["student"]).demographics())
    await rec.acall("users(id).agents()", lambda: c.users(p["child"]).agents())
    await rec.acall("users(id).agent_for()", lambda: c.users(p["guardian"]).agent_for())
    await rec.acall("students(id).classes()", lambda: c.students(p["student"]).classes())
    await rec.acall("teachers(id).classes()", lambda: c.teachers(p["teacher"]).classes())
    await rec.acall("terms(id).classes()", lambda: c.terms(p["term"]).classes())
    await rec.acall("terms(id).grading_periods()", lambda: c.terms(p["term"]).grading_periods())
    await rec.acall("courses(id).classes()", lambda: c.courses(p["course"]).classes())
    await rec.acall("courses(id).components()", lambda: c.courses(p["course"]).components())
    await rec.acall("courses.components()", lambda: c.courses.components())
    await rec.acall("courses.get_component", lambda: c.courses.get_component(p["unit"]))
    await rec.acall("courses.component_resources()", lambda: c.courses.component_resources())
    await rec.acall(
        "courses.component_resources(where courseComponent.sourcedId)",
        lambda: c.courses.component_resources(where={"courseComponent.sourcedId": p["unit"]}),
    )
    await rec.acall(
        "courses.get_component_resource", lambda: c.courses.get_component_resource(p["lesson"])
    )


async def rostering_writes(c: OneRosterClient, p: dict[str, Any], rec: Recorder) -> None:
    school, term, course = ref(p["school"]), ref(p["term"]), ref(p["course"])
    # README "Resource Operations": its class example as written
    await rec.acall(
        "classes.create (README example as written)",
        lambda: c.classes.create(
            {"title": "Math 101", "course": course, "school": school}  # no terms, no org
        ),
    )
    await rec.acall(
        "classes.create",
        lambda: c.classes.create(
            {
                "sourcedId": "oc-class-1",
                "title": "Math 101",
                "course": course,
                "org": school,
                "terms": [term],
            }
        ),
    )
    await rec.acall("classes.update", lambda: c.classes.update("oc-class-1", {"title": "Math 102"}))
    await rec.acall("classes.get (after update)", lambda: c.classes.get("oc-class-1"))
    await rec.acall(
        "classes(id).enroll",
        lambda: c.classes("oc-class-1").enroll({"sourcedId": p["student"], "role": "student"}),
    )
    await rec.acall(
        "classes(id).enroll_user(teacher)",
        lambda: c.classes("oc-class-1").enroll_user(p["teacher"], role="teacher"),
    )
    await rec.acall(
        "classes(id).students() (after enroll)", lambda: c.classes("oc-class-1").students()
    )
    await rec.acall("classes.delete", lambda: c.classes.delete("oc-class-1"))
    await rec.acall(
        "users.create",
        lambda: c.users.create(
            {
                "sourcedId": "oc-user-1",
                "enabledUser": True,
                "givenName": "Chris",
                "familyName": "O'Brien",
                "email": "chris.obrien@example.com",
                "roles": [{"roleType": "primary", "role": "student", "org": school}],
            }
        ),
    )
    await rec.acall(
        "users.list(where familyName with a quote)",
        lambda: c.users.list(where={"familyName": "O'Brien"}),
    )
    await rec.acall(
        "users(id).add_agent",
        lambda: c.users("oc-user-1").add_agent({"agentSourcedId": p["guardian"]}),
    )
    await rec.acall("users(id).agents() (after add)", lambda: c.users("oc-user-1").agents())
    await rec.acall(
        "users(id).remove_agent", lambda: c.users("oc-user-1").remove_agent(p["guardian"])
    )
    await rec.acall("users.delete", lambda: c.users.delete("oc-user-1"))
    await rec.acall(
        "enrollments.create",
        lambda: c.enrollments.create(
            {
                "sourcedId": "oc-enrollment-1",
                "user": ref(p["teacher"]),
                "class": ref(p["class"]),
                "role": "teacher",
            }
        ),
    )
    await rec.acall("enrollments.get", lambda: c.enrollments.get("oc-enrollment-1"))
    await rec.acall("enrollments(id).delete", lambda: c.enrollments("oc-enrollment-1").delete())
    await rec.acall(
        "terms(id).create_grading_period",
        lambda: c.terms(p["term"]).create_grading_period(
            {
                "sourcedId": "oc-gp-1",
                "status": "active",
                "title": "Q9",
                "startDate": "2024-09-01",
                "endDate": "2024-10-31",
                "type": "gradingPeriod",
                "schoolYear": "2025",
                "org": ref(p["district"]),
                "parent": term,
            }
        ),
    )
    await rec.acall(
        "courses.create_component",
        lambda: c.courses.create_component(
            {
                "sourcedId": "oc-unit-1",
                "status": "active",
                "title": "Unit 9",
                "course": course,
                "sortOrder": 9,
            }
        ),
    )
    await rec.acall(
        "courses.create_component_resource",
        lambda: c.courses.create_component_resource(
            {
                "sourcedId": "oc-lesson-1",
                "status": "active",
                "title": "Lesson 9.1",
                "courseComponent": ref("oc-unit-1"),
                "resource": ref("oc-resource-1"),
                "sortOrder": 1,
            }
        ),
    )


async def gradebook(c: OneRosterClient, p: dict[str, Any], rec: Recorder) -> None:
    klass, school, student = ref(p["class"]), ref(p["school"]), ref(p["student"])
    await rec.acall(
        "categories.create",
        lambda: c.categories.create(
            {"sourcedId": "oc-cat-1", "title": "Homework", "status": "active"}
        ),
    )
    await rec.acall("categories.get", lambda: c.categories.get("oc-cat-1"))
    await rec.acall("categories.list", lambda: c.categories.list())
    await rec.acall(
        "score_scales.create",
        lambda: c.score_scales.create(
            {
                "sourcedId": "oc-scale-1",
                "title": "Letter Grades",
                "status": "active",
                "type": "letter",
                "class": klass,
                "scoreScaleValue": [
                    {"itemValueLHS": "A", "itemValueRHS": "90", "description": "90-100%"},
                    {"itemValueLHS": "F", "itemValueRHS": "0", "description": "Below 60%"},
                ],
            }
        ),
    )
    await rec.acall("score_scales.get", lambda: c.score_scales.get("oc-scale-1"))
    await rec.acall("score_scales.list", lambda: c.score_scales.list())
    line_item = {
        "sourcedId": "oc-li-1",
        "title": "Chapter 1 Quiz",
        "class": klass,
        "school": school,
        "category": ref("oc-cat-1"),
        "assignDate": "2024-01-15",
        "dueDate": "2024-01-22",
        "resultValueMin": 0,
        "resultValueMax": 100,
        "status": "active",
    }
    await rec.acall("line_items.create", lambda: c.line_items.create(line_item))
    await rec.acall("line_items.get", lambda: c.line_items.get("oc-li-1"))
    await rec.acall("line_items.list", lambda: c.line_items.list())
    await rec.acall(
        "line_items.list(where class.sourcedId)",
        lambda: c.line_items.list(where={"class.sourcedId": p["class"]}),
    )
    await rec.acall(
        "line_items.update",
        lambda: c.line_items.update("oc-li-1", {**line_item, "title": "Chapter 1 Quiz (v2)"}),
    )
    await rec.acall(
        "line_items.update(missing) raises NotFoundError",
        lambda: raised(c.line_items.update("oc-li-missing", line_item), NotFoundError),
    )
    await rec.acall(
        "line_items.upsert(new)",
        lambda: c.line_items.upsert("oc-li-2", {**line_item, "sourcedId": "oc-li-2"}),
    )
    await rec.acall(
        "classes(id).create_line_item",
        lambda: c.classes(p["class"]).create_line_item({**line_item, "sourcedId": "oc-li-3"}),
    )
    await rec.acall("classes(id).line_items()", lambda: c.classes(p["class"]).line_items())
    await rec.acall(
        "schools(id).create_line_item",
        lambda: c.schools(p["school"]).create_line_item({**line_item, "sourcedId": "oc-li-4"}),
    )
    await rec.acall("schools(id).line_items()", lambda: c.schools(p["school"]).line_items())
    result = {
        "sourcedId": "oc-result-1",
        "lineItem": ref("oc-li-1"),
        "student": student,
        "score": 85.5,
        "scoreStatus": "fully graded",
        "scoreDate": "2024-01-22",
        "status": "active",
    }
    await rec.acall("results.create", lambda: c.results.create(result))
    await rec.acall("results.get", lambda: c.results.get("oc-result-1"))
    await rec.acall(
        "results.list(where student.sourcedId)",
        lambda: c.results.list(where={"student.sourcedId": p["student"]}),
    )
    await rec.acall(
        "results.list(where lineItem.sourcedId)",
        lambda: c.results.list(where={"lineItem.sourcedId": "oc-li-1"}),
    )
    await rec.acall(
        "line_items(id).create_results",
        lambda: c.line_items("oc-li-2").create_results(
            [{**result, "sourcedId": "oc-result-2", "lineItem": ref("oc-li-2"), "score": 70}]
        ),
    )
    await rec.acall("line_items(id).results()", lambda: c.line_items("oc-li-2").results())
    await rec.acall(
        "classes(id).academic_session(id).create_result",
        lambda: (
            c.classes(p["class"])
            .academic_session(p["term"])
            .create_result({**result, "sourcedId": "oc-result-3", "lineItem": ref("oc-li-3")})
        ),
    )
    await rec.acall("classes(id).results()", lambda: c.classes(p["class"]).results())
    await rec.acall(
        "classes(id).student(id).results()",
        lambda: c.classes(p["class"]).student(p["student"]).results(),
    )
    await rec.acall(
        "classes(id).line_item(id).results()",
        lambda: c.classes(p["class"]).line_item("oc-li-1").results(),
    )
    await rec.acall("classes(id).categories()", lambda: c.classes(p["class"]).categories())
    await rec.acall("classes(id).score_scales()", lambda: c.classes(p["class"]).score_scales())
    await rec.acall("results(id).delete", lambda: c.results("oc-result-3").delete())
    await rec.acall(
        "assessment_line_items.create",
        lambda: c.assessment_line_items.create(
            {
                "sourcedId": "oc-ali-1",
                "title": "Final Exam",
                "class": klass,
                "resultValueMin": 0,
                "resultValueMax": 100,
                "status": "active",
            }
        ),
    )
    await rec.acall(
        "assessment_line_items.patch",
        lambda: c.assessment_line_items.patch("oc-ali-1", {"title": "Updated Title"}),
    )
    await rec.acall("assessment_line_items.get", lambda: c.assessment_line_items.get("oc-ali-1"))
    await rec.acall("assessment_line_items.list", lambda: c.assessment_line_items.list())
    await rec.acall(
        "assessment_results.create",
        lambda: c.assessment_results.create(
            {
                "sourcedId": "oc-ar-1",
                "assessmentLineItem": ref("oc-ali-1"),
                "student": student,
                "score": 85.5,
                "scoreStatus": "fully graded",
                "scoreDate": "2024-01-22",
                "status": "active",
            }
        ),
    )
    await rec.acall(
        "assessment_results.list(where student.sourcedId)",
        lambda: c.assessment_results.list(where={"student.sourcedId": p["student"]}),
    )
    await rec.acall(
        "assessment_results.patch", lambda: c.assessment_results.patch("oc-ar-1", {"score": 90.0})
    )
    await rec.acall("assessment_results.get", lambda: c.assessment_results.get("oc-ar-1"))


async def resources(c: OneRosterClient, p: dict[str, Any], rec: Recorder) -> None:
    await rec.acall(
        "resources.create",
        lambda: c.resources.create(
            {
                "sourcedId": "oc-resource-1",
                "title": "Algebra Lesson 1",
                "vendorResourceId": "ext-123",
                "importance": "primary",
            }
        ),
    )
    await rec.acall("resources.get", lambda: c.resources.get("oc-resource-1"))
    await rec.acall("resources.list", lambda: c.resources.list())
    await rec.acall("resources.export", lambda: c.resources.export("oc-resource-1"))
    await rec.acall("resources(id).export()", lambda: c.resources("oc-resource-1").export())
    await rec.acall("classes(id).resources()", lambda: c.classes(p["class"]).resources())
    await rec.acall("courses(id).resources()", lambda: c.courses(p["course"]).resources())
    await rec.acall("users(id).resources()", lambda: c.users(p["student"]).resources())


def main() -> None:
    rec = Recorder()
    asyncio.run(drive(read_plan(), rec))
    rec.emit()


if __name__ == "__main__":
    main()
