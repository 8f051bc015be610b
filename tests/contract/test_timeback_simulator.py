"""The TimeBack adapter client against the TimeBack simulator: tokens, rostering reads, seeds."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx
import pytest

from adapters.simulation.population import Population, build_population
from adapters.simulation.transport import SimulatorTransport
from adapters.timeback.errors import (
    TimebackAuthError,
    TimebackNotFound,
    as_timeback_error,
    raise_for_status,
    to_domain_error,
)
from adapters.timeback.simulator import TimebackSimulator, sandbox_client
from domain.errors import NotFound

BASE = "http://timeback.sim"
ROSTERING = "/ims/oneroster/rostering/v1p2"
ORGS = f"{ROSTERING}/orgs"
USERS = f"{ROSTERING}/users"


@pytest.fixture
def sim() -> TimebackSimulator:
    return TimebackSimulator(seed=7, users=12, classes=4)


@pytest.fixture
async def client(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        yield http


def raw(sim: TimebackSimulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=BASE)


# -- tokens ---------------------------------------------------------------------------------


async def test_first_call_fetches_a_token_with_basic_auth_and_reuses_it(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    assert (await client.get(ORGS)).status_code == 200
    assert (await client.get(USERS)).status_code == 200
    token_calls = sim.log.entries(path="/oauth2/token")
    assert len(token_calls) == 1
    assert token_calls[0].headers["authorization"] == "Basic [redacted]"
    assert [e.headers["authorization"] for e in sim.log.entries(path=ROSTERING)] == [
        "Bearer [redacted]"
    ] * 2


async def test_client_secret_post_is_accepted_and_the_reply_is_cognito_shaped(
    sim: TimebackSimulator,
) -> None:
    async with raw(sim) as http:
        reply = await http.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
            },
        )
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    claims = body["access_token"].split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert payload["client_id"] == "sandbox-client"
    assert payload["token_use"] == "access"


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "x",
            },
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
            401,
            "invalid_client",
        ),
        (
            {
                "grant_type": "password",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
            },
            400,
            "unsupported_grant_type",
        ),
        (
            {"client_id": "sandbox-client", "client_secret": "sandbox-secret"},
            400,
            "invalid_request",
        ),
    ],
)
async def test_token_endpoint_refusals(
    sim: TimebackSimulator, form: dict[str, str], status: int, error: str
) -> None:
    async with raw(sim) as http:
        reply = await http.post("/oauth2/token", data=form)
    assert (reply.status_code, reply.json()) == (status, {"error": error})


async def test_bad_credentials_surface_as_an_auth_error(sim: TimebackSimulator) -> None:
    async with sandbox_client(SimulatorTransport(sim.app), secret="wrong") as http:
        with pytest.raises(httpx.HTTPStatusError) as caught:
            await http.get(ORGS)
    error = as_timeback_error(caught.value)
    assert isinstance(error, TimebackAuthError)
    assert (error.status, error.code) == (401, "invalid_client")
    assert not sim.log.entries(path=ROSTERING)  # never reached the API


async def test_an_expired_token_is_refused_then_replaced(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    assert (await client.get(ORGS)).status_code == 200
    sim.clock.advance(3601)  # the simulator's hour passes; the client's clock has not moved
    assert (await client.get(ORGS)).status_code == 200
    statuses = [(e.path, e.status) for e in sim.log.entries()]
    assert statuses == [
        ("/oauth2/token", 200),
        (ORGS, 200),
        (ORGS, 401),  # the old token, refused
        ("/oauth2/token", 200),
        (ORGS, 200),
    ]


async def test_a_token_the_client_sees_expiring_is_refetched_before_use() -> None:
    # 60 s is inside authlib's refresh margin, so each call must fetch a fresh token first
    sim = TimebackSimulator(seed=7, users=3, classes=1, token_ttl=60)
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        for _ in range(2):
            assert (await http.get(ORGS)).status_code == 200
    assert len(sim.log.entries(path="/oauth2/token")) == 2
    assert all(e.status == 200 for e in sim.log.entries())


@pytest.mark.parametrize(
    ("authorization", "description"),
    [
        (None, "Unauthorized: missing bearer token"),
        ("Bearer not-a-token", "Unauthorized: invalid token"),
        ("Basic c2FuZGJveC1jbGllbnQ6c2FuZGJveC1zZWNyZXQ=", "Unauthorized: missing bearer token"),
    ],
)
async def test_api_routes_want_a_live_bearer_token(
    sim: TimebackSimulator, authorization: str | None, description: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with raw(sim) as http:
        reply = await http.get(ORGS, headers=headers)
    assert reply.status_code == 401
    body = reply.json()
    assert body["imsx_description"] == description
    minor = body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    assert minor == "unauthorisedrequest"


# -- rostering reads --------------------------------------------------------------------------


async def test_orgs_page_through_body_fields_and_link_headers(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    first = await client.get(ORGS, params={"limit": 1})
    total = int(first.headers["X-Total-Count"])
    assert total == 1 + math.ceil(4 / 3)  # the district and its schools
    body = first.json()
    assert {k: body[k] for k in ("totalCount", "pageCount", "pageNumber", "offset", "limit")} == {
        "totalCount": total,
        "pageCount": total,
        "pageNumber": 1,
        "offset": 0,
        "limit": 1,
    }
    assert 'rel="next"' in first.headers["Link"]
    assert 'rel="prev"' not in first.headers["Link"]
    seen = [org["sourcedId"] for org in body["orgs"]]
    page = first
    while "next" in page.links:
        page = await client.get(page.links["next"]["url"])
        seen += [org["sourcedId"] for org in page.json()["orgs"]]
    assert len(seen) == len(set(seen)) == total
    assert 'rel="prev"' in page.headers["Link"]
    assert 'rel="next"' not in page.headers["Link"]
    assert {o["type"] for o in (await client.get(ORGS)).json()["orgs"]} == {"district", "school"}


async def test_users_list_is_sized_by_the_seed_and_roles_are_realistic(
    client: httpx.AsyncClient,
) -> None:
    users = (await client.get(USERS, params={"limit": 3000})).json()["users"]
    by_role: dict[str, list[dict[str, Any]]] = {}
    for user in users:
        by_role.setdefault(user["roles"][0]["role"], []).append(user)
    assert len(by_role["student"]) == 12
    assert len(by_role["teacher"]) == 4
    assert len(by_role["administrator"]) == 1 + math.ceil(4 / 3)
    assert by_role["guardian"]
    assert all(g["agents"] for g in by_role["guardian"])
    student = by_role["student"][0]
    assert student["enabledUser"] == "true"  # a string on the wire
    assert student["grades"]
    assert isinstance(student["grades"][0], str)


async def test_one_user_comes_in_the_singular_envelope(client: httpx.AsyncClient) -> None:
    some = (await client.get(USERS, params={"limit": 1})).json()["users"][0]
    reply = await client.get(f"{USERS}/{some['sourcedId']}")
    assert reply.status_code == 200
    assert reply.json() == {"user": some}


async def test_an_unknown_id_is_an_imsx_404(client: httpx.AsyncClient) -> None:
    reply = await client.get(f"{ORGS}/no-such-org")
    assert reply.status_code == 404
    assert reply.json() == {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": "Org not found",
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": "unknownobject",
                }
            ]
        },
    }
    with pytest.raises(TimebackNotFound) as caught:
        raise_for_status(reply)
    assert isinstance(to_domain_error(caught.value), NotFound)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 3001}, {"offset": -1}, {"limit": "x"}])
async def test_bad_paging_parameters_are_400(
    client: httpx.AsyncClient, params: dict[str, str | int]
) -> None:
    reply = await client.get(ORGS, params=params)
    assert reply.status_code == 400
    assert reply.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
        "invaliddata"
    )


# -- seeds ----------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_roster_and_size_is_respected() -> None:
    a = TimebackSimulator(seed=3, users=20, classes=5)
    b = TimebackSimulator(seed=3, users=20, classes=5)
    assert a.state.users.all() == b.state.users.all()
    assert a.state.orgs.all() == b.state.orgs.all()
    assert a.state.users.all() != TimebackSimulator(seed=4, users=20, classes=5).state.users.all()
    a.seed(users=50)
    assert a.summarize()["roles"]["student"] == 50  # type: ignore[index]
    a.seed(3, users=20)
    assert a.state.users.all() == b.state.users.all()


# -- classes, enrollments and the other rostering collections -----------------------------------

#: path -> (list key, single key, how many the seed 7 / 12 users / 4 classes roster has)
COLLECTIONS = {
    "academicSessions": ("academicSessions", "academicSession", 3),
    "terms": ("terms", "term", 2),
    "courses": ("courses", "course", 8),
    "classes": ("classes", "class", 4),
    "schools": ("orgs", "org", 2),
    "students": ("users", "user", 12),
    "teachers": ("users", "user", 4),
}


def population_of(sim: TimebackSimulator) -> Population:
    return build_population(sim.spec.seed, users=sim.spec.users, classes=sim.spec.classes)


@pytest.mark.parametrize("path", sorted(COLLECTIONS))
async def test_each_collection_lists_and_gets_in_its_own_envelope(
    client: httpx.AsyncClient, path: str
) -> None:
    plural, singular, count = COLLECTIONS[path]
    first = await client.get(f"{ROSTERING}/{path}", params={"limit": 1})
    assert first.status_code == 200
    body = first.json()
    assert (body["totalCount"], first.headers["X-Total-Count"]) == (count, str(count))
    assert len(body[plural]) == 1
    assert ('rel="next"' in first.headers["Link"]) is (count > 1)
    entity = body[plural][0]
    assert {"sourcedId", "status", "dateLastModified", "metadata"} <= set(entity)
    assert entity["status"] == "active"
    one = await client.get(f"{ROSTERING}/{path}/{entity['sourcedId']}")
    assert one.json() == {singular: entity}


async def test_enrollments_cover_every_teacher_and_student(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    population = population_of(sim)
    enrollments = (await client.get(f"{ROSTERING}/enrollments")).json()["enrollments"]
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


async def test_a_class_refers_to_its_school_course_and_term(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    population = population_of(sim)
    klass = (await client.get(f"{ROSTERING}/classes", params={"limit": 1})).json()["classes"][0]
    assert klass["classType"] == "scheduled"
    assert klass["school"]["sourcedId"] == population.schools[0].key
    assert klass["school"]["href"] == f"{BASE}{ORGS}/{population.schools[0].key}"
    for ref, path in ((klass["course"], "courses"), (klass["terms"][0], "academicSessions")):
        followed = await client.get(f"{ROSTERING}/{path}/{ref['sourcedId']}")
        assert followed.status_code == 200
    term = (await client.get(f"{ROSTERING}/terms/{klass['terms'][0]['sourcedId']}")).json()["term"]
    assert (term["type"], term["schoolYear"]) == ("term", 2025)
    year = await client.get(f"{ROSTERING}/academicSessions/{term['parent']['sourcedId']}")
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
    sim: TimebackSimulator, client: httpx.AsyncClient, path: str, wrong_kind: str, label: str
) -> None:
    population = population_of(sim)
    ids = {
        "district": population.district.key,
        "teacher": population.with_role("teacher")[0].key,
        "student": population.with_role("student")[0].key,
        "schoolYear": population.sessions[0].key,
    }
    reply = await client.get(f"{ROSTERING}/{path}/{ids[wrong_kind]}")
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


async def test_every_nested_list_answers_what_the_population_says(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    for parent, parent_id, child, expected in nested_cases(population_of(sim)):
        reply = await client.get(f"{ROSTERING}/{parent}/{parent_id}/{child}")
        assert reply.status_code == 200, (parent, child)
        key = NESTED_KEYS.get(child, child)
        body = reply.json()
        assert {item["sourcedId"] for item in body[key]} == expected, (parent, child)
        assert expected, (parent, child)  # the seed gives every route something to list
        assert body["totalCount"] == len(expected)


async def test_nested_lists_page_like_the_others(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    school = population_of(sim).schools[0].key
    first = await client.get(f"{ROSTERING}/schools/{school}/students", params={"limit": 2})
    total = int(first.headers["X-Total-Count"])
    assert total > 2
    assert first.json()["pageCount"] == math.ceil(total / 2)
    seen = [u["sourcedId"] for u in first.json()["users"]]
    page = first
    while "next" in page.links:
        page = await client.get(page.links["next"]["url"])
        seen += [u["sourcedId"] for u in page.json()["users"]]
    assert len(seen) == len(set(seen)) == total
    bad = await client.get(f"{ROSTERING}/schools/{school}/students", params={"limit": 0})
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
    client: httpx.AsyncClient, route: str, label: str
) -> None:
    reply = await client.get(f"{ROSTERING}/{route.format(id='no-such-id')}")
    assert reply.status_code == 404
    body = reply.json()
    assert body["imsx_description"] == f"{label} not found"
    minor = body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    assert minor == "unknownobject"


async def test_nested_lists_want_a_token_too(sim: TimebackSimulator) -> None:
    school = population_of(sim).schools[0].key
    async with raw(sim) as http:
        reply = await http.get(f"{ROSTERING}/schools/{school}/classes")
    assert reply.status_code == 401


async def test_a_teacher_is_no_student_so_their_student_classes_are_a_404(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    teacher = population_of(sim).with_role("teacher")[0].key
    assert (await client.get(f"{ROSTERING}/students/{teacher}/classes")).status_code == 404
    agent_for = await client.get(f"{ROSTERING}/users/{teacher}/agentFor")
    assert (agent_for.status_code, agent_for.json()["users"]) == (200, [])
