"""The TimeBack simulator's resources service and the gradebook's per-class reads through line
items, and the BFF's adapters over them (paths, envelopes, errors)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.timeback.gradebook import TimebackGradebook, TimebackRosterLookup
from adapters.timeback.oneroster import GRADEBOOK, RESOURCES, OneRosterClient
from adapters.timeback.resources import TimebackResources
from domain.errors import InvalidInput, NotFound, UpstreamUnavailable
from domain.ports.gradebook import GradebookKind, Listing, PageQuery, Parent
from simulators.timeback import TimebackSimulator
from tests.api.test_gradebook import held
from tests.support.timeback_sim import bearer_client, simulator_with_token

TOKEN = "resources-token"


@pytest.fixture
def sim() -> TimebackSimulator:
    return simulator_with_token(TOKEN, seed=5, users=12, classes=3)


@pytest.fixture
async def http(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with bearer_client(sim, TOKEN, "http://timeback.sim") as client:
        yield client


async def test_resources_crud_and_soft_delete(http: httpx.AsyncClient) -> None:
    base = RESOURCES + "/resources"
    missing = await http.post(base, json={"resource": {"title": "x"}})
    assert missing.status_code == 422
    assert [d["path"] for d in missing.json()["imsx_error_details"]] == ["vendorResourceId"]
    made = await http.post(
        base + "/", json={"resource": {"title": "Clip", "vendorResourceId": "v"}}
    )
    assert made.status_code == 201
    rid = made.json()["sourcedIdPairs"]["allocatedSourcedId"]
    one = (await http.get(f"{base}/{rid}")).json()["resource"]
    assert one["importance"] == "primary"
    assert one["status"] == "active"
    put = await http.put(f"{base}/{rid}", json={"resource": {"importance": "secondary"}})
    assert put.status_code == 200
    assert put.json()["resource"]["title"] == "Clip"
    assert (await http.put(f"{base}/nope", json={"resource": {"title": "y"}})).status_code == 404
    bad = await http.put(f"{base}/{rid}", json={"resource": {"importance": "huge"}})
    assert bad.status_code == 422
    assert (await http.delete(f"{base}/{rid}")).status_code == 204
    assert (await http.get(f"{base}/{rid}")).json()["resource"]["status"] == "tobedeleted"
    exported = await http.post(f"{base}/export/{rid}")
    assert exported.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.content)) as package:
        assert "Clip" in package.read("imsmanifest.xml").decode()


async def test_resources_of_classes_courses_and_users(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    base = RESOURCES + "/resources"
    ids = []
    for title in ("a", "b"):
        made = await http.post(base, json={"resource": {"title": title, "vendorResourceId": title}})
        ids.append(made.json()["sourcedIdPairs"]["allocatedSourcedId"])
    klass = sim.state.classes.all()[0]
    course_id = klass["course"]["sourcedId"]
    sim.state.classes.put({**klass, "resources": [{"sourcedId": ids[0]}]})
    sim.state.courses.put(
        {**held(sim.state.courses, course_id), "resources": [{"sourcedId": ids[1]}]}
    )
    of_class = await http.get(f"{base}/classes/{klass['sourcedId']}/resources")
    assert {r["sourcedId"] for r in of_class.json()["resources"]} == set(ids)
    # the 1EdTech spelling the `timeback` client uses
    alias = await http.get(f"{RESOURCES}/classes/{klass['sourcedId']}/resources")
    assert alias.json()["resources"] == of_class.json()["resources"]
    of_course = await http.get(f"{base}/courses/{course_id}/resources")
    assert [r["sourcedId"] for r in of_course.json()["resources"]] == [ids[1]]
    student = next(
        e["user"]["sourcedId"]
        for e in sim.state.enrollments.all()
        if e["class"]["sourcedId"] == klass["sourcedId"]
    )
    of_user = await http.get(f"{base}/users/{student}/resources", params={"limit": 1})
    assert of_user.headers["X-Total-Count"] == "2"
    assert len(of_user.json()["resources"]) == 1
    assert (await http.get(f"{base}/classes/nope/resources")).status_code == 404


async def test_class_results_categories_and_per_student_results(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    klass = sim.state.classes.all()[0]
    cid = klass["sourcedId"]
    students = [
        e["user"]["sourcedId"]
        for e in sim.state.enrollments.all()
        if e["class"]["sourcedId"] == cid and e["role"] == "student"
    ]
    await http.post(
        GRADEBOOK + "/categories", json={"category": {"sourcedId": "cat", "title": "T"}}
    )
    await http.post(GRADEBOOK + "/categories", json={"category": {"sourcedId": "no", "title": "N"}})
    line_item = {
        "sourcedId": "li",
        "title": "Quiz",
        "assignDate": "2026-01-01T00:00:00Z",
        "dueDate": "2026-01-02T00:00:00Z",
        "class": {"sourcedId": cid},
        "school": klass["school"],
        "category": {"sourcedId": "cat"},
    }
    await http.post(GRADEBOOK + "/lineItems", json={"lineItem": line_item})
    for n, student in enumerate(students[:2]):
        await http.put(
            f"{GRADEBOOK}/results/r{n}",
            json={
                "result": {
                    "lineItem": {"sourcedId": "li"},
                    "student": {"sourcedId": student},
                    "scoreStatus": "submitted",
                    "scoreDate": "2026-01-02T00:00:00Z",
                }
            },
        )
    base = f"{GRADEBOOK}/classes/{cid}"
    assert [
        c["sourcedId"] for c in (await http.get(f"{base}/categories")).json()["categories"]
    ] == ["cat"]
    assert (await http.get(f"{base}/results")).headers["X-Total-Count"] == "2"
    one = (await http.get(f"{base}/students/{students[0]}/results")).json()["results"]
    assert [r["sourcedId"] for r in one] == ["r0"]
    assert len((await http.get(f"{base}/lineItems/li/results")).json()["results"]) == 2
    assert (await http.get(f"{base}/lineItems/nope/results")).status_code == 404


async def test_the_adapters_map_lists_and_errors(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    gradebook = TimebackGradebook(OneRosterClient(http, GRADEBOOK))
    resources = TimebackResources(OneRosterClient(http, RESOURCES))
    roster = TimebackRosterLookup(OneRosterClient(http))
    klass = sim.state.classes.all()[0]
    cid = klass["sourcedId"]
    assert await roster.school_of_class(cid) == klass["school"]["sourcedId"]
    assert await roster.school_of_class("nope") is None

    made = await gradebook.create(
        GradebookKind.CATEGORIES, {"title": "Homework", "sourcedId": "c1"}
    )
    assert made == "c1"
    stored = await gradebook.put(GradebookKind.CATEGORIES, "c1", {"weight": 0.5})
    assert stored["title"] == "Homework"
    assert stored["weight"] == 0.5
    assert await gradebook.get(GradebookKind.CATEGORIES, "missing") is None
    page = await gradebook.list(Listing(GradebookKind.CATEGORIES), PageQuery(limit=1))
    assert page.total == 1
    assert page.items[0]["sourcedId"] == "c1"

    with pytest.raises(InvalidInput, match="already exists"):
        await gradebook.create(GradebookKind.CATEGORIES, {"title": "Again", "sourcedId": "c1"})
    with pytest.raises(InvalidInput):
        await gradebook.list(Listing(GradebookKind.CATEGORIES), PageQuery(sort="unknownField"))
    with pytest.raises(NotFound):
        await resources.list(Listing(GradebookKind.RESOURCES, Parent.CLASS, ("nope",)), PageQuery())
    none = await resources.list(Listing(GradebookKind.RESOURCES, Parent.CLASS, (cid,)), PageQuery())
    assert none.items == []
    assert none.total == 0

    sim.faults.fail_next(500, times=1)
    with pytest.raises(UpstreamUnavailable):
        await gradebook.list(Listing(GradebookKind.LINE_ITEMS), PageQuery())
