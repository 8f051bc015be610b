"""The TimeBack simulator's remaining rostering operations, on the wire.

Course components and component resources (seeded, CRUD), grading periods (academic sessions of
type ``gradingPeriod``: read as ``gradingPeriod(s)``, written as ``academicSession``; per term),
demographics writes and ``/users/{id}/demographics``, the per-school terms, courses and class
lists, and third-party credentials. Responses with real entities in them are also checked against
TimeBack's OpenAPI file (the conformance run mostly reaches these paths with unknown ids).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import yaml

from simulators.kit.population import build_population
from simulators.timeback import TimebackSimulator
from simulators.timeback.checks import LESSON_TYPES
from simulators.timeback.seed import LESSONS_PER_UNIT
from tests.support.timeback_sim import SPEC, bearer_client, simulator_with_token

BASE = "http://timeback.sim"
ROSTERING = "/ims/oneroster/rostering/v1p2"
TOKEN = "more-token"
SEED, USERS, CLASSES = 4, 30, 6


@pytest.fixture
def sim() -> TimebackSimulator:
    return simulator_with_token(TOKEN, seed=SEED, users=USERS, classes=CLASSES)


@pytest.fixture
async def http(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with bearer_client(sim, TOKEN, f"{BASE}{ROSTERING}") as client:
        yield client


@pytest.fixture(scope="module")
def spec() -> Any:
    schemathesis = pytest.importorskip("schemathesis")
    if not SPEC.exists():
        pytest.skip("TimeBack OpenAPI fixture missing")
    return schemathesis.openapi.from_dict(yaml.load(SPEC.read_text(), Loader=yaml.CSafeLoader))


def conforms(spec: Any, method: str, path: str, response: httpx.Response) -> None:
    """``response`` uses a documented status and matches its schema (``path`` as the spec
    spells it, after the rostering prefix)."""
    operation = spec[f"{ROSTERING}{path}"][method]
    assert str(response.status_code) in operation.definition.raw["responses"], response.text
    operation.validate_response(response)


async def items(http: httpx.AsyncClient, path: str, key: str, **params: Any) -> list[Any]:
    response = await http.get(path, params={"limit": 3000, **params})
    assert response.status_code == 200, response.text
    found: list[Any] = response.json()[key]
    return found


def created_id(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    pairs = response.json()["sourcedIdPairs"]
    assert pairs["suppliedSourcedId"] == pairs["allocatedSourcedId"]
    sourced_id: str = pairs["allocatedSourcedId"]
    return sourced_id


def minor(response: httpx.Response) -> str:
    value: str = response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0][
        "imsx_codeMinorFieldValue"
    ]
    return value


def error_paths(response: httpx.Response) -> set[str]:
    return {d["path"] for d in response.json().get("imsx_error_details", [])}


# -- course components and component resources -------------------------------------------------


def test_course_structure_is_seeded_deterministically_without_touching_other_counts() -> None:
    a = TimebackSimulator(seed=SEED, users=USERS, classes=CLASSES)
    b = TimebackSimulator(seed=SEED, users=USERS, classes=CLASSES)
    other = TimebackSimulator(seed=SEED + 1, users=USERS, classes=CLASSES)
    population = build_population(SEED, users=USERS, classes=CLASSES)
    courses = {c.key for c in population.courses}

    units = a.state.course_components.all()
    assert len(units) == 2 * len(courses)
    assert {u["course"]["sourcedId"] for u in units} == courses
    lessons = a.state.component_resources.all()
    assert len(lessons) == LESSONS_PER_UNIT * len(units)
    assert {r["courseComponent"]["sourcedId"] for r in lessons} == {u["sourcedId"] for u in units}
    assert a.state.course_components.items == b.state.course_components.items
    assert a.state.component_resources.items == b.state.component_resources.items
    assert set(a.state.course_components.items).isdisjoint(other.state.course_components.items)
    # what existed before stays as it was: no grading period joins the academic sessions
    assert len(a.state.academic_sessions) == len(population.sessions)
    assert len(a.state.courses) == len(courses)
    summary = a.summarize()
    assert summary["courses/components"] == len(units)
    assert summary["courses/component-resources"] == len(lessons)


async def test_components_list_get_and_filter_by_course(
    sim: TimebackSimulator, http: httpx.AsyncClient, spec: Any
) -> None:
    listed = await http.get("/courses/components", params={"limit": 3})
    conforms(spec, "GET", "/courses/components", listed)
    body = listed.json()
    assert len(body["courseComponents"]) == 3
    assert body["totalCount"] == len(sim.state.course_components)
    assert "next" in listed.headers["link"]

    unit = sim.state.course_components.all()[0]
    course_id = unit["course"]["sourcedId"]
    one = await http.get(f"/courses/components/{unit['sourcedId']}")
    conforms(spec, "GET", "/courses/components/{sourcedId}", one)
    assert one.json() == {"courseComponent": unit}
    # the literal path is not read as a course id, and courses still are
    assert (await http.get(f"/courses/{course_id}")).json()["course"]["sourcedId"] == course_id

    # tbor's courses(id).components() filters on the course reference
    of_course = await items(
        http, "/courses/components", "courseComponents", filter=f"course.sourcedId='{course_id}'"
    )
    assert [u["title"].split(":")[0] for u in of_course] == ["Unit 1", "Unit 2"]
    assert {u["course"]["sourcedId"] for u in of_course} == {course_id}
    assert [u["sortOrder"] for u in of_course] == [1, 2]
    searched = await items(http, "/courses/components", "courseComponents", search="unit 2")
    assert searched
    assert all(u["title"].startswith("Unit 2") for u in searched)

    missing = await http.get("/courses/components/nope")
    assert missing.status_code == 404
    assert minor(missing) == "unknownobject"


async def test_component_create_update_and_soft_delete(
    sim: TimebackSimulator, http: httpx.AsyncClient, spec: Any
) -> None:
    course = sim.state.courses.all()[0]["sourcedId"]
    body = {"status": "active", "title": "Unit 9", "course": {"sourcedId": course}}
    response = await http.post("/courses/components", json={"courseComponent": body})
    conforms(spec, "POST", "/courses/components", response)
    unit_id = created_id(response)

    stored = (await http.get(f"/courses/components/{unit_id}")).json()["courseComponent"]
    assert stored["course"]["href"].endswith(f"/courses/{course}")
    assert stored["sortOrder"] == 0
    assert stored["unlockDate"] == stored["dateLastModified"]
    assert stored["parent"] is None

    # a sub-unit: its parent becomes a full reference to the component
    child = {**body, "title": "Unit 9a", "parent": {"sourcedId": unit_id}, "sortOrder": 2}
    child_id = created_id(await http.post("/courses/components/", json={"courseComponent": child}))
    parent = sim.state.course_components.get(child_id)["parent"]  # type: ignore[index]
    assert parent["type"] == "courseComponent"
    assert parent["href"].endswith(f"/courses/components/{unit_id}")

    renamed = await http.put(
        f"/courses/components/{unit_id}", json={"courseComponent": {"title": "Unit 9 (revised)"}}
    )
    conforms(spec, "PUT", "/courses/components/{sourcedId}", renamed)
    assert renamed.status_code == 200
    assert renamed.json()["courseComponent"]["title"] == "Unit 9 (revised)"
    assert renamed.json()["courseComponent"]["course"]["sourcedId"] == course

    deleted = await http.delete(f"/courses/components/{unit_id}")
    assert deleted.status_code == 204
    gone = (await http.get(f"/courses/components/{unit_id}")).json()["courseComponent"]
    assert gone["status"] == "tobedeleted"
    listed = await items(
        http, "/courses/components", "courseComponents", filter="status='tobedeleted'"
    )
    assert [u["sourcedId"] for u in listed] == [unit_id]

    incomplete = await http.post("/courses/components", json={"courseComponent": {"title": "x"}})
    assert incomplete.status_code == 422
    assert error_paths(incomplete) == {"status", "course"}
    wrong = await http.post("/courses/components", json={"component": body})
    assert wrong.status_code == 400
    assert (
        await http.put("/courses/components/nope", json={"courseComponent": body})
    ).status_code == 404
    assert (await http.delete("/courses/components/nope")).status_code == 404


async def test_component_resources_crud(
    sim: TimebackSimulator, http: httpx.AsyncClient, spec: Any
) -> None:
    listed = await http.get("/courses/component-resources")
    conforms(spec, "GET", "/courses/component-resources", listed)
    assert listed.json()["totalCount"] == len(sim.state.component_resources)
    seeded = sim.state.component_resources.all()[0]
    one = await http.get(f"/courses/component-resources/{seeded['sourcedId']}")
    conforms(spec, "GET", "/courses/component-resources/{sourcedId}", one)
    assert one.json() == {"componentResource": seeded}

    unit = sim.state.course_components.all()[0]["sourcedId"]
    body = {
        "status": "active",
        "title": "Reading 1",
        "courseComponent": {"sourcedId": unit},
        "resource": {"sourcedId": "res-1"},
        "lessonType": "quiz",
    }
    response = await http.post("/courses/component-resources", json={"componentResource": body})
    conforms(spec, "POST", "/courses/component-resources", response)
    lesson_id = created_id(response)
    of_unit = await items(
        http,
        "/courses/component-resources",
        "componentResources",
        filter=f"courseComponent.sourcedId='{unit}'",
    )
    assert lesson_id in {r["sourcedId"] for r in of_unit}
    assert sim.state.component_resources.get(lesson_id)["sortOrder"] == 0  # type: ignore[index]

    moved = await http.put(
        f"/courses/component-resources/{lesson_id}",
        json={"componentResource": {"sortOrder": 5, "lessonType": None}},
    )
    conforms(spec, "PUT", "/courses/component-resources/{sourcedId}", moved)
    assert moved.status_code == 200
    assert moved.json()["componentResource"]["sortOrder"] == 5
    assert moved.json()["componentResource"]["resource"] == {"sourcedId": "res-1"}

    bad = await http.put(
        f"/courses/component-resources/{lesson_id}",
        json={"componentResource": {"lessonType": "lecture", "sortOrder": "first"}},
    )
    assert bad.status_code == 422
    assert error_paths(bad) == {"lessonType", "sortOrder"}
    assert (await http.delete(f"/courses/component-resources/{lesson_id}")).status_code == 204
    assert sim.state.component_resources.get(lesson_id)["status"] == "tobedeleted"  # type: ignore[index]
    assert (await http.get("/courses/component-resources/nope")).status_code == 404


# -- grading periods -------------------------------------------------------------------------


def grading_period(org: str, **extra: Any) -> dict[str, Any]:
    return {
        "status": "active",
        "title": "Q1",
        "startDate": "2024-08-19",
        "endDate": "2024-10-25",
        "type": "gradingPeriod",
        "schoolYear": "2025",
        "org": {"sourcedId": org},
        **extra,
    }


async def test_grading_periods_are_the_grading_period_sessions(
    sim: TimebackSimulator, http: httpx.AsyncClient, spec: Any
) -> None:
    seeded = await items(http, "/gradingPeriods", "gradingPeriods", sort="startDate")
    terms = {t["sourcedId"] for t in await items(http, "/terms", "terms")}
    # the demo year's four quarters, two in each term
    assert [p["title"][:2] for p in seeded] == ["Q1", "Q2", "Q3", "Q4"]
    assert {p["type"] for p in seeded} == {"gradingPeriod"}
    assert {p["parent"]["sourcedId"] for p in seeded} == terms
    term = (await items(http, "/terms", "terms"))[0]
    assert (await http.get(f"/gradingPeriods/{term['sourcedId']}")).status_code == 404
    org = term["org"]["sourcedId"]

    created = await http.post(
        "/gradingPeriods/", json={"academicSession": grading_period(org, sourcedId="gp-1")}
    )
    conforms(spec, "POST", "/gradingPeriods/", created)
    assert created_id(created) == "gp-1"
    one = await http.get("/gradingPeriods/gp-1")
    conforms(spec, "GET", "/gradingPeriods/{sourcedId}", one)
    period = one.json()["gradingPeriod"]
    assert period["schoolYear"] == 2025  # a string written, a number read
    assert period["org"]["href"].endswith(f"/orgs/{org}")
    # the same entity through the academic sessions
    assert (await http.get("/academicSessions/gp-1")).json()["academicSession"] == period

    # ... and one created as an academic session is a grading period too
    await http.post(
        "/academicSessions", json={"academicSession": grading_period(org, sourcedId="gp-2")}
    )
    listed = await http.get("/gradingPeriods", params={"filter": "sourcedId~'gp-'"})
    conforms(spec, "GET", "/gradingPeriods/", listed)
    assert [p["sourcedId"] for p in listed.json()["gradingPeriods"]] == ["gp-1", "gp-2"]
    assert await items(http, "/gradingPeriods", "gradingPeriods", filter="title='Q9'") == []

    updated = await http.put(
        "/gradingPeriods/gp-1",
        json={"academicSession": {"title": "Quarter 1", "schoolYear": "2026"}},
    )
    conforms(spec, "PUT", "/gradingPeriods/{sourcedId}", updated)
    assert updated.status_code == 201
    assert updated.json()["academicSession"]["schoolYear"] == 2026
    assert sim.state.academic_sessions.get("gp-1")["title"] == "Quarter 1"  # type: ignore[index]

    retyped = await http.put("/gradingPeriods/gp-1", json={"academicSession": {"type": "term"}})
    assert retyped.status_code == 422
    assert error_paths(retyped) == {"type"}
    read_key = await http.put("/gradingPeriods/gp-1", json={"gradingPeriod": {"title": "x"}})
    assert read_key.status_code == 400
    # a term is no grading period to write through this path either
    assert (
        await http.put(f"/gradingPeriods/{term['sourcedId']}", json={"academicSession": {}})
    ).status_code == 404
    as_term = await http.post(
        "/gradingPeriods", json={"academicSession": grading_period(org, type="term")}
    )
    assert as_term.status_code == 422

    assert (await http.delete("/gradingPeriods/gp-2")).status_code == 204
    session = (await http.get("/academicSessions/gp-2")).json()["academicSession"]
    assert session["status"] == "tobedeleted"
    assert (await http.delete(f"/gradingPeriods/{term['sourcedId']}")).status_code == 404
    missing = await http.post("/gradingPeriods", json={"academicSession": {"title": "Q3"}})
    assert missing.status_code == 422
    assert error_paths(missing) == {"startDate", "endDate", "schoolYear", "org"}


async def test_a_terms_grading_periods(
    sim: TimebackSimulator, http: httpx.AsyncClient, spec: Any
) -> None:
    fall, spring = await items(http, "/terms", "terms", sort="startDate")
    seeded = await http.get(f"/terms/{fall['sourcedId']}/gradingPeriods", params={"sort": "title"})
    conforms(spec, "GET", "/terms/{termSourcedId}/gradingPeriods", seeded)
    assert [p["title"] for p in seeded.json()["gradingPeriods"]] == ["Q1 2024-2025", "Q2 2024-2025"]

    body = {
        "title": "Fall Q1",
        "startDate": "2024-08-19",
        "endDate": "2024-10-11",
        "tenantId": None,
        "clientAppId": None,
    }
    created = await http.post(
        f"/terms/{fall['sourcedId']}/gradingPeriods", json={"academicSession": body}
    )
    conforms(spec, "POST", "/terms/{termSourcedId}/gradingPeriods", created)
    assert created.status_code == 201
    period = created.json()["academicSession"]
    assert period["type"] == "gradingPeriod"
    assert period["parent"]["sourcedId"] == fall["sourcedId"]
    assert period["parent"]["href"].endswith(f"/academicSessions/{fall['sourcedId']}")
    assert period["org"] == fall["org"]  # the term's, when the body names none
    assert period["schoolYear"] == fall["schoolYear"]
    assert "tenantId" not in period

    # a grading period created at the top level with the term as parent belongs to it too
    other = {
        **body,
        "title": "Fall Q2",
        "org": fall["org"],
        "schoolYear": "2025",
        "parent": {"sourcedId": fall["sourcedId"]},
    }
    created_id(await http.post("/gradingPeriods", json={"academicSession": other}))
    await http.post(
        f"/terms/{spring['sourcedId']}/gradingPeriods",
        json={"academicSession": {**body, "title": "Spring Q1"}},
    )
    listed = await http.get(f"/terms/{fall['sourcedId']}/gradingPeriods", params={"sort": "title"})
    conforms(spec, "GET", "/terms/{termSourcedId}/gradingPeriods", listed)
    assert [p["title"] for p in listed.json()["gradingPeriods"]] == [
        "Fall Q1",
        "Fall Q2",
        "Q1 2024-2025",
        "Q2 2024-2025",
    ]
    assert [
        p["title"] for p in await items(http, "/gradingPeriods", "gradingPeriods", search="spring")
    ] == ["Spring Q1"]

    assert (await http.get("/terms/nope/gradingPeriods")).status_code == 404
    unknown = await http.post("/terms/nope/gradingPeriods", json={"academicSession": body})
    assert unknown.status_code == 404
    assert unknown.json()["imsx_description"] == "Term not found"
    year = fall["parent"]["sourcedId"]  # a school year is no term
    assert (await http.get(f"/terms/{year}/gradingPeriods")).status_code == 404
    incomplete = await http.post(
        f"/terms/{fall['sourcedId']}/gradingPeriods", json={"academicSession": {"title": "x"}}
    )
    assert incomplete.status_code == 422
    assert error_paths(incomplete) == {"startDate", "endDate"}


# -- demographics ----------------------------------------------------------------------------


async def test_demographics_create_update_and_soft_delete(
    sim: TimebackSimulator, http: httpx.AsyncClient, spec: Any
) -> None:
    teacher = next(u for u in sim.state.users.all() if u["roles"][0]["role"] == "teacher")
    user_id = teacher["sourcedId"]
    assert sim.state.demographics.get(user_id) is None  # only students have them seeded

    created = await http.post(
        "/demographics/", json={"demographics": {"sourcedId": user_id, "sex": "female"}}
    )
    conforms(spec, "POST", "/demographics/", created)
    assert created_id(created) == user_id
    one = await http.get(f"/demographics/{user_id}")
    conforms(spec, "GET", "/demographics/{sourcedId}", one)
    record = one.json()["demographics"]
    assert record["sex"] == "female"
    assert record["birthDate"] is None  # every field is there, null when the body had none
    assert record["white"] is None
    again = await http.post("/demographics", json={"demographics": {"sourcedId": user_id}})
    assert again.status_code == 422
    assert (
        await http.post("/demographics", json={"demographics": {"sex": "male"}})
    ).status_code == 422

    updated = await http.put(
        f"/demographics/{user_id}",
        json={"demographics": {"sourcedId": user_id, "birthDate": "1980-02-29", "white": "true"}},
    )
    conforms(spec, "PUT", "/demographics/{sourcedId}", updated)
    assert updated.status_code == 200
    assert updated.json()["birthDate"] == "1980-02-29"  # the bare record, as the spec documents
    assert updated.json()["sex"] == "female"

    unnamed = await http.put(f"/demographics/{user_id}", json={"demographics": {"white": "false"}})
    assert unnamed.status_code == 422
    assert error_paths(unnamed) == {"sourcedId"}
    other = await http.put(
        f"/demographics/{user_id}", json={"demographics": {"sourcedId": "someone-else"}}
    )
    assert other.status_code == 400
    invalid = await http.put(
        f"/demographics/{user_id}",
        json={
            "demographics": {
                "sourcedId": user_id,
                "sex": "m",
                "birthDate": "02/29/1980",
                "asian": True,
            }
        },
    )
    assert invalid.status_code == 422
    assert error_paths(invalid) == {"sex", "birthDate", "asian"}
    assert sim.state.demographics.get(user_id)["white"] == "true"  # type: ignore[index]

    assert (await http.delete(f"/demographics/{user_id}")).status_code == 204
    deleted = await items(http, "/demographics", "demographics", filter=f"sourcedId='{user_id}'")
    assert [d["status"] for d in deleted] == ["tobedeleted"]
    assert (await http.delete("/demographics/nope")).status_code == 404
    assert (
        await http.put("/demographics/nope", json={"demographics": {"sourcedId": "nope"}})
    ).status_code == 404


async def test_a_user_with_their_demographics(
    sim: TimebackSimulator, http: httpx.AsyncClient, spec: Any
) -> None:
    student = next(u for u in sim.state.users.all() if u["roles"][0]["role"] == "student")
    found = await http.get(f"/users/{student['sourcedId']}/demographics")
    conforms(spec, "GET", "/users/{sourcedId}/demographics", found)
    user = found.json()["user"]
    assert user["givenName"] == student["givenName"]
    assert user["demographics"] == sim.state.demographics.get(student["sourcedId"])

    teacher = next(u for u in sim.state.users.all() if u["roles"][0]["role"] == "teacher")
    bare = await http.get(f"/users/{teacher['sourcedId']}/demographics")
    conforms(spec, "GET", "/users/{sourcedId}/demographics", bare)
    assert bare.json()["user"]["demographics"] is None

    sparse = await http.get(
        f"/users/{student['sourcedId']}/demographics", params={"fields": "sourcedId,demographics"}
    )
    assert set(sparse.json()["user"]) == {"sourcedId", "demographics"}
    bad_field = await http.get(
        f"/users/{student['sourcedId']}/demographics", params={"fields": "shoeSize"}
    )
    assert bad_field.status_code == 400
    assert minor(bad_field) == "invalid_selection_field"
    missing = await http.get("/users/nope/demographics")
    assert missing.status_code == 404


# -- per-school lists --------------------------------------------------------------------------


async def test_a_schools_terms_and_courses(
    sim: TimebackSimulator, http: httpx.AsyncClient, spec: Any
) -> None:
    school, other = await items(http, "/schools", "orgs", sort="name")
    sid = school["sourcedId"]
    # the demo data's sessions and courses belong to the district
    empty = await http.get(f"/schools/{sid}/terms")
    conforms(spec, "GET", "/schools/{schoolSourcedId}/terms", empty)
    assert empty.json()["terms"] == []
    assert await items(http, f"/schools/{sid}/courses", "courses") == []

    term = {
        "title": "Summer",
        "type": "term",
        "org": {"sourcedId": sid},
        "schoolYear": "2025",
        "startDate": "2025-06-16",
        "endDate": "2025-08-08",
    }
    term_id = created_id(await http.post("/academicSessions", json={"academicSession": term}))
    # a school-owned grading period is no term
    await http.post("/gradingPeriods", json={"academicSession": grading_period(sid)})
    terms = await http.get(f"/schools/{sid}/terms")
    conforms(spec, "GET", "/schools/{schoolSourcedId}/terms", terms)
    assert [t["sourcedId"] for t in terms.json()["terms"]] == [term_id]
    assert await items(http, f"/schools/{other['sourcedId']}/terms", "terms") == []

    course = {"status": "active", "title": "Robotics", "org": {"sourcedId": sid}}
    course_id = created_id(await http.post("/courses", json={"course": course}))
    courses = await http.get(f"/schools/{sid}/courses", params={"filter": "title~'robot'"})
    conforms(spec, "GET", "/schools/{schoolSourcedId}/courses", courses)
    assert [c["sourcedId"] for c in courses.json()["courses"]] == [course_id]

    district = school["parent"]["sourcedId"]
    for child in ("terms", "courses"):
        assert (await http.get(f"/schools/nope/{child}")).status_code == 404
        assert (await http.get(f"/schools/{district}/{child}")).status_code == 404  # not a school


@pytest.mark.parametrize(
    ("child", "key"), [("students", "users"), ("teachers", "users"), ("enrollments", "enrollments")]
)
async def test_a_class_in_its_school(
    sim: TimebackSimulator, http: httpx.AsyncClient, spec: Any, child: str, key: str
) -> None:
    klass = sim.state.classes.all()[0]
    sid, cid = klass["school"]["sourcedId"], klass["sourcedId"]
    scoped = await http.get(f"/schools/{sid}/classes/{cid}/{child}", params={"limit": 3000})
    conforms(
        spec, "GET", f"/schools/{{schoolSourcedId}}/classes/{{classSourcedId}}/{child}", scoped
    )
    assert scoped.json()[key] == await items(http, f"/classes/{cid}/{child}", key)
    assert scoped.json()[key]  # the demo class has a teacher, students and their enrollments

    first = await http.get(
        f"/schools/{sid}/classes/{cid}/{child}", params={"limit": 1, "sort": "sourcedId"}
    )
    assert len(first.json()[key]) == 1
    assert first.json()["totalCount"] == len(scoped.json()[key])

    other_school = next(
        s["sourcedId"] for s in await items(http, "/schools", "orgs") if s["sourcedId"] != sid
    )
    for path in (
        f"/schools/{other_school}/classes/{cid}/{child}",
        f"/schools/nope/classes/{cid}/{child}",
        f"/schools/{sid}/classes/nope/{child}",
    ):
        missing = await http.get(path)
        assert missing.status_code == 404, path
        assert missing.json()["imsx_description"] == "School or class not found."


# -- credentials -----------------------------------------------------------------------------


def registration(
    app: str = "Khan Academy",
    username: str = "ada",
    password: str = "s3cret",  # noqa: S107 (a simulated credential)
) -> dict[str, Any]:
    return {"applicationName": app, "credentials": {"username": username, "password": password}}


async def test_credentials_register_update_and_decrypt(
    sim: TimebackSimulator, http: httpx.AsyncClient, spec: Any
) -> None:
    user_id, other_id = (u["sourcedId"] for u in sim.state.users.all()[:2])
    created = await http.post(f"/users/{user_id}/credentials", json=registration())
    conforms(spec, "POST", "/users/{userId}/credentials", created)
    assert created.status_code == 201
    first = created.json()
    assert set(first) == {"userProfileId", "credentialId", "message"}

    user = (await http.get(f"/users/{user_id}")).json()["user"]
    (profile,) = user["userProfiles"]
    assert profile["profileId"] == first["userProfileId"]
    assert profile["app"]["name"] == "Khan Academy"
    assert profile["credentials"] == [
        {"id": first["credentialId"], "type": "username_password", "username": "ada"}
    ]
    decrypted = await http.post(f"/users/{user_id}/credentials/{first['credentialId']}/decrypt")
    conforms(spec, "POST", "/users/{userId}/credentials/{credentialId}/decrypt", decrypted)
    assert decrypted.json() == {"password": "s3cret"}

    updated = await http.post(
        f"/users/{user_id}/credentials", json=registration(username="ada2", password="n3w")
    )
    conforms(spec, "POST", "/users/{userId}/credentials", updated)
    assert updated.status_code == 200
    assert {k: updated.json()[k] for k in ("userProfileId", "credentialId")} == {
        k: first[k] for k in ("userProfileId", "credentialId")
    }
    user = (await http.get(f"/users/{user_id}")).json()["user"]
    assert [p["credentials"][0]["username"] for p in user["userProfiles"]] == ["ada2"]
    decrypted = await http.post(f"/users/{user_id}/credentials/{first['credentialId']}/decrypt")
    assert decrypted.json() == {"password": "n3w"}

    second = await http.post(f"/users/{user_id}/credentials", json=registration(app="Duolingo"))
    assert second.status_code == 201
    assert second.json()["credentialId"] != first["credentialId"]
    # the same application for another user is that user's own credential
    theirs = await http.post(f"/users/{other_id}/credentials", json=registration())
    assert theirs.status_code == 201
    foreign = await http.post(f"/users/{other_id}/credentials/{first['credentialId']}/decrypt")
    assert foreign.status_code == 404

    # the password is handed out by decrypt alone
    for path in (f"/users/{user_id}", "/users", f"/users/{user_id}/demographics"):
        text = (await http.get(path, params={"limit": 3000} if path == "/users" else None)).text
        assert "n3w" not in text, path
        assert "s3cret" not in text, path


async def test_credential_errors(sim: TimebackSimulator, http: httpx.AsyncClient) -> None:
    user_id = sim.state.users.all()[0]["sourcedId"]
    assert (await http.post("/users/nope/credentials", json=registration())).status_code == 404
    assert (await http.post("/users/nope/credentials/c/decrypt")).status_code == 404
    unknown = await http.post(f"/users/{user_id}/credentials/nope/decrypt")
    assert unknown.status_code == 404
    assert unknown.json()["imsx_description"] == "Credential not found"

    not_json = await http.post(
        f"/users/{user_id}/credentials", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    empty = await http.post(f"/users/{user_id}/credentials", json={})
    assert empty.status_code == 422
    assert error_paths(empty) == {"applicationName", "credentials"}
    partial = await http.post(
        f"/users/{user_id}/credentials",
        json={"applicationName": "", "credentials": {"username": "ada", "password": 7}},
    )
    assert partial.status_code == 422
    assert error_paths(partial) == {"applicationName", "credentials.password"}
    assert sim.state.credentials == {}
    assert sim.state.users.get(user_id)["userProfiles"] == []  # type: ignore[index]


def test_every_course_has_a_lesson_of_each_type() -> None:
    """PowerPath's lesson plans build on these: every learner meets every kind of lesson."""
    sim = TimebackSimulator(seed=SEED, users=USERS, classes=CLASSES)
    units = {u["sourcedId"]: u["course"]["sourcedId"] for u in sim.state.course_components.all()}
    types: dict[str, set[str]] = {}
    for lesson in sim.state.component_resources.all():
        course = units[lesson["courseComponent"]["sourcedId"]]
        types.setdefault(course, set()).add(lesson["lessonType"])
    assert set(types) == set(units.values())
    assert all(kinds == set(LESSON_TYPES) for kinds in types.values())


async def test_component_resources_filter_on_their_course_component(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    """TimeBack's own router lists a unit's lessons with ``courseComponent.sourcedId``."""
    unit = sim.state.course_components.all()[1]["sourcedId"]
    found = await items(
        http,
        "/courses/component-resources",
        "componentResources",
        filter=f"courseComponent.sourcedId='{unit}'",
    )
    expected = [
        r["sourcedId"]
        for r in sim.state.component_resources.all()
        if r["courseComponent"]["sourcedId"] == unit
    ]
    assert [r["sourcedId"] for r in found] == expected
    assert len(expected) == LESSONS_PER_UNIT
