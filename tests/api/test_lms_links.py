"""Class-to-course links over HTTP in the sandbox (TimeBack and Open edX simulators), on both
databases: a link made by staff provisions the class through the job queue, the link shows its
run and class against course, each person's outcome and each student's progress; teachers read
the links of their classes, learners nothing; dry runs store and write nothing; bad input is a
problem, not a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from api.composition import Container
from api.settings import Settings
from simulators.appsembler import AppsemblerSimulator
from simulators.kit.population import Population, build_population
from tests.support.bff import open_bff
from tests.support.sandbox import simulator

ROLES = ("admin", "staff", "teacher", "student", "guardian")
BULK = "/appsembler_api/v0/bulk-enrollment/bulk-enroll"


@dataclass
class Lms:
    http: httpx.AsyncClient
    settings: Settings
    sim: AppsemblerSimulator
    population: Population
    headers: dict[str, dict[str, str]]
    demo: dict[str, Any]
    container: Container

    def taught_class(self) -> str:
        teacher = self.demo["teacher"].person_sourced_id
        return min(c.key for c in self.population.classes if c.teacher == teacher)

    def other_school_class(self) -> str:
        mine = next(c.school for c in self.population.classes if c.key == self.taught_class())
        return min(c.key for c in self.population.classes if c.school != mine)

    def course_of(self, class_id: str) -> str:
        return next(c.course_id for c in self.sim.state.courses.values() if c.source == class_id)

    def students(self, class_id: str) -> set[str]:
        by_key = {p.key: p for p in self.population.people}
        return {
            by_key[e.person].email.lower()
            for e in self.population.enrollments
            if e.klass == class_id and e.role == "student"
        }

    def enrolled(self, course_id: str) -> set[str]:
        state = self.sim.state
        rows = state.by_course.get(course_id, {}).values()
        return {state.accounts[e.user_id].email.lower() for e in rows if e.is_active}

    async def finished(self, link_id: str) -> dict[str, Any]:
        if self.settings.jobs_backend == "procrastinate":
            # what a worker does with the queued job, here in the API's process: a worker process
            # would build simulators of its own, and the test looks at the API's
            for _ in range(2):
                got = await self.http.get(f"/v1/lms/links/{link_id}", headers=self.headers["admin"])
                if (open_run := got.json()["open_run"]) is not None:
                    await self.container.lms_provisioner().execute(open_run["id"])
        for _ in range(400):
            got = await self.http.get(f"/v1/lms/links/{link_id}", headers=self.headers["admin"])
            assert got.status_code == 200, got.text
            body: dict[str, Any] = got.json()
            if body["open_run"] is None and body["last_run"] is not None:
                return body
            await asyncio.sleep(0.05)
        raise AssertionError(f"link {link_id} has no finished run")


@pytest.fixture
async def lms(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Lms]:
    async with open_bff(settings, demo, ROLES) as bff:
        container, http, headers = bff.container, bff.http, bff.headers
        s = settings.sandbox
        yield Lms(
            http,
            settings,
            simulator(container, "appsembler", AppsemblerSimulator),
            build_population(s.seed, users=s.users, classes=s.classes),
            headers,
            demo,
            container,
        )


async def test_staff_link_a_class_and_the_course_follows_it(lms: Lms) -> None:
    class_id = lms.taught_class()
    course = lms.course_of(class_id)
    made = await lms.http.post(
        "/v1/lms/links",
        json={"class_id": class_id, "course_id": course},
        headers=lms.headers["staff"],
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["dry_run"] is False
    assert body["run"]["status"] == "pending"
    # the plan reads the course: students Open edX already holds are in step
    planned = {p["email"].lower() for p in body["plan"]["to_add"]}
    assert planned <= lms.students(class_id)
    assert len(planned) + body["plan"]["in_step"] == len(lms.students(class_id))
    link_id = body["link"]["id"]

    view = await lms.finished(link_id)
    run = view["last_run"]
    assert run["status"] == "succeeded", run
    assert lms.enrolled(course) >= lms.students(class_id)
    assert view["diff"]["to_add"] == []
    assert view["diff"]["to_drop"] == []
    assert view["diff"]["in_step"] == len(lms.students(class_id))
    assert run["counts"]["pending"] == 0
    done = run["counts"]["enrolled"] + run["counts"]["already_enrolled"]
    # the students, and the teacher made course staff
    assert done + run["counts"]["accounts_created"] == len(lms.students(class_id)) + 1
    # the teacher is course staff (the simulator has the Hawthorn fork's roles API)
    assert run["note"] is None

    people = await lms.http.get(
        f"/v1/lms/links/{link_id}/runs/{run['id']}?limit=500", headers=lms.headers["teacher"]
    )
    assert people.status_code == 200, people.text
    outcomes = {p["outcome"] for p in people.json()["people"]}
    assert outcomes <= {"enrolled", "already_enrolled", "account_created", "refused"}
    teachers = [p for p in people.json()["people"] if p["action"] == "staff"]
    assert teachers
    assert all(p["outcome"] in {"enrolled", "already_enrolled"} for p in teachers)
    teacher = lms.demo["teacher"].email.lower()
    held = lms.sim.state.roles.get(course, {})
    assert held[lms.sim.state.by_email[teacher].id] == "staff"

    progress = await lms.http.get(
        f"/v1/lms/links/{link_id}/progress?limit=2", headers=lms.headers["teacher"]
    )
    assert progress.status_code == 200, progress.text
    assert progress.headers["X-Total-Count"] == str(len(lms.students(class_id)))
    assert len(progress.json()["items"]) == 2
    assert all(p["enrolled"] and p["username"] for p in progress.json()["items"])
    assert 'rel="next"' in progress.headers["Link"]

    # reverse lookups, by class and by course
    for query in ({"class": class_id}, {"course": course}):
        found = await lms.http.get("/v1/lms/links", params=query, headers=lms.headers["teacher"])
        assert found.status_code == 200, found.text
        assert [x["id"] for x in found.json()["items"]] == [link_id]

    # a second run on demand finds nothing to do and asks Open edX nothing
    calls = len(lms.sim.log.entries(path=BULK))
    again = await lms.http.post(f"/v1/lms/links/{link_id}/runs", headers=lms.headers["staff"])
    assert again.status_code == 202, again.text
    view = await lms.finished(link_id)
    assert view["last_run"]["id"] == again.json()["run"]["id"]
    assert view["last_run"]["upstream_calls"] == 0
    assert len(lms.sim.log.entries(path=BULK)) == calls

    # unlinked: gone, the course keeps its students
    gone = await lms.http.delete(f"/v1/lms/links/{link_id}", headers=lms.headers["staff"])
    assert gone.status_code == 204
    missing = await lms.http.get(f"/v1/lms/links/{link_id}", headers=lms.headers["staff"])
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert lms.enrolled(course) >= lms.students(class_id)


async def test_a_dry_run_stores_nothing_and_writes_nothing_upstream(lms: Lms) -> None:
    class_id = lms.taught_class()
    course = lms.course_of(class_id)
    before = len(lms.sim.log.entries(path=BULK))
    dry = await lms.http.post(
        "/v1/lms/links?dry_run=true",
        json={"class_id": class_id, "course_id": course},
        headers=lms.headers["admin"],
    )
    assert dry.status_code == 201, dry.text
    assert dry.json()["dry_run"] is True
    assert dry.json()["link"]["id"] is None
    assert dry.json()["run"] is None
    plan = dry.json()["plan"]
    # the course already holds the students Open edX was seeded with
    assert len(plan["to_add"]) + plan["in_step"] == len(lms.students(class_id))
    listed = await lms.http.get(f"/v1/lms/links?class={class_id}", headers=lms.headers["admin"])
    assert listed.json()["total"] == 0
    assert len(lms.sim.log.entries(path=BULK)) == before

    made = await lms.http.post(
        "/v1/lms/links",
        json={"class_id": class_id, "course_id": course},
        headers=lms.headers["admin"],
    )
    link_id = made.json()["link"]["id"]
    await lms.finished(link_id)
    runs_before = len(lms.sim.log.entries(path=BULK))
    dry_run = await lms.http.post(
        f"/v1/lms/links/{link_id}/runs?dry_run=true", headers=lms.headers["admin"]
    )
    assert dry_run.status_code == 202, dry_run.text
    assert dry_run.json()["run"] is None
    assert dry_run.json()["plan"]["to_add"] == []
    assert len(lms.sim.log.entries(path=BULK)) == runs_before


async def test_who_may_do_what(lms: Lms) -> None:
    mine, other = lms.taught_class(), lms.other_school_class()
    made = {}
    for class_id in (mine, other):
        r = await lms.http.post(
            "/v1/lms/links",
            json={"class_id": class_id, "course_id": lms.course_of(class_id)},
            headers=lms.headers["admin"],
        )
        assert r.status_code == 201, r.text
        made[class_id] = r.json()["link"]["id"]
    h = lms.headers
    # teachers read their class's link, write nothing; another school's link is not there
    assert (
        await lms.http.get(f"/v1/lms/links/{made[mine]}", headers=h["teacher"])
    ).status_code == 200
    teacher_run = await lms.http.post(f"/v1/lms/links/{made[mine]}/runs", headers=h["teacher"])
    assert teacher_run.status_code == 403
    assert (
        await lms.http.get(f"/v1/lms/links/{made[other]}", headers=h["teacher"])
    ).status_code == 404
    assert (
        await lms.http.get(f"/v1/lms/links/{made[other]}", headers=h["staff"])
    ).status_code == 404
    for role in ("student", "guardian"):
        assert (await lms.http.get("/v1/lms/links", headers=h[role])).status_code == 403
        assert (
            await lms.http.get(f"/v1/lms/links/{made[mine]}", headers=h[role])
        ).status_code == 403
    # lists hold only what the caller reaches
    listed = await lms.http.get("/v1/lms/links", headers=h["teacher"])
    assert [x["class_id"] for x in listed.json()["items"]] == [mine]
    everything = await lms.http.get("/v1/lms/links", headers=h["admin"])
    assert everything.json()["total"] == 2
    # staff may not link a class of another school (403 before anything is checked)
    foreign = await lms.http.post(
        "/v1/lms/links",
        json={"class_id": other, "course_id": lms.course_of(other)},
        headers=h["staff"],
    )
    assert foreign.status_code == 403


async def test_bad_input_is_a_problem(lms: Lms) -> None:
    admin = lms.headers["admin"]
    class_id = lms.taught_class()
    cases = [
        ({"class_id": "no-such-class", "course_id": "course-v1:A+B+C"}, 422, "class_id"),
        ({"class_id": class_id, "course_id": "not a key"}, 422, "course_id"),
        ({"class_id": class_id, "course_id": "nonsense"}, 422, "course_id"),
        # a course Open edX does not have, checked before anything is stored
        ({"class_id": class_id, "course_id": "course-v1:A+B+C"}, 422, "course_id"),
        ({"class_id": class_id}, 422, "course_id"),
        ({"class_id": class_id, "course_id": "course-v1:A+B+C", "extra": 1}, 422, "extra"),
    ]
    for body, status, field in cases:
        r = await lms.http.post("/v1/lms/links", json=body, headers=admin)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in r.text
    body = {"class_id": class_id, "course_id": lms.course_of(class_id)}
    first = await lms.http.post("/v1/lms/links", json=body, headers=admin)
    assert first.status_code == 201
    twice = await lms.http.post("/v1/lms/links", json=body, headers=admin)
    assert twice.status_code == 409
    unknown = await lms.http.get("/v1/lms/links/nope/progress", headers=admin)
    assert unknown.status_code == 404
