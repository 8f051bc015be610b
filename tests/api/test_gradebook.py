"""The gradebook routes over HTTP against the sandbox TimeBack simulator, on both databases: who may
read and write what (worked out here from the demo population, not by asking the policy), the
OneRoster envelopes and paging headers, 422 for bad filters before anything goes upstream,
TimeBack's refusals as 4xx problems and its outages as 503.

Also home of :func:`seed_gradebook` and :func:`gradebook_case`, which the authorization matrix uses
to put gradebook and resources data in the sandbox and to know what each caller may do with it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.composition import Container
from api.settings import Settings
from simulators.kit.population import Population, build_population
from simulators.timeback import TimebackSimulator
from simulators.timeback.state import Collection
from tests.conftest import login
from tests.support.sandbox import simulator

Headers = dict[str, str]
ROLES = ("admin", "staff", "teacher", "student", "guardian")
SCORE_DATE = "2026-01-15T00:00:00Z"


def population_of(settings: Settings) -> Population:
    sandbox = settings.sandbox
    return build_population(sandbox.seed, users=sandbox.users, classes=sandbox.classes)


def students_of(population: Population, class_id: str) -> list[str]:
    return sorted(
        e.person for e in population.enrollments if e.klass == class_id and e.role == "student"
    )


def line_item_body(category: str = "cat-homework") -> dict[str, Any]:
    return {
        "title": "Fractions quiz",
        "assignDate": "2026-01-05T00:00:00Z",
        "dueDate": "2026-01-12T00:00:00Z",
        "category": {"sourcedId": category},
    }


def result_body(line_item: str, student: str, score: float = 8.5) -> dict[str, Any]:
    return {
        "lineItem": {"sourcedId": line_item},
        "student": {"sourcedId": student},
        "scoreStatus": "fully graded",
        "score": score,
        "scoreDate": SCORE_DATE,
    }


async def new_score_scale(http: httpx.AsyncClient, headers: dict[str, str], class_id: str) -> str:
    made = await http.post(
        f"/v1/gradebook/classes/{class_id}/score-scales",
        json={
            "scoreScale": {
                "title": "Letters",
                "type": "letter",
                "scoreScaleValue": [{"itemValueLHS": "A", "itemValueRHS": "90"}],
            }
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["scoreScale"]["sourcedId"])


async def create_line_item(
    http: httpx.AsyncClient, headers: Headers, class_id: str, **extra: Any
) -> str:
    response = await http.post(
        f"/v1/gradebook/classes/{class_id}/line-items",
        json={"lineItem": {**line_item_body(), **extra}},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["lineItem"]["sourcedId"])


async def put_result(
    http: httpx.AsyncClient, headers: Headers, line_item: str, student: str, score: float = 8.5
) -> str:
    result_id = f"r-{uuid.uuid4().hex[:10]}"
    response = await http.put(
        f"/v1/gradebook/results/{result_id}",
        json={"result": result_body(line_item, student, score)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return result_id


# -- the authorization matrix's part -------------------------------------------------------------


@dataclass
class GradebookWorld:
    """Per (caller, ownership): the ids a gradebook or resources route is called with, and what
    the caller is to the objects behind them."""

    ids: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    #: whether the student of the seeded result is the caller or the caller's child
    own_student: dict[tuple[str, str], bool] = field(default_factory=dict)


async def seed_gradebook(
    http: httpx.AsyncClient,
    admin: Headers,
    settings: Settings,
    demo: dict[str, Any],
    roster: dict[tuple[str, str, str], tuple[str, bool]],
    people: dict[tuple[str, str], str],
    callers: tuple[str, ...],
    ownerships: tuple[str, ...],
) -> GradebookWorld:
    """Through the admin's own API: a category, a resource, and in every class the matrix asks
    about a line item, a score scale, an assessment line item and a result; assessment results
    for the people the matrix asks about."""
    population = population_of(settings)
    agents = {p.key: set(p.agents) for p in population.people}
    world = GradebookWorld()
    category = await http.post(
        "/v1/gradebook/categories", json={"category": {"title": "Homework"}}, headers=admin
    )
    assert category.status_code == 201, category.text
    resource = await http.post(
        "/v1/resources",
        json={"resource": {"title": "Fractions video", "vendorResourceId": "vid-1"}},
        headers=admin,
    )
    assert resource.status_code == 201, resource.text
    per_class: dict[str, dict[str, str]] = {}
    for caller in callers:
        for ownership in ownerships:
            class_id = roster[("classes", caller, ownership)][0]
            if class_id not in per_class:
                line_item = await create_line_item(http, admin, class_id)
                scale = await new_score_scale(http, admin, class_id)
                assessment = f"ali-{uuid.uuid4().hex[:10]}"
                made = await http.put(
                    f"/v1/gradebook/assessment-line-items/{assessment}",
                    json={
                        "assessmentLineItem": {
                            "title": "Unit test",
                            "class": {"sourcedId": class_id},
                        }
                    },
                    headers=admin,
                )
                assert made.status_code == 200, made.text
                per_class[class_id] = {
                    "line_item_id": line_item,
                    "score_scale": scale,
                    "assessment_line_item": assessment,
                }
            me = demo[caller].person_sourced_id if caller in demo else None
            enrolled = students_of(population, class_id)
            mine = [s for s in enrolled if s == me or s in agents.get(me or "", set())]
            student = (mine or enrolled)[0] if ownership == "own" else enrolled[0]
            result = await put_result(http, admin, per_class[class_id]["line_item_id"], student)
            person = people[(caller, "related" if ownership == "own" else "other")]
            assessed = f"ar-{uuid.uuid4().hex[:10]}"
            made = await http.put(
                f"/v1/gradebook/assessment-results/{assessed}",
                json={
                    "assessmentResult": {
                        "assessmentLineItem": {
                            "sourcedId": per_class[class_id]["assessment_line_item"]
                        },
                        "student": {"sourcedId": person},
                        "scoreStatus": "submitted",
                        "scoreDate": SCORE_DATE,
                    }
                },
                headers=admin,
            )
            assert made.status_code == 200, made.text
            world.own_student[(caller, ownership)] = student in mine
            world.ids[(caller, ownership)] = {
                "class_id": class_id,
                "student_id": student,
                "line_item_id": per_class[class_id]["line_item_id"],
                "course_id": roster[("courses", caller, ownership)][0],
                "line-items": per_class[class_id]["line_item_id"],
                "score-scales": per_class[class_id]["score_scale"],
                "assessment-line-items": per_class[class_id]["assessment_line_item"],
                "results": result,
                "assessment-results": assessed,
                "categories": category.json()["category"]["sourcedId"],
                "resources": resource.json()["resource"]["sourcedId"],
            }
    return world


def gradebook_route(path: str) -> bool:
    return path.startswith(("/v1/gradebook/", "/v1/resources"))


#: request bodies for the matrix's calls of the gradebook and resources writes
GRADEBOOK_BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "create_gradebook_category": lambda: {"json": {"category": {"title": "Matrix"}}},
    "create_gradebook_class_line_item": lambda: {"json": {"lineItem": line_item_body()}},
    "create_gradebook_class_score_scale": lambda: {
        "json": {
            "scoreScale": {
                "title": "Matrix",
                "type": "letter",
                "scoreScaleValue": [{"itemValueLHS": "A", "itemValueRHS": "90"}],
            }
        }
    },
    "put_gradebook_line_item": lambda: {"json": {"lineItem": {"title": "Matrix"}}},
    "put_gradebook_result": lambda: {"json": {"result": {"score": 7}}},
    "put_gradebook_category": lambda: {"json": {"category": {"title": "Matrix"}}},
    "put_gradebook_score_scale": lambda: {"json": {"scoreScale": {"title": "Matrix"}}},
    "put_gradebook_assessment_line_item": lambda: {
        "json": {"assessmentLineItem": {"title": "Matrix"}}
    },
    "put_gradebook_assessment_result": lambda: {"json": {"assessmentResult": {"score": 3}}},
    "create_resource": lambda: {
        "json": {"resource": {"title": "Matrix", "vendorResourceId": "matrix"}}
    },
    "update_resource": lambda: {"json": {"resource": {"title": "Matrix"}}},
}


def gradebook_param(world: GradebookWorld, path: str, name: str, caller: str, own: str) -> str:
    """The value of ``{name}`` in a gradebook or resources route."""
    ids = world.ids[(caller, own)]
    if name == "sourced_id":
        return ids[path.split("/")[3] if path.startswith("/v1/gradebook/") else "resources"]
    return ids[name]


def gradebook_allowed(
    world: GradebookWorld,
    path: str,
    method: str,
    caller: str,
    ownership: str,
    roster: dict[tuple[str, str, str], tuple[str, bool]],
) -> bool:
    """This test's reading of ``domain/services/gradebook.py`` and ``resources.py``'s rules for a
    route whose ids come from :func:`gradebook_param`."""
    if caller == "anonymous":
        return False
    if caller == "admin":
        return True
    grader = caller in {"staff", "teacher"}
    class_seen = roster[("classes", caller, ownership)][1]
    own_student = world.own_student[(caller, ownership)]
    if path == "/v1/resources/courses/{course_id}/resources":
        return roster[("courses", caller, ownership)][1]
    if "{class_id}" in path:
        if path.endswith("/students/{student_id}/results"):
            return class_seen and (grader or own_student)
        if path.endswith("/results") or method == "POST":
            return class_seen and grader
        return class_seen
    kind = path.split("/")[3]
    write = method != "GET"
    match kind:
        case "categories":
            return not write
        case "results":
            return class_seen and (grader or (own_student and not write))
        case "assessment-results":
            # the matrix's "own" person is one the caller may see: self, child, student, colleague
            return ownership == "own" and (grader or not write)
        case _:
            return class_seen and (grader or not write)


# -- tests ---------------------------------------------------------------------------------------


@dataclass
class Sandbox:
    http: httpx.AsyncClient
    sim: TimebackSimulator
    population: Population
    demo: dict[str, Any]
    headers: dict[str, Headers]


@pytest.fixture
async def sandbox(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Sandbox]:
    async with open_sandbox(settings, demo) as opened:
        yield opened


@asynccontextmanager
async def open_sandbox(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Sandbox]:
    """The BFF with its lifespan running, the demo roles logged in, and its TimeBack simulator."""
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60) as manager:
        container: Container = manager._state["container"]
        assert container.simulators is not None
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            headers = {role: await login(http, demo[role].email) for role in ROLES}
            timeback = simulator(container, "timeback", TimebackSimulator)
            yield Sandbox(http, timeback, population_of(settings), demo, headers)


def held(collection: Collection, sourced_id: str) -> dict[str, Any]:
    """An object the simulator holds (the test fails if it does not)."""
    entity = collection.get(sourced_id)
    assert entity is not None, sourced_id
    return entity


def taught_class(s: Sandbox) -> str:
    teacher = s.demo["teacher"].person_sourced_id
    return min(c.key for c in s.population.classes if c.teacher == teacher)


async def test_a_create_answers_the_created_object_as_a_get_would(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    teacher = s.headers["teacher"]
    class_id = taught_class(s)
    made = await http.post(
        f"/v1/gradebook/classes/{class_id}/line-items",
        json={"lineItem": line_item_body()},
        headers=teacher,
    )
    assert made.status_code == 201, made.text
    created = made.json()["lineItem"]
    assert created["title"] == line_item_body()["title"]
    assert created["class"]["sourcedId"] == class_id
    got = await http.get(f"/v1/gradebook/line-items/{created['sourcedId']}", headers=teacher)
    assert got.json() == made.json()


async def test_a_teacher_keeps_the_gradebook_of_their_class(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    teacher = s.headers["teacher"]
    class_id = taught_class(s)
    student = students_of(s.population, class_id)[0]
    line_item = await create_line_item(http, teacher, class_id)

    # the school came from the class, the class from the path
    got = await http.get(f"/v1/gradebook/line-items/{line_item}", headers=teacher)
    assert got.status_code == 200, got.text
    stored = got.json()["lineItem"]
    assert stored["class"]["sourcedId"] == class_id
    assert (
        stored["school"]["sourcedId"] == held(s.sim.state.classes, class_id)["school"]["sourcedId"]
    )

    result = await put_result(http, teacher, line_item, student, score=7)
    regraded = await http.put(
        f"/v1/gradebook/results/{result}", json={"result": {"score": 9}}, headers=teacher
    )
    assert regraded.status_code == 200, regraded.text
    assert regraded.json()["result"]["score"] == 9
    assert regraded.json()["result"]["student"]["sourcedId"] == student  # kept (upsert)

    listed = await http.get(f"/v1/gradebook/classes/{class_id}/results", headers=teacher)
    assert listed.status_code == 200, listed.text
    # beside the sandbox's demo results (seed_gradebook.py), once
    assert [r["sourcedId"] for r in listed.json()["results"]].count(result) == 1
    assert int(listed.headers["X-Total-Count"]) >= 1
    assert 'rel="first"' in listed.headers["Link"]

    of_item = await http.get(
        f"/v1/gradebook/classes/{class_id}/line-items/{line_item}/results", headers=teacher
    )
    assert [r["sourcedId"] for r in of_item.json()["results"]] == [result]

    deleted = await http.delete(f"/v1/gradebook/line-items/{line_item}", headers=teacher)
    assert deleted.status_code == 204
    assert held(s.sim.state.gradebook["lineItems"], line_item)["status"] == "tobedeleted"


async def test_students_and_guardians_see_their_own_results_only(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    admin = s.headers["admin"]
    me = s.demo["student"].person_sourced_id
    class_id = min(e.klass for e in s.population.enrollments if e.person == me)
    classmate = next(x for x in students_of(s.population, class_id) if x != me)
    line_item = await create_line_item(http, admin, class_id)
    mine = await put_result(http, admin, line_item, me)
    theirs = await put_result(http, admin, line_item, classmate)
    student = s.headers["student"]

    own = await http.get(f"/v1/gradebook/classes/{class_id}/students/{me}/results", headers=student)
    assert own.status_code == 200, own.text
    own_ids = [r["sourcedId"] for r in own.json()["results"]]
    assert own_ids.count(mine) == 1
    assert theirs not in own_ids
    assert {r["student"]["sourcedId"] for r in own.json()["results"]} == {me}
    assert (await http.get(f"/v1/gradebook/results/{mine}", headers=student)).status_code == 200
    # the class's line items, yes; its results or a classmate's, no
    items = await http.get(f"/v1/gradebook/classes/{class_id}/line-items", headers=student)
    assert line_item in [i["sourcedId"] for i in items.json()["lineItems"]]
    whole = await http.get(f"/v1/gradebook/classes/{class_id}/results", headers=student)
    assert whole.status_code == 403
    other = await http.get(
        f"/v1/gradebook/classes/{class_id}/students/{classmate}/results", headers=student
    )
    assert other.status_code == 403
    assert (await http.get(f"/v1/gradebook/results/{theirs}", headers=student)).status_code == 404
    # and never write
    refused = await http.put(
        f"/v1/gradebook/results/{mine}", json={"result": {"score": 10}}, headers=student
    )
    assert refused.status_code == 403

    guardian_key = s.demo["guardian"].person_sourced_id
    child = next(p.agents[0] for p in s.population.people if p.key == guardian_key)
    child_class = min(e.klass for e in s.population.enrollments if e.person == child)
    item = await create_line_item(http, admin, child_class)
    childs = await put_result(http, admin, item, child)
    seen = await http.get(
        f"/v1/gradebook/classes/{child_class}/students/{child}/results",
        headers=s.headers["guardian"],
    )
    assert seen.status_code == 200, seen.text
    results = seen.json()["results"]
    assert childs in [r["sourcedId"] for r in results]
    assert {r["student"]["sourcedId"] for r in results} == {child}


async def test_other_teachers_and_schools_do_not_see_a_class_gradebook(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    teacher = s.demo["teacher"].person_sourced_id
    staff_school = next(
        p.org for p in s.population.people if p.key == s.demo["staff"].person_sourced_id
    )
    foreign = min(
        c.key for c in s.population.classes if c.teacher != teacher and c.school != staff_school
    )
    line_item = await create_line_item(http, s.headers["admin"], foreign)
    for role in ("teacher", "staff"):
        got = await http.get(f"/v1/gradebook/line-items/{line_item}", headers=s.headers[role])
        assert got.status_code == 404, (role, got.text)
        listed = await http.get(f"/v1/gradebook/classes/{foreign}/results", headers=s.headers[role])
        assert listed.status_code == 403, role
        moved = await http.put(
            f"/v1/gradebook/line-items/{line_item}",
            json={"lineItem": {"title": "mine now"}},
            headers=s.headers[role],
        )
        assert moved.status_code == 404, role
    # nor may a teacher move their own line item into someone else's class
    own = await create_line_item(http, s.headers["teacher"], taught_class(s))
    moved = await http.put(
        f"/v1/gradebook/line-items/{own}",
        json={"lineItem": {"class": {"sourcedId": foreign}}},
        headers=s.headers["teacher"],
    )
    assert moved.status_code == 403


async def test_whole_collections_are_for_admins(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    await create_line_item(http, s.headers["admin"], taught_class(s))
    everything = await http.get(
        "/v1/gradebook/line-items", params={"limit": 1}, headers=s.headers["admin"]
    )
    assert everything.status_code == 200
    assert len(everything.json()["lineItems"]) == 1
    assert int(everything.headers["X-Total-Count"]) >= 1
    for role in ("staff", "teacher", "student", "guardian"):
        refused = await http.get("/v1/gradebook/line-items", headers=s.headers[role])
        assert refused.status_code == 403, role
    categories = await http.get("/v1/gradebook/categories", headers=s.headers["student"])
    assert categories.status_code == 200


async def test_a_bad_filter_is_refused_before_timeback_is_asked(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    before = len(s.sim.log.entries(path="/ims/oneroster/gradebook"))
    response = await http.get(
        "/v1/gradebook/line-items",
        params={"filter": "title='unterminated"},
        headers=s.headers["admin"],
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["loc"] == ["query", "filter"]
    assert len(s.sim.log.entries(path="/ims/oneroster/gradebook")) == before


async def test_an_unknown_field_is_refused_before_timeback_is_asked(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    before = len(s.sim.log.entries(path="/ims/oneroster/gradebook"))
    response = await http.get(
        "/v1/gradebook/line-items",
        params={"fields": "sourcedId, shoeSize"},
        headers=s.headers["admin"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "fields"]
    assert "shoeSize" in response.json()["errors"][0]["msg"]
    assert len(s.sim.log.entries(path="/ims/oneroster/gradebook")) == before
    fine = await http.get(
        "/v1/gradebook/line-items",
        params={"fields": "sourcedId, title"},
        headers=s.headers["admin"],
    )
    assert fine.status_code == 200, fine.text


async def test_timeback_refusals_are_4xx_and_outages_503(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    admin = s.headers["admin"]
    # a category whose sourcedId TimeBack already has: its words, as a 422 problem
    body = {"category": {"sourcedId": "cat-twice", "title": "Twice"}}
    first = await http.post("/v1/gradebook/categories", json=body, headers=admin)
    assert first.status_code == 201, first.text
    again = await http.post("/v1/gradebook/categories", json=body, headers=admin)
    assert again.status_code == 409, again.text
    # TimeBack's own refusal of what it was sent: its words, as a 422 problem
    s.sim.faults.fail_next(422, path="/ims/oneroster/gradebook/v1p2/categories")
    refused = await http.post(
        "/v1/gradebook/categories", json={"category": {"title": "Refused"}}, headers=admin
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "TimeBack refused" in refused.json()["detail"]
    # a field TimeBack does not know in sort
    unknown = await http.get("/v1/gradebook/line-items", params={"sort": "nonsense"}, headers=admin)
    assert unknown.status_code == 422, unknown.text
    # TimeBack down (more failures than the retries absorb)
    s.sim.faults.fail_next(503, times=20, path="/ims/oneroster/gradebook")
    down = await http.get("/v1/gradebook/line-items", headers=admin)
    assert down.status_code == 503, down.text
    s.sim.faults.clear()


async def test_read_only_tokens_never_write(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    created = await http.post(
        "/v1/me/api-tokens", json={"name": "ro", "scope": "read"}, headers=s.headers["teacher"]
    )
    assert created.status_code == 201, created.text
    token = {"Authorization": f"Bearer {created.json()['token']}"}
    class_id = taught_class(s)
    refused = await http.post(
        f"/v1/gradebook/classes/{class_id}/line-items",
        json={"lineItem": line_item_body()},
        headers=token,
    )
    assert refused.status_code == 403
    read = await http.get(f"/v1/gradebook/classes/{class_id}/line-items", headers=token)
    assert read.status_code == 200


async def test_bodies_are_checked_before_timeback(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    response = await http.post(
        f"/v1/gradebook/classes/{taught_class(s)}/line-items",
        json={"lineItem": {"title": "no dates", "bogus": 1}},
        headers=s.headers["teacher"],
    )
    assert response.status_code == 422
    wrong = {tuple(e["loc"][-1:]) for e in response.json()["errors"]}
    assert ("assignDate",) in wrong
    assert ("bogus",) in wrong


async def test_assessment_items_by_class_and_results_by_student(sandbox: Sandbox) -> None:
    s, http = sandbox, sandbox.http
    teacher = s.headers["teacher"]
    class_id = taught_class(s)
    student = students_of(s.population, class_id)[0]
    item = await http.put(
        "/v1/gradebook/assessment-line-items/ali-1",
        json={"assessmentLineItem": {"title": "Unit 1 test", "class": {"sourcedId": class_id}}},
        headers=teacher,
    )
    assert item.status_code == 200, item.text
    await http.put(
        "/v1/gradebook/assessment-line-items/ali-other",
        json={"assessmentLineItem": {"title": "Elsewhere"}},
        headers=s.headers["admin"],
    )
    of_class = await http.get(
        f"/v1/gradebook/classes/{class_id}/assessment-line-items", headers=teacher
    )
    assert [i["sourcedId"] for i in of_class.json()["assessmentLineItems"]] == ["ali-1"]
    graded = await http.put(
        "/v1/gradebook/assessment-results/ar-1",
        json={
            "assessmentResult": {
                "assessmentLineItem": {"sourcedId": "ali-1"},
                "student": {"sourcedId": student},
                "scoreStatus": "fully graded",
                "score": 88,
                "scoreDate": SCORE_DATE,
            }
        },
        headers=teacher,
    )
    assert graded.status_code == 200, graded.text
    listed = await http.get(
        f"/v1/gradebook/students/{student}/assessment-results",
        params={"filter": "score>=80"},
        headers=teacher,
    )
    assert [r["sourcedId"] for r in listed.json()["assessmentResults"]] == ["ar-1"]
    assert listed.headers["X-Total-Count"] == "1"
    # an unbound assessment line item is a shared definition: admins write it
    refused = await http.put(
        "/v1/gradebook/assessment-line-items/ali-other",
        json={"assessmentLineItem": {"title": "Mine"}},
        headers=teacher,
    )
    assert refused.status_code == 403
