"""The resources routes over HTTP against the sandbox TimeBack simulator, on both databases: the
admins' catalogue, and resources read through a class, a course or a person by whoever may see
them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.settings import Settings
from tests.api.test_gradebook import Sandbox, held, open_sandbox, taught_class


@pytest.fixture
async def sandbox(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Sandbox]:
    async with open_sandbox(settings, demo) as opened:
        yield opened


async def make_resource(http: httpx.AsyncClient, admin: dict[str, str], title: str) -> str:
    response = await http.post(
        "/v1/resources",
        json={"resource": {"title": title, "vendorResourceId": f"v-{title}"}},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["resource"]["sourcedId"])


async def test_the_catalogue_is_for_admins(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    admin = s.headers["admin"]
    made = await make_resource(http, admin, "video")
    renamed = await http.put(
        f"/v1/resources/{made}", json={"resource": {"title": "Fractions"}}, headers=admin
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["resource"]["title"] == "Fractions"
    assert renamed.json()["resource"]["vendorResourceId"] == "v-video"
    listed = await http.get("/v1/resources", params={"filter": "title~'fract'"}, headers=admin)
    assert [r["sourcedId"] for r in listed.json()["resources"]] == [made]
    assert listed.headers["X-Total-Count"] == "1"
    for role in ("staff", "teacher", "student", "guardian"):
        assert (await http.get(f"/v1/resources/{made}", headers=s.headers[role])).status_code == 403
    assert (await http.delete(f"/v1/resources/{made}", headers=admin)).status_code == 204
    gone = await http.get(f"/v1/resources/{made}", headers=admin)
    assert gone.json()["resource"]["status"] == "tobedeleted"
    missing = await http.put("/v1/resources/nope", json={"resource": {"title": "x"}}, headers=admin)
    assert missing.status_code == 404


async def test_a_class_course_and_person_see_their_resources(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    admin = s.headers["admin"]
    class_id = taught_class(s)
    klass = held(s.sim.state.classes, class_id)
    course_id = klass["course"]["sourcedId"]
    of_class = await make_resource(http, admin, "worksheet")
    of_course = await make_resource(http, admin, "textbook")
    # TimeBack links resources from the class and course records (a roster write, not ours)
    s.sim.state.classes.put({**klass, "resources": [{"sourcedId": of_class}]})
    course = held(s.sim.state.courses, course_id)
    s.sim.state.courses.put({**course, "resources": [{"sourcedId": of_course}]})
    teacher = s.headers["teacher"]

    seen = await http.get(f"/v1/resources/classes/{class_id}/resources", headers=teacher)
    assert seen.status_code == 200, seen.text
    assert {r["sourcedId"] for r in seen.json()["resources"]} == {of_class, of_course}
    by_course = await http.get(f"/v1/resources/courses/{course_id}/resources", headers=teacher)
    assert by_course.status_code == 200, by_course.text
    assert [r["sourcedId"] for r in by_course.json()["resources"]] == [of_course]

    student = next(e.person for e in s.population.enrollments if e.klass == class_id)
    mine = await http.get(f"/v1/resources/users/{student}/resources", headers=teacher)
    assert mine.status_code == 200, mine.text
    assert {of_class, of_course} <= {r["sourcedId"] for r in mine.json()["resources"]}

    foreign = min(c.key for c in s.population.classes if c.key not in _classes_of_teacher(s))
    refused = await http.get(f"/v1/resources/classes/{foreign}/resources", headers=teacher)
    assert refused.status_code == 403
    bad = await http.get(
        f"/v1/resources/classes/{class_id}/resources", params={"filter": "("}, headers=teacher
    )
    assert bad.status_code == 422


def _classes_of_teacher(s: Sandbox) -> set[str]:
    teacher = s.demo["teacher"].person_sourced_id
    return {c.key for c in s.population.classes if c.teacher == teacher}
