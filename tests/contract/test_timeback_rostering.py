"""TimeBack rostering reads beyond orgs and users, against the shared demo population.

Academic sessions and terms, courses, classes, enrollments, the filtered views (schools, students,
teachers, terms) and the nested lists (``/schools/{id}/classes``, ``/users/{id}/agentFor``, ...):
envelope keys, wire shapes, paging and 404s.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from simulators.kit.population import Population, build_population
from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.support.timeback_client import sandbox_client

BASE = "http://timeback.sim"
ROSTERING = "/ims/oneroster/rostering/v1p2"
SEED, USERS, CLASSES = 7, 12, 4


@dataclass(frozen=True, slots=True)
class Roster:
    sim: TimebackSimulator
    population: Population
    http: httpx.AsyncClient

    async def get(self, path: str, **params: int) -> httpx.Response:
        return await self.http.get(f"{ROSTERING}/{path}", params=params)


@pytest.fixture
async def roster() -> AsyncIterator[Roster]:
    sim = TimebackSimulator(seed=SEED, users=USERS, classes=CLASSES)
    population = build_population(SEED, users=USERS, classes=CLASSES)
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        yield Roster(sim, population, http)


# -- classes, enrollments and the other rostering collections -----------------------------------

#: path -> (list key, single key, how many the roster has)
COLLECTIONS = {
    "academicSessions": ("academicSessions", "academicSession", 7),
    "terms": ("terms", "term", 2),
    "courses": ("courses", "course", 8),
    "classes": ("classes", "class", 4),
    "schools": ("orgs", "org", 2),
    "students": ("users", "user", 12),
    "teachers": ("users", "user", 4),
}


@pytest.mark.parametrize("path", sorted(COLLECTIONS))
async def test_each_collection_lists_and_gets_in_its_own_envelope(
    roster: Roster, path: str
) -> None:
    plural, singular, count = COLLECTIONS[path]
    first = await roster.get(path, limit=1)
    assert first.status_code == 200
    body = first.json()
    assert (body["totalCount"], first.headers["X-Total-Count"]) == (count, str(count))
    assert len(body[plural]) == 1
    assert ('rel="next"' in first.headers["Link"]) is (count > 1)
    entity = body[plural][0]
    assert {"sourcedId", "status", "dateLastModified", "metadata"} <= set(entity)
    assert entity["status"] == "active"
    one = await roster.get(f"{path}/{entity['sourcedId']}")
    assert one.json() == {singular: entity}


async def test_enrollments_cover_every_teacher_and_student(roster: Roster) -> None:
    population = roster.population
    enrollments = (await roster.get("enrollments")).json()["enrollments"]
    assert len(enrollments) == len(population.enrollments)
    teachers = [e for e in enrollments if e["role"] == "teacher"]
    assert [e["primary"] for e in teachers] == ["true"] * 4  # strings on the wire
    assert {e["primary"] for e in enrollments if e["role"] == "student"} == {"false"}
    assert {e["user"]["sourcedId"] for e in enrollments} == {
        p.key for p in population.people if p.role in ("student", "teacher")
    }
    for enrollment in enrollments:
        for field, kind in (("user", "user"), ("class", "class"), ("school", "org")):
            assert enrollment[field]["type"] == kind
            assert enrollment[field]["href"].endswith(enrollment[field]["sourcedId"])


async def test_a_class_refers_to_its_school_course_and_term(roster: Roster) -> None:
    population = roster.population
    klass = (await roster.get("classes", limit=1)).json()["classes"][0]
    assert klass["classType"] == "scheduled"
    assert klass["school"]["sourcedId"] == population.schools[0].key
    assert klass["school"]["href"] == f"{BASE}{ROSTERING}/orgs/{population.schools[0].key}"
    for ref, path in ((klass["course"], "courses"), (klass["terms"][0], "academicSessions")):
        followed = await roster.get(f"{path}/{ref['sourcedId']}")
        assert followed.status_code == 200
    term = (await roster.get(f"terms/{klass['terms'][0]['sourcedId']}")).json()["term"]
    assert (term["type"], term["schoolYear"]) == ("term", 2025)
    year = await roster.get(f"academicSessions/{term['parent']['sourcedId']}")
    assert year.json()["academicSession"]["type"] == "schoolYear"
    assert term["sourcedId"] in {c["sourcedId"] for c in year.json()["academicSession"]["children"]}


@pytest.mark.parametrize(
    ("path", "wrong_kind", "label"),
    [
        ("schools", "district", "School"),
        ("students", "teacher", "Student"),
        ("teachers", "student", "Teacher"),
        ("terms", "schoolYear", "Term"),
    ],
)
async def test_a_view_does_not_serve_what_it_filters_out(
    roster: Roster, path: str, wrong_kind: str, label: str
) -> None:
    population = roster.population
    ids = {
        "district": population.district.key,
        "teacher": population.with_role("teacher")[0].key,
        "student": population.with_role("student")[0].key,
        "schoolYear": population.sessions[0].key,
    }
    reply = await roster.get(f"{path}/{ids[wrong_kind]}")
    assert (reply.status_code, reply.json()["imsx_description"]) == (404, f"{label} not found")


# -- nested reads ---------------------------------------------------------------------------------


def nested_cases(population: Population) -> list[tuple[str, str, str, set[str]]]:
    """(parent path, parent id, child path and list key, the ids the population says)."""
    school = population.schools[0]
    klass = population.classes[0]
    teacher = population.with_role("teacher")[0]
    student = next(p for p in population.with_role("student") if p.agents)
    guardian = next(p for p in population.people if p.key == student.agents[0])
    term = population.terms[0]

    def keys(items: Iterable[Any], **where: str) -> set[str]:
        return {i.key for i in items if all(getattr(i, k) == v for k, v in where.items())}

    def enrolled(role: str, *, klass: str | None = None, person: str | None = None) -> set[str]:
        rows = population.enrolled(klass=klass, person=person)
        return {e.person if person is None else e.klass for e in rows if e.role == role}

    return [
        ("schools", school.key, "classes", keys(population.classes, school=school.key)),
        ("schools", school.key, "students", keys(population.with_role("student"), org=school.key)),
        ("schools", school.key, "teachers", keys(population.with_role("teacher"), org=school.key)),
        ("schools", school.key, "enrollments", keys(population.enrollments, school=school.key)),
        ("classes", klass.key, "students", enrolled("student", klass=klass.key)),
        ("classes", klass.key, "teachers", {klass.teacher}),
        ("classes", klass.key, "enrollments", keys(population.enrollments, klass=klass.key)),
        ("students", student.key, "classes", enrolled("student", person=student.key)),
        ("teachers", teacher.key, "classes", {klass.key}),
        ("users", student.key, "classes", enrolled("student", person=student.key)),
        ("users", student.key, "agents", set(student.agents)),
        ("users", guardian.key, "agentFor", set(guardian.agents)),
        ("courses", klass.course, "classes", keys(population.classes, course=klass.course)),
        ("terms", term.key, "classes", keys(population.classes, term=term.key)),
    ]


NESTED_KEYS = {"students": "users", "teachers": "users", "agentFor": "users"}


async def test_every_nested_list_answers_what_the_population_says(roster: Roster) -> None:
    for parent, parent_id, child, expected in nested_cases(roster.population):
        reply = await roster.get(f"{parent}/{parent_id}/{child}")
        assert reply.status_code == 200, (parent, child)
        key = NESTED_KEYS.get(child, child)
        body = reply.json()
        assert {item["sourcedId"] for item in body[key]} == expected, (parent, child)
        assert expected, (parent, child)  # the seed gives every route something to list
        assert body["totalCount"] == len(expected)


async def test_nested_lists_page_like_the_others(roster: Roster) -> None:
    school = roster.population.schools[0].key
    first = await roster.get(f"schools/{school}/students", limit=2)
    total = int(first.headers["X-Total-Count"])
    assert total > 2
    assert first.json()["pageCount"] == math.ceil(total / 2)
    seen = [u["sourcedId"] for u in first.json()["users"]]
    page = first
    while "next" in page.links:
        page = await roster.http.get(page.links["next"]["url"])
        seen += [u["sourcedId"] for u in page.json()["users"]]
    assert len(seen) == len(set(seen)) == total
    bad = await roster.get(f"schools/{school}/students", limit=0)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("route", "label"),
    [
        ("schools/{id}/classes", "School"),
        ("schools/{id}/students", "School"),
        ("schools/{id}/teachers", "School"),
        ("schools/{id}/enrollments", "School"),
        ("classes/{id}/students", "Class"),
        ("classes/{id}/teachers", "Class"),
        ("classes/{id}/enrollments", "Class"),
        ("students/{id}/classes", "Student"),
        ("teachers/{id}/classes", "Teacher"),
        ("users/{id}/classes", "User"),
        ("users/{id}/agents", "User"),
        ("users/{id}/agentFor", "User"),
        ("courses/{id}/classes", "Course"),
        ("terms/{id}/classes", "Term"),
    ],
)
async def test_a_nested_list_under_an_unknown_parent_is_an_imsx_404(
    roster: Roster, route: str, label: str
) -> None:
    reply = await roster.get(f"{route.format(id='no-such-id')}")
    assert reply.status_code == 404
    body = reply.json()
    assert body["imsx_description"] == f"{label} not found"
    minor = body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    assert minor == "unknownobject"


async def test_nested_lists_want_a_token_too(roster: Roster) -> None:
    school = roster.population.schools[0].key
    anonymous = httpx.AsyncClient(
        transport=SimulatorTransport(roster.sim.app), base_url="http://timeback.sim"
    )
    async with anonymous as http:
        reply = await http.get(f"{ROSTERING}/schools/{school}/classes")
    assert reply.status_code == 401


async def test_a_teacher_is_no_student_so_their_student_classes_are_a_404(roster: Roster) -> None:
    teacher = roster.population.with_role("teacher")[0].key
    assert (await roster.get(f"students/{teacher}/classes")).status_code == 404
    agent_for = await roster.get(f"users/{teacher}/agentFor")
    assert (agent_for.status_code, agent_for.json()["users"]) == (200, [])
