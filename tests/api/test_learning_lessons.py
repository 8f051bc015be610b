"""``GET /v1/learning/lessons?course=``: the sandbox's demo lessons from the roster cache, over HTTP,
scoped to who reaches the course (D83). The sandbox start fills the cache, lessons included."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from api.settings import Settings
from simulators.kit.population import Population, build_population
from simulators.timeback.checks import LESSON_TYPES
from simulators.timeback.seed import LESSONS_PER_UNIT, UNITS_PER_COURSE
from tests.api.learning_lessons_matrix import taught_course
from tests.conftest import login

PASSWORD = "violet tram sings at noon"
LESSONS = "/v1/learning/lessons"


def population_of(settings: Settings) -> Population:
    sandbox = settings.sandbox
    return build_population(sandbox.seed, users=sandbox.users, classes=sandbox.classes)


async def account_for(
    client: httpx.AsyncClient, admin: dict[str, str], role: str, person: str
) -> dict[str, str]:
    email = f"{role}-{person[:8]}@example.org"
    created = await client.post(
        "/v1/accounts",
        json={"email": email, "role": role, "person_sourced_id": person, "password": PASSWORD},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    return await login(client, email, PASSWORD)


async def test_a_student_lists_their_course_s_lessons_in_course_order(
    client: httpx.AsyncClient, settings: Settings, demo: dict[str, Any]
) -> None:
    course = taught_course(population_of(settings), demo)
    student = await login(client, demo["student"].email)

    answer = await client.get(LESSONS, params={"course": course}, headers=student)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    items = body["items"]
    assert body["total"] == len(items) == UNITS_PER_COURSE * LESSONS_PER_UNIT
    assert answer.headers["X-Total-Count"] == str(body["total"])
    # the simulator seeds "Lesson <unit>.<lesson>", the lesson types in turn along the course
    assert [i["title"] for i in items] == [
        f"Lesson {u}.{n}"
        for u in range(1, UNITS_PER_COURSE + 1)
        for n in range(1, LESSONS_PER_UNIT + 1)
    ]
    assert [i["type"] for i in items] == list(LESSON_TYPES)
    keys = [(i["component"]["sort_order"], i["component"]["id"], i["sort_order"]) for i in items]
    assert keys == sorted(keys)
    first = items[0]
    assert first["course_id"] == course
    assert first["status"] == "active"
    assert first["component"]["title"].startswith("Unit 1: ")
    assert first["component"]["parent_id"] is None
    assert first["unlock_date"] is not None
    assert first["resource"]["title"] == first["title"]
    assert first["resource"]["url"].endswith(f"qti-test-{first['resource']['id']}")
    assert set(first) == {
        "id", "title", "type", "course_id", "component", "resource", "sort_order",
        "unlock_date", "status",
    }  # fmt: skip

    page = await client.get(
        LESSONS, params={"course": course, "limit": 2, "offset": 2}, headers=student
    )
    assert page.status_code == 200
    assert [i["id"] for i in page.json()["items"]] == [i["id"] for i in items[2:4]]
    assert page.json()["total"] == len(items)
    assert 'rel="next"' in page.headers["Link"]

    own = await client.get(
        LESSONS, params={"course": course, "learner": demo["student"].person_sourced_id},
        headers=student,
    )  # fmt: skip
    assert own.status_code == 200, own.text
    assert own.json() == body


async def test_who_reaches_the_course_and_who_does_not(
    client: httpx.AsyncClient,
    settings: Settings,
    demo: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    population = population_of(settings)
    course = taught_course(population, demo)
    student_id = demo["student"].person_sourced_id
    in_course = {c.key for c in population.classes if c.course == course}
    schools = {c.school for c in population.classes if c.course == course}
    stranger = next(
        p.key
        for p in population.with_role("student")
        if not {e.klass for e in population.enrolled(person=p.key)} & in_course
    )
    other_schools = {
        s.key for s in population.schools
    } - schools  # not the district: it reaches all
    far_staff = next(p.key for p in population.with_role("administrator") if p.org in other_schools)
    as_stranger = await account_for(client, admin_headers, "student", stranger)
    as_far_staff = await account_for(client, admin_headers, "staff", far_staff)

    async def status(headers: dict[str, str], **params: str) -> int:
        answer = await client.get(LESSONS, params={"course": course, **params}, headers=headers)
        if answer.status_code == 200:
            assert answer.json()["total"] == UNITS_PER_COURSE * LESSONS_PER_UNIT
        return answer.status_code

    for role in ("guardian", "teacher", "staff"):
        headers = await login(client, demo[role].email)
        assert await status(headers) == 200, role
        assert await status(headers, learner=student_id) == 200, role
    assert await status(admin_headers) == 200
    assert await status(admin_headers, learner=student_id) == 200

    assert await status(as_stranger) == 403  # a student of other courses
    assert await status(as_far_staff) == 403  # staff of a school with no class of the course
    guardian = await login(client, demo["guardian"].email)
    assert await status(guardian, learner=stranger) == 403  # not their child
    student = await login(client, demo["student"].email)
    assert await status(student, learner=stranger) == 403  # someone else's learning
    # a learner the caller may read, in no class of the course
    assert await status(admin_headers, learner=stranger) == 404
    assert (await client.get(LESSONS, params={"course": course})).status_code == 401


async def test_an_unknown_course_is_404_and_a_missing_one_422(
    client: httpx.AsyncClient, demo: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    student = await login(client, demo["student"].email)
    for headers in (student, admin_headers):
        answer = await client.get(LESSONS, params={"course": "no-such-course"}, headers=headers)
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    missing = await client.get(LESSONS, headers=student)
    assert missing.status_code == 422


async def test_the_route_reads_the_catalogue_in_one_statement(
    client: httpx.AsyncClient, settings: Settings, demo: dict[str, Any]
) -> None:
    """Whatever else a request runs (authentication, the policy's relation questions), the
    lessons come from one statement: TimeBack's own router makes one call per component."""
    course = taught_course(population_of(settings), demo)
    student = await login(client, demo["student"].email)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    # every engine of the process: the read engine is not the unit of work's
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        answer = await client.get(LESSONS, params={"course": course}, headers=student)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)

    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] == UNITS_PER_COURSE * LESSONS_PER_UNIT
    catalogue = [s for s in seen if "roster_component_resources" in s]
    assert len(catalogue) == 1, catalogue
    # the rest: the caller's account and the policy's one question (plus, on SQLite, whatever
    # the in-process periodic tasks ran meanwhile)
    print(f"\nGET {LESSONS}: {len(seen)} statements, {len(catalogue)} for the lessons")
