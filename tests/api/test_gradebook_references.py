"""Gradebook writes and what they refer to (decision D38): a create carries every field TimeBack
requires; every reference is within the caller's reach (else 403), exists (else 422 naming it) and
fits with the others (else 422 naming it); nothing refused reaches TimeBack.

Who reaches what is worked out here from the demo population, not by asking the policy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.settings import Settings
from tests.api.test_gradebook import (
    SCORE_DATE,
    Sandbox,
    create_line_item,
    line_item_body,
    new_score_scale,
    open_sandbox,
    put_result,
    result_body,
    students_of,
    taught_class,
)


@pytest.fixture
async def sandbox(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Sandbox]:
    async with open_sandbox(settings, demo) as opened:
        yield opened


def school_of(s: Sandbox, class_id: str) -> str:
    return next(c.school for c in s.population.classes if c.key == class_id)


def course_of(s: Sandbox, class_id: str) -> str:
    return next(c.course for c in s.population.classes if c.key == class_id)


def staff_school(s: Sandbox) -> str:
    staff = s.demo["staff"].person_sourced_id
    return next(p.org for p in s.population.people if p.key == staff)


def foreign_class(s: Sandbox) -> str:
    """A class at a school neither the demo teacher nor the demo staff member works at."""
    mine = {school_of(s, taught_class(s)), staff_school(s)}
    return min(c.key for c in s.population.classes if c.school not in mine)


def stranger(s: Sandbox, class_id: str) -> str:
    """A student of another school, not enrolled in ``class_id``."""
    school = school_of(s, class_id)
    enrolled = set(students_of(s.population, class_id))
    return min(
        p.key
        for p in s.population.with_role("student")
        if p.org != school and p.org != staff_school(s) and p.key not in enrolled
    )


def refused(response: httpx.Response, status: int, *field: str) -> None:
    """A problem+json refusal; a 422 names the offending field(s) in ``errors``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field:
        locs = [tuple(e["loc"]) for e in response.json()["errors"]]
        assert [("body", *f.split(".")) for f in field] == locs, locs


def never_sent(s: Sandbox, sourced_id: str) -> None:
    """No write naming ``sourced_id`` reached TimeBack (reads to judge the request may have)."""
    writes = [
        e
        for method in ("PUT", "POST", "PATCH")
        for e in s.sim.log.entries(path="/ims/oneroster/gradebook", method=method)
        if e.path.endswith(f"/{sourced_id}")
    ]
    assert writes == []


async def test_a_teacher_cannot_grade_into_another_schools_class(sandbox: Sandbox) -> None:
    """The finding: own class in the body, another school's line item and student -> 200."""
    s, http = sandbox, sandbox.http
    own, foreign = taught_class(s), foreign_class(s)
    theirs = await create_line_item(http, s.headers["admin"], foreign)
    outsider = stranger(s, own)
    body = {**result_body(theirs, outsider), "class": {"sourcedId": own}}
    response = await http.put(
        "/v1/gradebook/results/r-smuggled", json={"result": body}, headers=s.headers["teacher"]
    )
    refused(response, 403)
    never_sent(s, "r-smuggled")
    # each reference alone is refused too: the other school's line item, student, score scale
    mine = await create_line_item(http, s.headers["teacher"], own)
    pupil = students_of(s.population, own)[0]
    their_scale = await new_score_scale(http, s.headers["admin"], foreign)
    for result in (
        result_body(theirs, pupil),
        result_body(mine, outsider),
        {**result_body(mine, pupil), "scoreScale": {"sourcedId": their_scale}},
    ):
        response = await http.put(
            "/v1/gradebook/results/r-one", json={"result": result}, headers=s.headers["teacher"]
        )
        refused(response, 403)
    never_sent(s, "r-one")
    # ...and an existing result of theirs cannot be moved onto another school's line item
    graded = await put_result(http, s.headers["teacher"], mine, pupil)
    moved = await http.put(
        f"/v1/gradebook/results/{graded}",
        json={"result": {"lineItem": {"sourcedId": theirs}}},
        headers=s.headers["teacher"],
    )
    refused(moved, 403)
    held = s.sim.state.gradebook["results"].get(graded)
    assert held is not None
    assert held["lineItem"]["sourcedId"] == mine


async def test_a_results_references_must_fit_together(sandbox: Sandbox) -> None:
    """What the caller may reach but does not belong together is a 422 naming the field."""
    s, http = sandbox, sandbox.http
    admin = s.headers["admin"]
    own, other = taught_class(s), foreign_class(s)
    item = await create_line_item(http, admin, own)
    pupil = students_of(s.population, own)[0]
    scale = await new_score_scale(http, admin, other)
    cases = [
        ({**result_body(item, pupil), "class": {"sourcedId": other}}, "result.class"),
        (result_body(item, stranger(s, own)), "result.student"),
        (
            {**result_body(item, pupil), "scoreScale": {"sourcedId": scale}},
            "result.scoreScale",
        ),
    ]
    for body, field in cases:
        response = await http.put(
            "/v1/gradebook/results/r-misfit", json={"result": body}, headers=admin
        )
        refused(response, 422, field)
    never_sent(s, "r-misfit")
    # staff reach every student of their school, but grade one only in a class they take
    school = staff_school(s)
    klass = min(c.key for c in s.population.classes if c.school == school)
    enrolled = set(students_of(s.population, klass))
    colleague_student = min(
        p.key
        for p in s.population.with_role("student")
        if p.org == school and p.key not in enrolled
    )
    staff_item = await create_line_item(http, s.headers["staff"], klass)
    response = await http.put(
        "/v1/gradebook/results/r-unenrolled",
        json={"result": result_body(staff_item, colleague_student)},
        headers=s.headers["staff"],
    )
    refused(response, 422, "result.student")


async def test_who_may_grade_nothing_is_refused_before_the_body_is_judged(
    sandbox: Sandbox,
) -> None:
    """A learner or guardian writes no gradebook object at all: a 403 whatever the body lacks or
    names, not a 422 that judges a body they could never send (schemathesis found the order)."""
    s, http = sandbox, sandbox.http
    for role in ("student", "guardian"):
        headers = s.headers[role]
        for kind, body in (
            ("line-items", {"lineItem": {"title": "Only a title"}}),
            ("results", {"result": {"score": 3}}),
            ("categories", {"category": {"weight": 1}}),
        ):
            answer = await http.put(f"/v1/gradebook/{kind}/nope", json=body, headers=headers)
            refused(answer, 403)
        made = await http.post(
            f"/v1/gradebook/classes/{taught_class(s)}/line-items",
            json={
                "lineItem": {
                    "title": "Quiz",
                    "assignDate": "2026-01-05T00:00:00Z",
                    "dueDate": "2026-01-12T00:00:00Z",
                    "category": {"sourcedId": "cat-homework"},
                }
            },
            headers=headers,
        )
        refused(made, 403)
    never_sent(s, "nope")


async def test_a_put_that_creates_validates_like_a_post(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    admin = s.headers["admin"]
    titled = await http.put(
        "/v1/gradebook/line-items/nope", json={"lineItem": {"title": "Only a title"}}, headers=admin
    )
    refused(
        titled,
        422,
        "lineItem.assignDate",
        "lineItem.dueDate",
        "lineItem.class",
        "lineItem.category",
    )
    bare = await http.put(
        "/v1/gradebook/results/nope", json={"result": {"score": 3}}, headers=admin
    )
    refused(
        bare, 422, "result.lineItem", "result.student", "result.scoreStatus", "result.scoreDate"
    )
    never_sent(s, "nope")
    # references to nothing: the admin reaches every record, so it is the reference that is wrong
    nothing = await http.put(
        "/v1/gradebook/results/r-nope", json={"result": result_body("nope", "nope")}, headers=admin
    )
    refused(nothing, 422, "result.lineItem")
    item = await create_line_item(http, admin, taught_class(s))
    no_student = await http.put(
        "/v1/gradebook/results/r-nope", json={"result": result_body(item, "nope")}, headers=admin
    )
    refused(no_student, 422, "result.student")
    # a teacher is refused as for someone else's record, so the answer tells nothing of others'
    as_teacher = await http.put(
        "/v1/gradebook/results/r-nope",
        json={"result": result_body("nope", "nope")},
        headers=s.headers["teacher"],
    )
    refused(as_teacher, 403)
    never_sent(s, "r-nope")
    # a line item created by PUT gets its class's school, as one created under the class does
    own = taught_class(s)
    made = await http.put(
        "/v1/gradebook/line-items/li-by-put",
        json={"lineItem": {**line_item_body(), "class": {"sourcedId": own}}},
        headers=s.headers["teacher"],
    )
    assert made.status_code == 200, made.text
    held = s.sim.state.gradebook["lineItems"].get("li-by-put")
    assert held is not None
    assert held["school"]["sourcedId"] == school_of(s, own)


async def test_line_items_and_score_scales_refer_within_reach(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    teacher, admin = s.headers["teacher"], s.headers["admin"]
    own, other = taught_class(s), foreign_class(s)
    elsewhere = {"sourcedId": school_of(s, other)}
    for headers, status in ((teacher, 403), (admin, 422)):
        response = await http.post(
            f"/v1/gradebook/classes/{own}/line-items",
            json={"lineItem": {**line_item_body(), "school": elsewhere}},
            headers=headers,
        )
        refused(response, status, *(("lineItem.school",) if status == 422 else ()))
    no_category = await http.post(
        f"/v1/gradebook/classes/{own}/line-items",
        json={"lineItem": line_item_body(category="cat-nope")},
        headers=teacher,
    )
    refused(no_category, 422, "lineItem.category")
    scale = {
        "title": "Letters",
        "type": "letter",
        "scoreScaleValue": [{"itemValueLHS": "A", "itemValueRHS": "90"}],
        "course": {"sourcedId": course_of(s, other)},
    }
    if course_of(s, other) != course_of(s, own):
        for headers, status in ((teacher, 403), (admin, 422)):
            response = await http.post(
                f"/v1/gradebook/classes/{own}/score-scales",
                json={"scoreScale": scale},
                headers=headers,
            )
            refused(response, status, *(("scoreScale.course",) if status == 422 else ()))
    # an assessment result on another school's assessment line item
    ali = await http.put(
        "/v1/gradebook/assessment-line-items/ali-foreign",
        json={"assessmentLineItem": {"title": "Theirs", "class": {"sourcedId": other}}},
        headers=admin,
    )
    assert ali.status_code == 200, ali.text
    response = await http.put(
        "/v1/gradebook/assessment-results/ar-smuggled",
        json={
            "assessmentResult": {
                "assessmentLineItem": {"sourcedId": "ali-foreign"},
                "student": {"sourcedId": students_of(s.population, own)[0]},
                "scoreStatus": "submitted",
                "scoreDate": SCORE_DATE,
            }
        },
        headers=teacher,
    )
    refused(response, 403)
    never_sent(s, "ar-smuggled")
