"""The TimeBack simulator's per-school gradebook lists and its bulk creates (under a class, a
school, a line item, a class's academic session)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from simulators.timeback.state import JsonObject
from tests.support.timeback_sim import bearer_client, simulator_with_token

GRADEBOOK = "http://timeback.sim/ims/oneroster/gradebook/v1p2"
TOKEN = "gradebook-more-token"


@pytest.fixture
def sim() -> TimebackSimulator:
    return simulator_with_token(TOKEN, seed=5, users=10, classes=3)


@pytest.fixture
async def http(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with bearer_client(sim, TOKEN, GRADEBOOK) as client:
        yield client


def a_class(sim: TimebackSimulator) -> JsonObject:
    return sim.state.classes.all()[0]


def school_of(klass: JsonObject) -> str:
    school: str = klass["school"]["sourcedId"]
    return school


def line_item(title: str, sourced_id: str | None = None, **refs: str) -> JsonObject:
    """``refs``: reference fields by the sourcedId they name."""
    body: JsonObject = {
        "title": title,
        "assignDate": "2025-01-10T00:00:00Z",
        "dueDate": "2025-01-17T00:00:00Z",
        "category": {"sourcedId": "cat-1"},
    }
    if sourced_id is not None:
        body["sourcedId"] = sourced_id
    return body | {name: {"sourcedId": ref} for name, ref in refs.items()}


def result(student: str, score: float, sourced_id: str | None = None, **refs: str) -> JsonObject:
    body: JsonObject = {
        "student": {"sourcedId": student},
        "scoreStatus": "fully graded",
        "scoreDate": "2025-01-18T00:00:00Z",
        "score": score,
    }
    if sourced_id is not None:
        body["sourcedId"] = sourced_id
    return body | {name: {"sourcedId": ref} for name, ref in refs.items()}


def students(sim: TimebackSimulator) -> list[str]:
    return [u["sourcedId"] for u in sim.state.collections()["students"].all()]


async def ids(http: httpx.AsyncClient, path: str, key: str, **params: str) -> set[str]:
    response = await http.get(path, params=params)
    assert response.status_code == 200, response.text
    return {e["sourcedId"] for e in response.json()[key]}


async def test_class_bulk_creates_line_items_from_the_path(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    klass = a_class(sim)
    body = {"lineItems": [line_item("Quiz A", sourced_id="li-a"), line_item("Quiz B")]}
    response = await http.post(f"/classes/{klass['sourcedId']}/lineItems", json=body)

    assert response.status_code == 201
    assert response.json() == {
        "sourcedIdPairs": {"suppliedSourcedId": "li-a", "allocatedSourcedId": "li-a"}
    }
    stored = sim.state.gradebook["lineItems"].all()
    assert {li["title"] for li in stored} == {"Quiz A", "Quiz B"}
    for li in stored:  # class from the path, school from the class, references completed
        assert li["class"]["sourcedId"] == klass["sourcedId"]
        assert li["class"]["href"].endswith(f"/rostering/v1p2/classes/{klass['sourcedId']}")
        assert li["school"]["sourcedId"] == school_of(klass)
        assert li["status"] == "active"
    one = (await http.get("/lineItems/li-a")).json()["lineItem"]
    assert one["title"] == "Quiz A"
    listed = await ids(http, f"/classes/{klass['sourcedId']}/lineItems", "lineItems")
    assert listed == {li["sourcedId"] for li in stored}


async def test_school_lists_and_bulk_creates_line_items(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    klass = a_class(sim)
    school = school_of(klass)
    other = "another-school"
    body = {
        "lineItems": [
            line_item("Unit test", sourced_id="li-s1", **{"class": klass["sourcedId"]}),
            line_item("Final", sourced_id="li-s2", **{"class": klass["sourcedId"]}),
        ]
    }
    created = await http.post(f"/schools/{school}/lineItems", json=body)
    assert created.status_code == 201
    assert created.json()["sourcedIdPairs"]["allocatedSourcedId"] == "li-s1"
    stored = sim.state.gradebook["lineItems"].get("li-s2")
    assert stored is not None
    assert stored["school"]["sourcedId"] == school
    assert stored["class"]["sourcedId"] == klass["sourcedId"]
    # a line item of another school is not listed under this one
    await http.post(
        "/lineItems",
        json={"lineItem": line_item("Elsewhere", **{"class": klass["sourcedId"], "school": other})},
    )

    assert await ids(http, f"/schools/{school}/lineItems", "lineItems") == {"li-s1", "li-s2"}
    page = (await http.get(f"/schools/{school}/lineItems", params={"limit": "1"})).json()
    assert (page["totalCount"], len(page["lineItems"])) == (2, 1)
    found = await ids(http, f"/schools/{school}/lineItems", "lineItems", filter="title='Final'")
    assert found == {"li-s2"}
    sparse = await http.get(f"/schools/{school}/lineItems", params={"fields": "sourcedId,title"})
    assert {tuple(e) for e in sparse.json()["lineItems"]} == {("sourcedId", "title")}
    bad = await http.get(f"/schools/{school}/lineItems", params={"sort": "nope"})
    assert bad.status_code == 400

    missing = await http.get("/schools/no-such-school/lineItems")
    assert missing.status_code == 404
    assert missing.json()["imsx_description"] == "School not found"
    post_missing = await http.post("/schools/no-such-school/lineItems", json=body)
    assert post_missing.status_code == 404


async def test_school_score_scales_are_those_of_its_classes(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    klass = a_class(sim)
    school = school_of(klass)
    # a course the school owns (the seed's courses belong to the district)
    course = {**sim.state.courses.all()[0], "sourcedId": "course-s", "org": klass["school"]}
    sim.state.courses.put(course)
    scale = {
        "title": "Letters",
        "type": "letter",
        "scoreScaleValue": [{"itemValueLHS": "A", "itemValueRHS": "90"}],
    }
    scales = [
        {**scale, "sourcedId": "ss-class", "class": {"sourcedId": klass["sourcedId"]}},
        {
            **scale,
            "sourcedId": "ss-course",
            "class": {"sourcedId": "another-class"},
            "course": {"sourcedId": "course-s"},
        },
        {**scale, "sourcedId": "ss-other", "class": {"sourcedId": "another-class"}},
    ]
    for body in scales:
        assert (await http.post("/scoreScales", json={"scoreScale": body})).status_code == 201

    listed = await ids(http, f"/schools/{school}/scoreScales", "scoreScales")
    assert listed == {"ss-class", "ss-course"}
    found = await ids(
        http, f"/schools/{school}/scoreScales", "scoreScales", filter="sourcedId='ss-course'"
    )
    assert found == {"ss-course"}
    response = await http.get("/schools/no-such-school/scoreScales")
    assert response.status_code == 404
    assert (
        response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        == "unknownobject"
    )


async def test_line_item_bulk_creates_results(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    klass = a_class(sim)
    body = {"lineItems": [line_item("Quiz", sourced_id="li-1")]}
    assert (
        await http.post(f"/classes/{klass['sourcedId']}/lineItems", json=body)
    ).status_code == 201
    first, second = students(sim)[:2]

    response = await http.post(
        "/lineItems/li-1/results",
        json={"results": [result(first, 90, sourced_id="r-1"), result(second, 75)]},
    )

    assert response.status_code == 201
    assert response.json()["sourcedIdPairs"] == {
        "suppliedSourcedId": "r-1",
        "allocatedSourcedId": "r-1",
    }
    stored = sim.state.gradebook["results"].all()
    assert {r["student"]["sourcedId"]: r["score"] for r in stored} == {first: 90, second: 75}
    assert all(r["lineItem"]["sourcedId"] == "li-1" for r in stored)
    assert (await http.get("/results/r-1")).json()["result"]["score"] == 90
    of_line_item = await ids(
        http, f"/classes/{klass['sourcedId']}/lineItems/li-1/results", "results"
    )
    assert of_line_item == {r["sourcedId"] for r in stored}
    graded = await ids(http, "/results", "results", filter="score>80")
    assert graded == {"r-1"}

    missing = await http.post("/lineItems/nope/results", json={"results": [result(first, 1)]})
    assert missing.status_code == 404
    assert missing.json()["imsx_description"] == "Line item not found"


async def test_session_results_for_a_class(sim: TimebackSimulator, http: httpx.AsyncClient) -> None:
    klass = a_class(sim)
    session = klass["terms"][0]["sourcedId"]
    student = students(sim)[0]
    # a line item created without a class-scoped path, so the result is found by its own class
    await http.post(
        "/lineItems",
        json={
            "lineItem": line_item("Exam", sourced_id="li-x", **{"class": "other", "school": "s"})
        },
    )
    body = {"results": [result(student, 88, sourced_id="r-x", lineItem="li-x")]}

    response = await http.post(
        f"/classes/{klass['sourcedId']}/academicSessions/{session}/results", json=body
    )

    assert response.status_code == 201
    assert response.json()["sourcedIdPairs"]["allocatedSourcedId"] == "r-x"
    stored = sim.state.gradebook["results"].get("r-x")
    assert stored is not None
    assert stored["class"]["sourcedId"] == klass["sourcedId"]
    assert stored["class"]["href"].endswith(f"/classes/{klass['sourcedId']}")
    assert await ids(http, f"/classes/{klass['sourcedId']}/results", "results") == {"r-x"}
    of_student = f"/classes/{klass['sourcedId']}/students/{student}/results"
    assert await ids(http, of_student, "results") == {"r-x"}

    no_class = await http.post(f"/classes/nope/academicSessions/{session}/results", json=body)
    assert (no_class.status_code, no_class.json()["imsx_description"]) == (404, "Class not found")
    no_session = await http.post(
        f"/classes/{klass['sourcedId']}/academicSessions/nope/results", json=body
    )
    assert no_session.status_code == 404
    assert no_session.json()["imsx_description"] == "Academic session not found"


async def test_a_bad_entity_fails_the_whole_batch(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    klass = a_class(sim)
    path = f"/classes/{klass['sourcedId']}/lineItems"
    body = {"lineItems": [line_item("Fine"), {"title": "No dates"}]}

    response = await http.post(path, json=body)

    assert response.status_code == 422
    detail_paths = {d["path"] for d in response.json()["imsx_error_details"]}
    assert detail_paths == {
        "lineItems[1].assignDate",
        "lineItems[1].dueDate",
        "lineItems[1].category",
    }
    assert len(sim.state.gradebook["lineItems"]) == 0

    twice = {"lineItems": [line_item("A", sourced_id="dup"), line_item("B", sourced_id="dup")]}
    duplicate = await http.post(path, json=twice)
    assert duplicate.status_code == 422
    assert duplicate.json()["imsx_error_details"] == [
        {"path": "lineItems[1].sourcedId", "message": "Already exists"}
    ]
    assert len(sim.state.gradebook["lineItems"]) == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"lineItem": {}}, 400),  # the single-create wrapper
        ({"lineItems": {}}, 400),
        ({"lineItems": ["x"]}, 400),
        ({"lineItems": []}, 422),
    ],
)
async def test_the_body_must_be_a_list_of_objects(
    sim: TimebackSimulator, http: httpx.AsyncClient, body: JsonObject, status: int
) -> None:
    response = await http.post(f"/classes/{a_class(sim)['sourcedId']}/lineItems", json=body)
    assert response.status_code == status
    assert response.json()["imsx_codeMajor"] == "failure"
    assert len(sim.state.gradebook["lineItems"]) == 0


async def test_a_reference_naming_another_parent_is_rejected(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    klass = a_class(sim)
    body = {"lineItems": [line_item("Quiz", **{"class": "another-class"})]}
    response = await http.post(f"/classes/{klass['sourcedId']}/lineItems", json=body)
    assert response.status_code == 400
    assert response.json()["imsx_error_details"][0]["path"] == "lineItems[0].class.sourcedId"
    assert len(sim.state.gradebook["lineItems"]) == 0


async def test_bulk_creates_want_a_token(sim: TimebackSimulator) -> None:
    async with httpx.AsyncClient(
        transport=SimulatorTransport(sim.app), base_url=GRADEBOOK
    ) as anonymous:
        klass = a_class(sim)
        response = await anonymous.post(
            f"/classes/{klass['sourcedId']}/lineItems", json={"lineItems": [line_item("Q")]}
        )
        assert response.status_code == 401
        listed = await anonymous.get(f"/schools/{school_of(klass)}/lineItems")
        assert listed.status_code == 401
    assert len(sim.state.gradebook["lineItems"]) == 0


async def test_assessment_kinds_patch_partially_and_merge_metadata(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    """TimeBack documents PATCH for assessment line items and results (and enrollments): the
    fields given replace those stored, ``metadata`` keys merge; an unknown id is a 404."""
    student = next(u for u in sim.state.users.all() if u["roles"][0]["role"] == "student")
    body = {
        "assessmentLineItem": {"sourcedId": "ali-1"},
        "student": {"sourcedId": student["sourcedId"]},
        "scoreStatus": "fully graded",
        "scoreDate": "2025-01-18T00:00:00Z",
        "score": 70,
        "metadata": {"attempt": 1, "xp": 10},
    }
    made = await http.post(
        "/assessmentResults", json={"assessmentResult": body | {"sourcedId": "ar-1"}}
    )
    assert made.status_code == 201, made.text
    patched = await http.patch(
        "/assessmentResults/ar-1", json={"assessmentResult": {"score": 90, "metadata": {"xp": 20}}}
    )
    assert patched.status_code == 200, patched.text
    stored = sim.state.gradebook["assessmentResults"].get("ar-1")
    assert stored is not None
    assert (stored["score"], stored["scoreStatus"]) == (90, "fully graded")
    assert stored["metadata"] == {"attempt": 1, "xp": 20}
    assert patched.json()["assessmentResult"] == stored
    missing = await http.patch("/assessmentLineItems/nope", json={"assessmentLineItem": {}})
    assert missing.status_code == 404
    rostering = str(http.base_url).rstrip("/").replace("gradebook", "rostering")
    enrollment = sim.state.enrollments.all()[0]
    moved = await http.patch(
        f"{rostering}/enrollments/{enrollment['sourcedId']}",
        json={"enrollment": {"primary": "true", "metadata": {"seat": "A1"}}},
    )
    assert moved.status_code == 200, moved.text
    after = sim.state.enrollments.get(enrollment["sourcedId"])
    assert after is not None
    assert (after["primary"], after["metadata"], after["role"]) == (
        "true",
        {**enrollment["metadata"], "seat": "A1"},
        enrollment["role"],
    )
