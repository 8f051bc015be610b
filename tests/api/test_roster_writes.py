"""Roster writes, live reads and the nested routes over HTTP, against the TimeBack simulator, on
both databases: a write is readable from the cache at once (no sync) and shows in the change feed;
TimeBack's refusals and outages come back as problems; writes are scoped (admins, staff at their
orgs); ``consistency=live`` reads TimeBack and stays scoped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.composition import Container
from api.settings import Settings
from simulators.kit.population import Population
from simulators.timeback import TimebackSimulator
from tests.api.test_authorization_matrix import ROLES, population_of
from tests.api.test_sync import drain_worker, wait_for_run
from tests.conftest import login
from tests.support.sandbox import simulator

Headers = dict[str, str]


@dataclass
class Env:
    http: httpx.AsyncClient
    sim: TimebackSimulator
    population: Population
    headers: dict[str, Headers]
    demo: dict[str, Any]

    async def call(
        self, method: str, path: str, role: str = "admin", **kwargs: Any
    ) -> httpx.Response:
        return await self.http.request(
            method, f"/v1/roster/{path}", headers=self.headers[role], **kwargs
        )

    async def cursor(self) -> int:
        """The end of the change feed."""
        cursor = -1
        following = 0
        while following != cursor:
            cursor = following
            feed = await self.http.get(
                "/v1/roster/changes",
                params={"cursor": cursor, "limit": 5000},
                headers=self.headers["admin"],
            )
            assert feed.status_code == 200, feed.text
            following = int(feed.json()["next_cursor"])
        return cursor

    async def changes_after(self, cursor: int) -> list[tuple[str, str, str]]:
        feed = await self.http.get(
            "/v1/roster/changes", params={"cursor": cursor}, headers=self.headers["admin"]
        )
        return [(c["kind"], c["sourced_id"], c["op"]) for c in feed.json()["changes"]]


@pytest.fixture
async def env(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Env]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        container: Container = manager._state["container"]
        assert container.simulators is not None
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            headers = {role: await login(http, demo[role].email) for role in ROLES}
            started = await http.post(
                "/v1/sync/runs", json={"kind": "full"}, headers=headers["admin"]
            )
            assert started.status_code == 202, started.text
            await drain_worker(settings)
            run = await wait_for_run(http, started.json()["id"], headers["admin"])
            assert run["status"] == "succeeded", run
            timeback = simulator(container, "timeback", TimebackSimulator)
            yield Env(http, timeback, population_of(settings), headers, demo)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def staff_school(env: Env) -> str:
    me = env.demo["staff"].person_sourced_id
    return next(p.org for p in env.population.people if p.key == me)


def new_user(school: str, **extra: Any) -> dict[str, Any]:
    return {
        "user": {
            "enabledUser": True,
            "givenName": "Ada",
            "familyName": "Lovelace",
            "email": "ada.lovelace@school.test",
            "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": school}}],
            **extra,
        }
    }


async def test_a_written_user_is_read_from_the_cache_at_once_and_fed_as_changes(env: Env) -> None:
    school = env.population.schools[0].key
    before = await env.cursor()

    created = await env.call("POST", "users", json=new_user(school))
    assert created.status_code == 201, created.text
    user = created.json()["user"]
    uid = user["sourcedId"]
    assert uid  # allocated by TimeBack (sourcedIdPairs)
    assert created.headers["location"] == f"/v1/roster/users/{uid}"
    assert env.sim.state.users.get(uid) is not None
    cached = await env.call("GET", f"users/{uid}")
    assert cached.status_code == 200
    assert cached.json()["user"]["givenName"] == "Ada"
    at_school = await env.call("GET", f"schools/{school}/students", params={"limit": 3000})
    assert uid in [u["sourcedId"] for u in at_school.json()["users"]]

    changed = await env.call("PATCH", f"users/{uid}", json={"user": {"givenName": "Augusta"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["user"]["givenName"] == "Augusta"
    # a merge: what the body left out is kept, upstream too
    assert changed.json()["user"]["familyName"] == "Lovelace"
    assert env.sim.state.users.get(uid)["familyName"] == "Lovelace"  # type: ignore[index]
    assert (await env.call("GET", f"users/{uid}")).json()["user"]["givenName"] == "Augusta"

    deleted = await env.call("DELETE", f"users/{uid}")
    assert deleted.status_code == 204, deleted.text
    assert env.sim.state.users.get(uid)["status"] == "tobedeleted"  # type: ignore[index]
    assert (await env.call("GET", f"users/{uid}")).status_code == 404

    assert await env.changes_after(before) == [
        ("users", uid, "upsert"),
        ("users", uid, "upsert"),
        ("users", uid, "delete"),
    ]


async def test_every_writable_kind_round_trips(env: Env) -> None:
    p = env.population
    school, district = p.schools[0].key, p.district.key
    klass = p.classes[0]
    term = p.terms[0].key
    student = next(x.key for x in p.with_role("student") if x.org == school)
    bodies: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        (
            "orgs",
            "org",
            {"name": "Annex", "type": "school", "parent": {"sourcedId": district}},
            {"name": "North Annex"},
        ),
        (
            "courses",
            "course",
            {"title": "Astronomy", "courseCode": "AST-1", "org": {"sourcedId": district}},
            {"title": "Astronomy I"},
        ),
        (
            "classes",
            "class",
            {
                "title": "Astronomy A",
                "course": {"sourcedId": klass.course},
                "org": {"sourcedId": school},
                "terms": [{"sourcedId": term}],
            },
            {"title": "Astronomy B"},
        ),
        (
            "academic-sessions",
            "academicSession",
            {
                "title": "Summer",
                "type": "term",
                "startDate": "2026-06-01",
                "endDate": "2026-08-31",
                "schoolYear": "2026",
                "org": {"sourcedId": district},
            },
            {"title": "Summer school"},
        ),
        (
            "enrollments",
            "enrollment",
            {
                "role": "student",
                "user": {"sourcedId": student},
                "class": {"sourcedId": klass.key},
                "school": {"sourcedId": school},
            },
            {"endDate": "2026-12-31"},
        ),
    ]
    for path, key, body, change in bodies:
        created = await env.call("POST", path, json={key: body})
        assert created.status_code == 201, f"{path}: {created.text}"
        sid = created.json()[key]["sourcedId"]
        assert (await env.call("GET", f"{path}/{sid}")).status_code == 200, path
        updated = await env.call("PATCH", f"{path}/{sid}", json={key: change})
        assert updated.status_code == 200, f"{path}: {updated.text}"
        cached = (await env.call("GET", f"{path}/{sid}")).json()[key]
        for field, value in change.items():
            assert cached[field] == value, (path, field)
        assert (await env.call("DELETE", f"{path}/{sid}")).status_code == 204, path
        assert (await env.call("GET", f"{path}/{sid}")).status_code == 404, path


async def test_enrolling_and_agents_update_the_nested_lists(env: Env) -> None:
    p = env.population
    klass = p.classes[0]
    outsider = next(
        x.key
        for x in p.with_role("student")
        if x.key not in {e.person for e in p.enrolled(klass=klass.key)}
    )
    enrolled = await env.call(
        "POST",
        f"classes/{klass.key}/students",
        json={"enrollment": {"user": {"sourcedId": outsider}}},
    )
    assert enrolled.status_code == 201, enrolled.text
    enrollment = enrolled.json()["enrollment"]
    assert enrollment["role"] == "student"
    assert enrollment["user"]["sourcedId"] == outsider
    students = await env.call("GET", f"classes/{klass.key}/students", params={"limit": 3000})
    assert outsider in [u["sourcedId"] for u in students.json()["users"]]
    of_class = await env.call("GET", f"classes/{klass.key}/enrollments", params={"limit": 3000})
    assert enrollment["sourcedId"] in [e["sourcedId"] for e in of_class.json()["enrollments"]]

    teacher = next(x.key for x in p.with_role("teacher") if x.key != klass.teacher)
    as_teacher = await env.call(
        "POST",
        f"classes/{klass.key}/teachers",
        json={"enrollment": {"user": {"sourcedId": teacher}}},
    )
    assert as_teacher.status_code == 201, as_teacher.text
    teachers = await env.call("GET", f"classes/{klass.key}/teachers")
    assert teacher in [u["sourcedId"] for u in teachers.json()["users"]]

    guardian = next(x.key for x in p.with_role("guardian") if outsider not in x.agents)
    added = await env.call("POST", f"users/{outsider}/agents", json={"agentSourcedId": guardian})
    assert added.status_code == 200, added.text
    agents = await env.call("GET", f"users/{outsider}/agents")
    assert guardian in [u["sourcedId"] for u in agents.json()["users"]]
    wards = await env.call("GET", f"users/{guardian}/agent-for")
    assert outsider in [u["sourcedId"] for u in wards.json()["users"]]

    removed = await env.call("DELETE", f"users/{outsider}/agents/{guardian}")
    assert removed.status_code == 200, removed.text
    agents = await env.call("GET", f"users/{outsider}/agents")
    assert guardian not in [u["sourcedId"] for u in agents.json()["users"]]
    problem(await env.call("DELETE", f"users/{outsider}/agents/{guardian}"), 404)


async def test_refusals_and_outages_are_problems(env: Env) -> None:
    school = env.population.schools[0].key
    existing = env.population.with_role("student")[0].key
    taken = problem(await env.call("POST", "users", json=new_user(school, sourcedId=existing)), 409)
    assert "already exists" in taken["detail"]
    # a reference to nothing is named, before TimeBack is asked (D38: a 422 naming the field)
    nowhere = problem(await env.call("POST", "users", json=new_user("no-such-school")), 422)
    assert "roles.org" in nowhere["detail"]
    assert "no-such-school" in nowhere["detail"]
    assert nowhere["errors"][0]["loc"] == ["body", "user", "roles", "org"]
    # numbers are not dates, strings are not booleans
    odd = new_user(school)
    odd["user"]["roles"][0]["beginDate"] = 0
    problem(await env.call("POST", "users", json=odd), 422)
    problem(await env.call("POST", "users", json=new_user(school, enabledUser="yes")), 422)
    # our own validation answers before TimeBack is asked
    missing = problem(await env.call("POST", "users", json={"user": {"givenName": "X"}}), 422)
    assert missing["errors"]
    problem(await env.call("PATCH", "users/no-such-user", json={"user": {"givenName": "X"}}), 404)
    problem(await env.call("DELETE", "classes/no-such-class"), 404)
    wrong_class = {"enrollment": {"user": {"sourcedId": existing}}}
    problem(await env.call("POST", "classes/no-such-class/students", json=wrong_class), 404)

    env.sim.fail_next(409, path="/ims/oneroster/rostering/v1p2/users")
    problem(await env.call("POST", "users", json=new_user(school)), 409)
    for refusal in (400, 422):  # TimeBack found the data wrong: the caller's to fix
        env.sim.fail_next(refusal, path="/ims/oneroster/rostering/v1p2/users")
        refused = problem(await env.call("POST", "users", json=new_user(school)), 422)
        assert "TimeBack" in refused["detail"]
    env.sim.fail_next(500, times=10, path="/ims/oneroster/rostering/v1p2/users")
    problem(await env.call("POST", "users", json=new_user(school)), 503)


async def test_writes_are_for_admins_and_staff_at_their_orgs(env: Env) -> None:
    p = env.population
    home = staff_school(env)
    away = next(s.key for s in p.schools if s.key != home)
    ok = await env.call("POST", "users", "staff", json=new_user(home))
    assert ok.status_code == 201, ok.text
    problem(await env.call("POST", "users", "staff", json=new_user(away)), 403)
    stranger = next(x.key for x in p.with_role("student") if x.org == away)
    # someone the staff member cannot even see is not found, not forbidden
    problem(
        await env.call("PATCH", f"users/{stranger}", "staff", json={"user": {"givenName": "X"}}),
        404,
    )
    colleague = next(x.key for x in p.with_role("student") if x.org == home)
    moved = {"user": {"roles": [{"role": "student", "org": {"sourcedId": away}}]}}
    problem(await env.call("PATCH", f"users/{colleague}", "staff", json=moved), 403)
    for role in ("teacher", "student", "guardian"):
        problem(await env.call("POST", "users", role, json=new_user(home)), 403)
    teacher = env.demo["teacher"].person_sourced_id
    taught = next(c.key for c in p.classes if c.teacher == teacher)
    # a teacher sees their class but may not change it through the roster
    problem(
        await env.call("PATCH", f"classes/{taught}", "teacher", json={"class": {"title": "X"}}),
        403,
    )
    me = env.demo["student"].person_sourced_id
    problem(await env.call("DELETE", f"users/{me}", "student"), 403)
    assert env.sim.state.users.get(me)["status"] == "active"  # type: ignore[index]


async def test_live_reads_see_timeback_now_and_stay_scoped(env: Env) -> None:
    p = env.population
    target = p.with_role("student")[0].key
    upstream = dict(env.sim.state.users.get(target) or {})
    env.sim.state.users.put(
        {**upstream, "givenName": "Renamed", "dateLastModified": "2030-01-01T00:00:00.000Z"}
    )
    cached = await env.call("GET", f"users/{target}")
    assert cached.json()["user"]["givenName"] != "Renamed"
    live = await env.call("GET", f"users/{target}", params={"consistency": "live"})
    assert live.status_code == 200, live.text
    assert live.json()["user"]["givenName"] == "Renamed"
    # read through: the cache took it
    assert (await env.call("GET", f"users/{target}")).json()["user"]["givenName"] == "Renamed"

    page = await env.call(
        "GET", "students", params={"consistency": "live", "filter": "givenName='Renamed'"}
    )
    assert page.status_code == 200, page.text
    assert [u["sourcedId"] for u in page.json()["users"]] == [target]
    assert page.headers["X-Total-Count"] == "1"

    refused = problem(
        await env.call("GET", "users", "teacher", params={"consistency": "live"}), 403
    )
    assert "live" in refused["detail"]
    hidden = next(
        x.key
        for x in p.with_role("student")
        if x.key
        not in {
            e.person
            for c in p.classes
            if c.teacher == env.demo["teacher"].person_sourced_id
            for e in p.enrolled(klass=c.key)
        }
    )
    problem(
        await env.call("GET", f"users/{hidden}", "teacher", params={"consistency": "live"}), 404
    )
    me = env.demo["teacher"].person_sourced_id
    mine = await env.call("GET", f"users/{me}", "teacher", params={"consistency": "live"})
    assert mine.status_code == 200, mine.text

    # gone upstream: a live read drops it from the cache
    env.sim.state.users.put({**upstream, "status": "tobedeleted"})
    problem(await env.call("GET", f"users/{target}", params={"consistency": "live"}), 404)
    problem(await env.call("GET", f"users/{target}"), 404)

    env.sim.fail_next(500, times=10, path="/ims/oneroster/rostering/v1p2/classes")
    problem(
        await env.call("GET", f"classes/{p.classes[0].key}", params={"consistency": "live"}), 503
    )
    env.sim.fail_next(500, times=10, path="/ims/oneroster/rostering/v1p2/classes")
    problem(await env.call("GET", "classes", params={"consistency": "live"}), 503)


async def test_nested_routes_from_the_cache(env: Env) -> None:
    p = env.population
    school = p.schools[0].key
    people = {x.key: x for x in p.people}

    async def listed(path: str, key: str, role: str = "admin") -> set[str]:
        response = await env.call("GET", path, role, params={"limit": 3000})
        assert response.status_code == 200, f"{path}: {response.text}"
        return {r["sourcedId"] for r in response.json()[key]}

    assert await listed(f"schools/{school}/students", "users") == {
        x.key for x in p.with_role("student") if x.org == school
    }
    assert await listed(f"schools/{school}/teachers", "users") == {
        x.key for x in p.with_role("teacher") if x.org == school
    }
    assert await listed(f"schools/{school}/users", "users") == {
        x.key for x in p.people if x.org == school
    }
    assert await listed(f"schools/{school}/enrollments", "enrollments") == {
        e.key for e in p.enrollments if e.school == school
    }
    assert await listed(f"orgs/{p.district.key}/children", "orgs") == {s.key for s in p.schools}
    course = p.classes[0].course
    assert await listed(f"courses/{course}/classes", "classes") == {
        c.key for c in p.classes if c.course == course
    }
    term = p.classes[0].term
    assert await listed(f"terms/{term}/classes", "classes") == {
        c.key for c in p.classes if c.term == term
    }
    guardian = env.demo["guardian"].person_sourced_id
    wards = set(people[guardian].agents)
    assert wards
    assert await listed(f"users/{guardian}/agent-for", "users", "guardian") >= wards
    child = sorted(wards)[0]
    assert guardian in await listed(f"users/{child}/agents", "users", "guardian")
    # a teacher's view of a school is narrowed to their own students
    teacher = env.demo["teacher"].person_sourced_id
    home = people[teacher].org
    taught = {c.key for c in p.classes if c.teacher == teacher}
    mine = {e.person for e in p.enrollments if e.klass in taught and e.role == "student"}
    assert await listed(f"schools/{home}/students", "users", "teacher") == {
        s for s in mine if people[s].org == home
    }
