"""The TimeBack simulator's gradebook: create, PUT upsert (201), soft delete, per-class lists."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from simulators.timeback import TimebackSimulator
from tests.support.timeback_sim import bearer_client, simulator_with_token

GRADEBOOK = "http://timeback.sim/ims/oneroster/gradebook/v1p2"
TOKEN = "gradebook-token"


@pytest.fixture
def sim() -> TimebackSimulator:
    return simulator_with_token(TOKEN, seed=5, users=10, classes=3)


@pytest.fixture
async def http(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with bearer_client(sim, TOKEN, GRADEBOOK) as client:
        yield client


def line_item(class_id: str, school_id: str) -> dict[str, object]:
    return {
        "title": "Quiz 1",
        "assignDate": "2025-01-10T00:00:00Z",
        "dueDate": "2025-01-17T00:00:00Z",
        "class": {"sourcedId": class_id},
        "school": {"sourcedId": school_id},
        "category": {"sourcedId": "cat-1"},
    }


async def test_line_items_create_upsert_list_and_soft_delete(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    klass = sim.state.classes.all()[0]
    body = line_item(klass["sourcedId"], klass["school"]["sourcedId"])
    created = await http.post("/lineItems", json={"lineItem": body})
    assert created.status_code == 201
    li = created.json()["sourcedIdPairs"]["allocatedSourcedId"]

    upserted = await http.put("/lineItems/li-new", json={"lineItem": body})
    assert upserted.status_code == 201
    assert upserted.json()["lineItem"]["class"]["href"].endswith(f"/classes/{klass['sourcedId']}")
    renamed = await http.put(f"/lineItems/{li}", json={"lineItem": {"title": "Quiz 1b"}})
    assert renamed.status_code == 201
    assert renamed.json()["lineItem"]["dueDate"] == body["dueDate"]

    of_class = (await http.get(f"/classes/{klass['sourcedId']}/lineItems")).json()
    assert {i["sourcedId"] for i in of_class["lineItems"]} == {li, "li-new"}
    found = (await http.get("/lineItems", params={"filter": "title~'1b'"})).json()["lineItems"]
    assert [i["sourcedId"] for i in found] == [li]

    assert (await http.delete(f"/lineItems/{li}")).status_code == 204
    assert (await http.get(f"/lineItems/{li}")).json()["lineItem"]["status"] == "tobedeleted"
    assert (await http.get("/lineItems/nope")).status_code == 404


async def test_gradebook_create_validates_required_fields(http: httpx.AsyncClient) -> None:
    response = await http.post("/results", json={"result": {"scoreStatus": "fully graded"}})
    assert response.status_code == 422
    paths = {d["path"] for d in response.json()["imsx_error_details"]}
    assert paths == {"lineItem", "student", "scoreDate"}
