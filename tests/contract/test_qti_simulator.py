"""The QTI simulator through the QTI adapter's client: items (XML and JSON, 409, lists with
paging, filter and sort), process-response, tests with parts, sections and ordered item
references, stimuli, feedback, validation, errors in QTI's shape, tokens shared with TimeBack in
a sandbox, and ``bff simulate qti`` on a real socket."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.http.oauth import TokenRegistry
from adapters.qti.client import QtiProbe
from adapters.qti.errors import QtiNotFound, QtiRejected, error_from_response, to_refused_input
from adapters.qti.settings import QtiSettings
from adapters.timeback.client import make_service_client, make_timeback_client
from simulators.kit.transport import SimulatorTransport
from simulators.qti import QtiSimulator
from simulators.qti.model import QTI_NS
from simulators.qti.seed import lesson_test_id
from simulators.sandbox import SandboxSimulators
from simulators.timeback import TimebackSimulator

BASE = "http://qti.timeback.sim"
STANDALONE = QtiSettings(token_url=f"{BASE}/oauth2/token")


@pytest.fixture
def sim() -> QtiSimulator:
    return QtiSimulator(seed=4, users=20, classes=2)


@pytest.fixture
async def qti(sim: QtiSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with make_service_client(
        STANDALONE, transport=SimulatorTransport(sim.app), tokens=None
    ) as c:
        yield c


def xml_item(identifier: str, *, correct: str = "B", title: str = "Capital") -> str:
    return (
        f'<qti-assessment-item xmlns="{QTI_NS}" identifier="{identifier}" title="{title}" '
        'adaptive="false" time-dependent="false">'
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
        f"<qti-correct-response><qti-value>{correct}</qti-value></qti-correct-response>"
        "</qti-response-declaration>"
        '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>'
        '<qti-item-body><qti-choice-interaction response-identifier="RESPONSE" max-choices="1">'
        "<qti-prompt>Capital of France?</qti-prompt>"
        '<qti-simple-choice identifier="A">Lyon</qti-simple-choice>'
        '<qti-simple-choice identifier="B">Paris</qti-simple-choice>'
        "</qti-choice-interaction></qti-item-body>"
        '<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>'
        "</qti-assessment-item>"
    )


JSON_ITEM: dict[str, Any] = {
    "identifier": "json-1",
    "title": "Two plus two",
    "type": "choice",
    "interaction": {
        "type": "choice",
        "responseIdentifier": "RESPONSE",
        "maxChoices": 1,
        "questionStructure": {
            "prompt": "2 + 2 = ?",
            "choices": [{"identifier": "A", "content": "3"}, {"identifier": "B", "content": "4"}],
        },
    },
    "responseDeclarations": [
        {
            "identifier": "RESPONSE",
            "cardinality": "single",
            "baseType": "identifier",
            "correctResponse": {"value": ["B"]},
        }
    ],
    "responseProcessing": {
        "templateType": "match_correct",
        "responseDeclarationIdentifier": "RESPONSE",
        "outcomeIdentifier": "FEEDBACK",
        "correctResponseIdentifier": "CORRECT",
        "incorrectResponseIdentifier": "INCORRECT",
    },
    "modalFeedback": [
        {
            "outcomeIdentifier": "FEEDBACK",
            "identifier": "CORRECT",
            "showHide": "show",
            "content": "Yes, 4",
            "title": "Right",
        },
        {
            "outcomeIdentifier": "FEEDBACK",
            "identifier": "INCORRECT",
            "showHide": "show",
            "content": "No: 4",
            "title": "Wrong",
        },
    ],
    "metadata": {"difficulty": "easy", "subject": "Math"},
}


def new_test(identifier: str, items: list[str]) -> dict[str, Any]:
    return {
        "identifier": identifier,
        "title": f"Test {identifier}",
        "qti-test-part": [
            {
                "identifier": "p1",
                "navigationMode": "linear",
                "submissionMode": "individual",
                "qti-assessment-section": [
                    {
                        "identifier": "s1",
                        "title": "Section",
                        "visible": True,
                        "sequence": 1,
                        "qti-assessment-item-ref": [
                            {"identifier": i, "href": f"{BASE}/assessment-items/{i}"} for i in items
                        ],
                    }
                ],
            }
        ],
    }


# -- items ------------------------------------------------------------------------------------


async def test_an_item_created_from_xml_is_parsed_with_its_namespace(
    qti: httpx.AsyncClient,
) -> None:
    created = await qti.post(
        "/assessment-items",
        json={"format": "xml", "xml": xml_item("x-1"), "metadata": {"difficulty": "hard"}},
    )
    assert created.status_code == 201, created.text
    item = created.json()
    assert (item["identifier"], item["type"], item["qtiVersion"]) == ("x-1", "choice", "3.0")
    assert item["responseDeclarations"] == [
        {
            "identifier": "RESPONSE",
            "cardinality": "single",
            "baseType": "identifier",
            "correctResponse": {"value": ["B"]},
        }
    ]
    assert item["responseProcessing"]["templateType"] == "match_correct"
    assert item["metadata"] == {"difficulty": "hard"}
    attributes = item["content"]["qti-assessment-item"]["_attributes"]
    assert (attributes["xmlns"], attributes["identifier"]) == (QTI_NS, "x-1")
    declaration = item["content"]["qti-assessment-item"]["qti-response-declaration"][0]
    assert declaration["qti-correct-response"]["qti-value"] == ["B"]
    assert (await qti.get("/assessment-items/x-1")).json() == item


async def test_a_duplicate_identifier_is_409(qti: httpx.AsyncClient) -> None:
    assert (
        await qti.post("/assessment-items", json={"format": "xml", "xml": xml_item("dup")})
    ).status_code == 201
    again = await qti.post("/assessment-items", json={"format": "xml", "xml": xml_item("dup")})
    assert again.status_code == 409
    assert "already exists" in again.json()["error"]


async def test_invalid_xml_is_400_with_every_validation_message(qti: httpx.AsyncClient) -> None:
    bad = xml_item("bad-1", correct="Z").replace(
        'response-identifier="RESPONSE"', 'response-identifier="NOPE"'
    )
    response = await qti.post("/assessment-items", json={"format": "xml", "xml": bad})
    assert response.status_code == 400
    error = error_from_response(response)
    assert isinstance(error, QtiRejected)
    assert any("undeclared response NOPE" in m for m in error.validation_errors)
    assert "undeclared response NOPE" in to_refused_input(error).reason
    no_namespace = await qti.post(
        "/assessment-items",
        json={"format": "xml", "xml": xml_item("n").replace(f' xmlns="{QTI_NS}"', "")},
    )
    assert "namespace" in no_namespace.json()["details"]
    broken = await qti.post(
        "/assessment-items", json={"format": "xml", "xml": "<qti-assessment-item"}
    )
    assert broken.status_code == 400
    assert "well-formed" in broken.json()["details"]


async def test_a_json_item_is_built_into_xml_and_scores_with_its_feedback(
    qti: httpx.AsyncClient,
) -> None:
    created = await qti.post("/assessment-items", json=JSON_ITEM)
    assert created.status_code == 201, created.text
    item = created.json()
    assert "<qti-choice-interaction" in item["rawXml"]
    assert item["responseProcessing"] == JSON_ITEM["responseProcessing"]
    right = await qti.post(
        "/assessment-items/json-1/process-response", json={"identifier": "json-1", "response": "B"}
    )
    wrong = await qti.post(
        "/assessment-items/json-1/process-response", json={"identifier": "json-1", "response": "A"}
    )
    assert right.json() == {
        "score": 1.0,
        "feedback": {"identifier": "CORRECT", "value": "Yes, 4"},
        "status": "scored",
    }
    assert wrong.json()["score"] == 0.0
    assert wrong.json()["feedback"] == {"identifier": "INCORRECT", "value": "No: 4"}


async def test_process_response_refusals(qti: httpx.AsyncClient) -> None:
    missing = await qti.post(
        "/assessment-items/nope/process-response", json={"identifier": "nope", "response": "A"}
    )
    assert missing.status_code == 404
    assert isinstance(error_from_response(missing), QtiNotFound)
    await qti.post("/assessment-items", json={"format": "xml", "xml": xml_item("pr")})
    wrong_shape = await qti.post(
        "/assessment-items/pr/process-response", json={"identifier": "pr", "response": ["A", "B"]}
    )
    assert wrong_shape.status_code == 400
    assert wrong_shape.json()["error"] == "Invalid response"


async def test_replace_and_delete_an_item(qti: httpx.AsyncClient) -> None:
    await qti.post("/assessment-items", json={"format": "xml", "xml": xml_item("r-1")})
    replaced = await qti.put(
        "/assessment-items/r-1",
        json={"format": "xml", "xml": xml_item("r-1", correct="A", title="New")},
    )
    assert replaced.status_code == 200
    assert (replaced.json()["title"], replaced.json()["__v"]) == ("New", 1)
    scored = await qti.post(
        "/assessment-items/r-1/process-response", json={"identifier": "r-1", "response": "A"}
    )
    assert scored.json()["score"] == 1.0
    other = await qti.put("/assessment-items/r-1", json={"format": "xml", "xml": xml_item("r-2")})
    assert other.status_code == 400
    assert (await qti.delete("/assessment-items/r-1")).status_code == 204
    assert (await qti.get("/assessment-items/r-1")).status_code == 404
    assert (await qti.delete("/assessment-items/r-1")).status_code == 404
    assert (
        await qti.put("/assessment-items/r-1", json={"format": "xml", "xml": xml_item("r-1")})
    ).status_code == 404


async def test_a_replayed_read_updates_the_title_in_the_xml(qti: httpx.AsyncClient) -> None:
    await qti.post("/assessment-items", json={"format": "xml", "xml": xml_item("rp")})
    read = (await qti.get("/assessment-items/rp")).json()
    replaced = await qti.put("/assessment-items/rp", json={**read, "title": "Renamed"})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["title"] == "Renamed"
    assert 'title="Renamed"' in replaced.json()["rawXml"]
    assert replaced.json()["content"]["qti-assessment-item"]["_attributes"]["title"] == "Renamed"


async def test_metadata_creates_or_updates_from_json(qti: httpx.AsyncClient) -> None:
    first = await qti.post("/assessment-items/metadata", json=JSON_ITEM)
    again = await qti.post(
        "/assessment-items/metadata", json={**JSON_ITEM, "metadata": {"difficulty": "hard"}}
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["metadata"] == {"difficulty": "hard"}
    assert again.json()["__v"] == 1


async def test_lists_page_filter_query_and_sort(qti: httpx.AsyncClient, sim: QtiSimulator) -> None:
    total = len(sim.state.items)
    page = (await qti.get("/assessment-items", params={"limit": 5, "page": 2})).json()
    assert (page["total"], page["page"], page["limit"], page["pages"]) == (
        total,
        2,
        5,
        -(-total // 5),
    )
    assert (page["sort"], page["order"]) == ("createdAt", "desc")
    assert len(page["items"]) == 5
    choice = (
        await qti.get("/assessment-items", params={"filter": "type='choice'", "limit": 500})
    ).json()
    assert choice["total"] == sum(1 for i in sim.state.items.values() if i["type"] == "choice")
    assert {i["type"] for i in choice["items"]} == {"choice"}
    hard = (
        await qti.get(
            "/assessment-items",
            params={"filter": "metadata.difficulty='hard' AND type='order'", "limit": 500},
        )
    ).json()
    assert hard["total"] > 0
    assert all(
        i["metadata"]["difficulty"] == "hard" and i["type"] == "order" for i in hard["items"]
    )
    titled = (
        await qti.get("/assessment-items", params={"sort": "title", "order": "asc", "limit": 500})
    ).json()
    titles = [i["title"] for i in titled["items"]]
    assert titles == sorted(titles)
    queried = (
        await qti.get("/assessment-items", params={"query": "ORDER THE", "limit": 500})
    ).json()
    assert queried["total"] > 0
    assert all("order the" in i["title"].lower() for i in queried["items"])
    for bad in ({"sort": "nope"}, {"limit": "0"}, {"page": "x"}, {"filter": "type=="}):
        refused = await qti.get("/assessment-items", params=bad)
        assert refused.status_code == 400, bad
        assert refused.json()["meta"]["issues"][0]["field"] in bad


# -- the seeded bank --------------------------------------------------------------------------


def test_the_bank_is_deterministic_and_names_each_lesson_of_the_timeback_courses() -> None:
    one, two = QtiSimulator(seed=9), QtiSimulator(seed=9)
    assert one.state.items.keys() == two.state.items.keys()
    assert [i["rawXml"] for i in one.state.items.values()] == [
        i["rawXml"] for i in two.state.items.values()
    ]
    timeback = TimebackSimulator(seed=9, demo_data=True)
    lessons = timeback.state.component_resources.all()
    resources = timeback.state.gradebook["resources"]
    for lesson in lessons:
        test_id = lesson_test_id(lesson["resource"]["sourcedId"])
        assert test_id in one.state.tests
        resource = resources.get(lesson["resource"]["sourcedId"])
        assert resource is not None
        assert resource["metadata"]["url"].endswith(f"/assessment-tests/{test_id}")
    kinds = [i["type"] for i in one.state.items.values()]
    assert {
        k: kinds.count(k) >= 24
        for k in ("choice", "text-entry", "inline-choice", "order", "match", "extended-text")
    } == dict.fromkeys(
        ("choice", "text-entry", "inline-choice", "order", "match", "extended-text"), True
    )
    assert {i["metadata"]["difficulty"] for i in one.state.items.values()} == {
        "easy",
        "medium",
        "hard",
    }


async def test_every_seeded_item_scores_its_own_correct_response(
    qti: httpx.AsyncClient, sim: QtiSimulator
) -> None:
    for identifier, parsed in list(sim.state.parsed.items())[:21]:
        declaration = parsed.responses[0]
        answer: str | list[str] = (
            list(declaration.correct)
            if declaration.cardinality != "single"
            else (declaration.correct or ("essay",))[0]
        )
        result = (
            await qti.post(
                f"/assessment-items/{identifier}/process-response",
                json={"identifier": identifier, "response": answer},
            )
        ).json()
        if parsed.type == "extended-text":
            assert result["status"] == "pending"
        else:
            assert result["score"] >= 1.0, identifier


# -- tests, parts, sections, item references --------------------------------------------------


async def test_test_structure_and_item_order(qti: httpx.AsyncClient) -> None:
    for name in ("i1", "i2", "i3"):
        await qti.post("/assessment-items", json={"format": "xml", "xml": xml_item(name)})
    created = await qti.post("/assessment-tests", json=new_test("t1", ["i1", "i2"]))
    assert created.status_code == 201, created.text
    assert (await qti.post("/assessment-tests", json=new_test("t1", []))).status_code == 409
    sections = "/assessment-tests/t1/test-parts/p1/sections"
    added = await qti.post(f"{sections}/s1/items", json={"identifier": "i3", "sequence": 1})
    assert added.status_code == 201
    refs = added.json()["qti-assessment-item-ref"]
    assert [r["identifier"] for r in refs] == ["i3", "i1", "i2"]
    assert refs[0]["href"] == f"{BASE}/assessment-items/i3"
    assert (await qti.post(f"{sections}/s1/items", json={"identifier": "ghost"})).status_code == 404
    ordered = await qti.put(
        f"{sections}/s1/items/order",
        json={
            "items": [
                {"identifier": "i2", "sequence": 1},
                {"identifier": "i3", "sequence": 3},
                {"identifier": "i1", "sequence": 2},
            ]
        },
    )
    assert [r["identifier"] for r in ordered.json()["qti-assessment-item-ref"]] == [
        "i2",
        "i1",
        "i3",
    ]
    assert (
        await qti.put(f"{sections}/s1/items/order", json={"items": [{"identifier": "i2"}]})
    ).status_code == 400
    assert (await qti.delete(f"{sections}/s1/items/i1")).status_code == 204
    assert (await qti.delete(f"{sections}/s1/items/i1")).status_code == 404
    second = await qti.post(
        sections, json={"identifier": "s0", "title": "Warm-up", "visible": True, "sequence": 1}
    )
    assert second.status_code == 201
    listed = (await qti.get(sections)).json()
    assert [(s["identifier"], s["sequence"]) for s in listed["items"]] == [("s0", 1), ("s1", 2)]
    test = (await qti.get("/assessment-tests/t1")).json()
    assert '<qti-assessment-section identifier="s0"' in test["rawXml"]
    assert test["rawXml"].index('identifier="i2"') < test["rawXml"].index('identifier="i3"')
    questions = (await qti.get("/assessment-tests/t1/questions")).json()
    assert questions["totalQuestions"] == 2
    assert [q["reference"]["identifier"] for q in questions["questions"]] == ["i2", "i3"]
    assert questions["questions"][0]["reference"]["section"] == "s1"
    deleted = await qti.delete(f"{sections}/s0")
    assert deleted.json() == {"message": "Section deleted successfully"}


async def test_parts_crud_and_metadata(qti: httpx.AsyncClient) -> None:
    await qti.post("/assessment-tests", json=new_test("t2", []))
    part = {
        "identifier": "p2",
        "navigationMode": "nonlinear",
        "submissionMode": "simultaneous",
        "qti-assessment-section": [],
    }
    created = await qti.post("/assessment-tests/t2/test-parts", json=part)
    assert created.status_code == 201
    assert (
        created.json()["content"]["qti-test-part"]["_attributes"]["navigation-mode"] == "nonlinear"
    )
    assert (await qti.post("/assessment-tests/t2/test-parts", json=part)).status_code == 409
    listed = (
        await qti.get("/assessment-tests/t2/test-parts", params={"navigationMode": "nonlinear"})
    ).json()
    assert [p["identifier"] for p in listed["items"]] == ["p2"]
    changed = await qti.put(
        "/assessment-tests/t2/test-parts/p2", json={**part, "navigationMode": "linear"}
    )
    assert changed.json()["navigationMode"] == "linear"
    assert (await qti.delete("/assessment-tests/t2/test-parts/p2")).status_code == 204
    assert (await qti.get("/assessment-tests/t2/test-parts/p2")).status_code == 404
    metadata = await qti.put("/assessment-tests/t2/metadata", json={"metadata": {"grade": "5"}})
    assert metadata.json()["metadata"] == {"grade": "5"}
    assert (await qti.get("/assessment-tests/nope/test-parts")).status_code == 404
    assert (await qti.delete("/assessment-tests/t2")).status_code == 204


async def test_a_test_from_xml(qti: httpx.AsyncClient) -> None:
    xml = (
        f'<qti-assessment-test xmlns="{QTI_NS}" identifier="tx" title="From XML">'
        '<qti-test-part identifier="p" navigation-mode="linear" submission-mode="individual">'
        '<qti-assessment-section identifier="s" title="S" visible="true">'
        '<qti-assessment-item-ref identifier="a" href="items/a.xml"/></qti-assessment-section>'
        "</qti-test-part></qti-assessment-test>"
    )
    created = await qti.post(
        "/assessment-tests", content=xml, headers={"content-type": "application/xml"}
    )
    assert created.status_code == 201, created.text
    section = created.json()["qti-test-part"][0]["qti-assessment-section"][0]
    assert (section["sequence"], section["qti-assessment-item-ref"]) == (
        1,
        [{"identifier": "a", "href": "items/a.xml"}],
    )


# -- stimuli, feedback, validation ------------------------------------------------------------


async def test_stimuli_crud(qti: httpx.AsyncClient) -> None:
    body = {"identifier": "st-1", "title": "Reading", "content": "<p>Once upon a time</p>"}
    created = await qti.post("/stimuli", json=body)
    assert created.status_code == 201
    assert "<qti-stimulus-body>" in created.json()["rawXml"]
    assert created.json()["catalogInfo"] == []
    assert (await qti.post("/stimuli", json=body)).status_code == 409
    assert (await qti.put("/stimuli/st-1", json={**body, "title": "Retold"})).json()[
        "title"
    ] == "Retold"
    assert (await qti.delete("/stimuli/st-1")).status_code == 204
    assert (await qti.get("/stimuli/st-1")).status_code == 404


async def test_question_and_lesson_feedback(qti: httpx.AsyncClient) -> None:
    question = await qti.post(
        "/question",
        json={"userId": "u1", "feedback": "Typo in B", "lessonId": "L1", "questionId": "q1"},
    )
    lesson = await qti.post(
        "/lesson",
        json={"userId": "u2", "feedback": "Great lesson", "lessonId": "L1", "humanApproved": True},
    )
    assert (question.status_code, question.json()["type"]) == (201, "QUESTION")
    assert (lesson.status_code, lesson.json()["type"]) == (201, "LESSON")
    latest = (await qti.get("/lesson/L1")).json()
    assert latest["feedback"] == "Great lesson"
    refused = await qti.post("/lesson", json={"userId": "u2"})
    assert refused.status_code == 400
    assert {i["field"] for i in refused.json()["meta"]["issues"]} == {"feedback", "lessonId"}
    deleted = await qti.delete(f"/{lesson.json()['id']}")
    assert deleted.json() == {"message": "Feedback deleted successfully"}
    assert (await qti.delete(f"/{lesson.json()['id']}")).status_code == 404


async def test_validate_one_and_a_batch(qti: httpx.AsyncClient) -> None:
    good = (await qti.post("/validate", json={"schema": "item", "xml": xml_item("v")})).json()
    assert (good["success"], good["validationErrors"], good["entityId"]) == ("true", [], "")
    bad = (
        await qti.post("/validate", json={"schema": "test", "xml": xml_item("v"), "entityId": "e"})
    ).json()
    assert (bad["success"], bad["entityId"]) == ("false", "e")
    assert "expected <qti-assessment-test>" in bad["validationErrors"][0]
    await qti.post("/assessment-items", json={"format": "xml", "xml": xml_item("stored")})
    by_id = (await qti.post("/validate", json={"schema": "item", "entityId": "stored"})).json()
    assert by_id["success"] == "true"
    unknown = await qti.post("/validate", json={"schema": "item", "entityId": "ghost"})
    assert (unknown.status_code, unknown.json()["error"]) == (404, "Entity not found")
    batch = (
        await qti.post(
            "/validate/batch",
            json={"schema": "item", "xml": [xml_item("a"), "<x/>"], "entityIds": ["a", "b"]},
        )
    ).json()
    assert [(r["entityId"], r["success"]) for r in batch["results"]] == [
        ("a", "true"),
        ("b", "false"),
    ]


# -- tokens and the wire ----------------------------------------------------------------------


async def test_requests_without_a_live_token_are_401_in_qtis_shape(sim: QtiSimulator) -> None:
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=BASE) as raw:
        missing = await raw.get("/assessment-items")
        assert (missing.status_code, missing.json()["error"]) == (401, "Unauthorized")
        form = await raw.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
            },
        )
        assert form.status_code == 200
        wrong = await raw.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=("sandbox-client", "nope"),
        )
        assert wrong.status_code == 401
        sim.tokens.expire_all()
        expired = await raw.get(
            "/assessment-items", headers={"Authorization": f"Bearer {form.json()['access_token']}"}
        )
        assert expired.json()["details"] == "token expired"


async def test_in_a_sandbox_it_accepts_timebacks_token() -> None:
    sims = SandboxSimulators()
    sims.include(TimebackSimulator(seed=1, users=10, classes=2))
    sims.include(QtiSimulator(seed=1, users=10, classes=2))
    settings = QtiSettings()  # token from timeback.sim, as configured by default
    async with make_service_client(settings, transport=sims.transport(), tokens=None) as client:
        assert (await client.get("/assessment-items", params={"limit": 1})).status_code == 200
    assert sims["timeback"].log.entries(path="/oauth2/token")
    assert not sims["qti"].log.entries(path="/oauth2/token")


async def test_qti_and_oneroster_share_one_token_through_the_registry() -> None:
    sims = SandboxSimulators()
    sims.include(TimebackSimulator(seed=1, users=10, classes=2))
    sims.include(QtiSimulator(seed=1, users=10, classes=2))
    registry = TokenRegistry()
    timeback = make_timeback_client(
        base_url="http://timeback.sim",
        token_url="http://timeback.sim/oauth2/token",
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        timeout=5,
        transport=sims.transport(),
        tokens=registry,
    )
    async with (
        timeback,
        make_service_client(QtiSettings(), transport=sims.transport(), tokens=registry) as qti,
    ):
        assert (
            await timeback.get("/ims/oneroster/rostering/v1p2/orgs", params={"limit": 1})
        ).status_code == 200
        assert (await qti.get("/assessment-items", params={"limit": 1})).status_code == 200
    assert len(sims["timeback"].log.entries(path="/oauth2/token")) == 1


async def test_the_probe_reports_the_item_count(qti: httpx.AsyncClient, sim: QtiSimulator) -> None:
    check = await QtiProbe(qti, client_id="sandbox-client", secret_set=True).check()
    assert check.ok
    assert str(len(sim.state.items)) in check.detail


def test_bff_simulate_qti_serves_on_a_real_socket(unused_tcp_port: int) -> None:
    bff = Path(sys.executable).with_name("bff")
    process = subprocess.Popen(  # noqa: S603 (the project's own command)
        [str(bff), "simulate", "qti", "--port", str(unused_tcp_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{unused_tcp_port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                token = httpx.post(
                    f"{url}/oauth2/token",
                    data={"grant_type": "client_credentials"},
                    auth=("sandbox-client", "sandbox-secret"),
                )
                break
            except httpx.TransportError:
                assert process.poll() is None, "bff simulate qti exited"
                assert time.monotonic() < deadline, "bff simulate qti never answered"
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = httpx.get(f"{url}/assessment-items", params={"limit": 2}, headers=headers)
        assert listed.status_code == 200
        assert len(listed.json()["items"]) == 2
    finally:
        process.terminate()
        process.wait(timeout=30)
