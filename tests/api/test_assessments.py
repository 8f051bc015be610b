"""``/v1/assessments`` over HTTP against the sandbox's QTI and TimeBack simulators: authors get the
answer key, everyone else the delivery form, on every route, in every answer (errors and ``fields``
selections included); writes check what they name; paging is exact at any offset."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from api.settings import Settings
from tests.api.assessments_matrix import (
    OTHER,
    OWN,
    PREFIX,
    AssessmentWorld,
    open_assessment_world,
)
from tests.api.test_gradebook import ROLES
from tests.assessment_content import (
    assessment_test_body,
    choice_item_xml,
    item_body,
    leaked,
    text_entry_item_xml,
    unique,
)
from tests.support.bff import open_bff

LEARNERS = ("student", "guardian")


@dataclass
class Qti:
    http: httpx.AsyncClient
    headers: dict[str, dict[str, str]]
    world: AssessmentWorld
    app: FastAPI

    def h(self, role: str) -> dict[str, str]:
        return self.headers[role]

    async def item(self, ownership: str, xml_of: Any = choice_item_xml) -> str:
        ident = unique("it")
        made = await self.http.post(
            f"{PREFIX}/items",
            json=item_body(xml_of(ident), [self.world.courses[ownership]]),
            headers=self.h("admin"),
        )
        assert made.status_code == 201, made.text
        return ident


@pytest.fixture
async def qti(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Qti]:
    async with open_bff(settings, demo, ROLES) as bff:
        app, container, http, headers = bff.app, bff.container, bff.http, bff.headers
        world = await open_assessment_world(http, headers["admin"], container, demo)
        yield Qti(http, headers, world, app)


async def test_authors_get_the_key_and_everyone_else_the_delivery_form(qti: Qti) -> None:
    item = await qti.item(OWN)
    full = await qti.http.get(f"{PREFIX}/items/{item}", headers=qti.h("admin"))
    assert full.status_code == 200, full.text
    body = full.json()
    assert body["form"] == "full"
    assert body["responseDeclarations"][0]["correctResponse"]["value"] == ["B"]
    assert "qti-response-processing" in body["rawXml"]
    assert leaked(full.text)  # the markers are there to be found
    for role in (*LEARNERS, "teacher"):
        # the teacher teaches the item's course: the key is theirs too
        got = await qti.http.get(f"{PREFIX}/items/{item}", headers=qti.h(role))
        assert got.status_code == 200, got.text
        if role == "teacher":
            assert got.json()["form"] == "full"
            continue
        answer = got.json()
        assert answer["form"] == "delivery"
        assert leaked(got.text) == []
        assert answer["responseDeclarations"] == [
            {"identifier": "RESPONSE", "cardinality": "single", "baseType": "identifier"}
        ]
        assert "qti-choice-interaction" in answer["rawXml"]
        structured = answer["structured"]
        assert structured["interactionType"] == "choice"
        assert [c["identifier"] for c in structured["interactions"][0]["choices"]] == [
            "A",
            "B",
            "C",
        ]
        assert answer["metadata"]["subject"] == "Science"


async def test_a_teacher_authors_only_the_content_of_their_courses(qti: Qti) -> None:
    theirs, other = await qti.item(OWN), await qti.item(OTHER)
    teacher = qti.h("teacher")
    got = await qti.http.get(f"{PREFIX}/items/{other}", headers=teacher)
    assert got.json()["form"] == "delivery"
    assert leaked(got.text) == []
    own_course, other_course = qti.world.courses[OWN], qti.world.courses[OTHER]
    replaced = await qti.http.put(
        f"{PREFIX}/items/{other}",
        json=item_body(choice_item_xml(other), [own_course]),
        headers=teacher,
    )
    assert replaced.status_code == 403, replaced.text
    assert leaked(replaced.text) == []
    moved = await qti.http.put(
        f"{PREFIX}/items/{theirs}",
        json=item_body(choice_item_xml(theirs), [other_course]),
        headers=teacher,
    )
    assert moved.status_code == 403, moved.text
    for courses in ([other_course], []):
        refused = await qti.http.post(
            f"{PREFIX}/items",
            json=item_body(choice_item_xml(unique("t")), courses),
            headers=teacher,
        )
        assert refused.status_code == 403, refused.text
    made = await qti.http.post(
        f"{PREFIX}/items",
        json=item_body(choice_item_xml(unique("t")), [own_course]),
        headers=teacher,
    )
    assert made.status_code == 201, made.text
    assert made.json()["form"] == "full"
    assert (await qti.http.delete(f"{PREFIX}/items/{theirs}", headers=teacher)).status_code == 204


async def test_writes_check_what_they_name(qti: Qti) -> None:
    admin = qti.h("admin")
    missing_course = await qti.http.post(
        f"{PREFIX}/items",
        json=item_body(choice_item_xml(unique("x")), ["no-such-course"]),
        headers=admin,
    )
    assert missing_course.status_code == 422, missing_course.text
    assert missing_course.json()["errors"][0]["loc"] == ["body", "metadata", "courseSourcedIds"]
    test = unique("t")
    dangling = await qti.http.post(
        f"{PREFIX}/tests",
        json=assessment_test_body(test, ["no-such-item"], [qti.world.courses[OWN]]),
        headers=admin,
    )
    assert dangling.status_code == 422, dangling.text
    assert dangling.json()["errors"][0]["loc"] == ["body", "xml"]
    assert "no-such-item" in dangling.json()["detail"]
    made = await qti.http.post(
        f"{PREFIX}/tests",
        json=assessment_test_body(test, [], [qti.world.courses[OWN]]),
        headers=admin,
    )
    assert made.status_code == 201, made.text
    section = f"{PREFIX}/tests/{test}/parts/part-1/sections/section-1"
    ref = await qti.http.post(
        f"{section}/items", json={"identifier": "no-such-item"}, headers=admin
    )
    assert ref.status_code == 422, ref.text
    assert ref.json()["errors"][0]["loc"] == ["body", "identifier"]
    item = await qti.item(OWN)
    added = await qti.http.post(f"{section}/items", json={"identifier": item}, headers=admin)
    assert added.status_code == 201, added.text
    order = await qti.http.put(
        f"{section}/items/order", json={"items": [{"identifier": "ghost"}]}, headers=admin
    )
    assert order.status_code == 422, order.text
    assert order.json()["errors"][0]["loc"] == ["body", "items", "0", "identifier"]
    feedback = await qti.http.post(
        f"{PREFIX}/feedback/questions",
        json={"lessonId": "no-such-lesson", "questionId": item, "feedback": "?"},
        headers=qti.h("student"),
    )
    assert feedback.status_code == 422, feedback.text
    assert feedback.json()["errors"][0]["loc"] == ["body", "lessonId"]


async def test_qti_validation_messages_come_back_in_the_problem(qti: Qti) -> None:
    broken = choice_item_xml(unique("bad")).replace(
        'cardinality="single" base-type="identifier"', ""
    )
    refused = await qti.http.post(
        f"{PREFIX}/items", json=item_body(broken, [qti.world.courses[OWN]]), headers=qti.h("admin")
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["detail"].startswith("QTI refused the request")
    assert any(e["type"] == "upstream_validation" for e in problem["errors"]), problem
    validated = await qti.http.post(
        f"{PREFIX}/validate", json={"schema": "item", "xml": broken}, headers=qti.h("teacher")
    )
    assert validated.status_code == 200, validated.text
    assert validated.json()["success"] is False
    assert validated.json()["validationErrors"]
    duplicate = await qti.item(OWN)
    again = await qti.http.post(
        f"{PREFIX}/items",
        json=item_body(choice_item_xml(duplicate), [qti.world.courses[OWN]]),
        headers=qti.h("admin"),
    )
    assert again.status_code == 409, again.text
    assert (
        await qti.http.get(f"{PREFIX}/items/ghost", headers=qti.h("student"))
    ).status_code == 404


async def test_paging_is_exact_at_any_offset(qti: Qti) -> None:
    admin = qti.h("admin")
    whole = await qti.http.get(
        f"{PREFIX}/items", params={"limit": 60, "sort": "identifier", "order": "asc"}, headers=admin
    )
    assert whole.status_code == 200, whole.text
    everything = [i["identifier"] for i in whole.json()["items"]]
    total = whole.json()["total"]
    assert total >= 60
    assert whole.headers["X-Total-Count"] == str(total)
    for limit, offset in ((7, 0), (7, 3), (10, 25), (13, 40)):
        page = await qti.http.get(
            f"{PREFIX}/items",
            params={"limit": limit, "offset": offset, "sort": "identifier", "order": "asc"},
            headers=qti.h("student"),
        )
        assert page.status_code == 200, page.text
        assert [i["identifier"] for i in page.json()["items"]] == everything[
            offset : offset + limit
        ]
        assert 'rel="next"' in page.headers["Link"]
        assert page.headers["X-Total-Count"] == str(total)
        assert leaked(page.text) == []


async def test_scoring_answers_score_and_earned_feedback_only(qti: Qti) -> None:
    item = await qti.item(OWN)
    student = qti.h("student")
    right = await qti.http.post(
        f"{PREFIX}/items/{item}/score", json={"response": "B"}, headers=student
    )
    assert right.status_code == 200, right.text
    assert right.json()["score"] == 1
    wrong = await qti.http.post(
        f"{PREFIX}/items/{item}/score", json={"response": "A"}, headers=student
    )
    assert wrong.status_code == 200, wrong.text
    assert wrong.json()["score"] == 0
    assert set(wrong.json()) <= {"score", "feedback", "status"}
    assert leaked(wrong.text) == []
    entry = await qti.item(OWN, text_entry_item_xml)
    mapped = await qti.http.post(
        f"{PREFIX}/items/{entry}/score", json={"response": "wombat-secret"}, headers=student
    )
    assert mapped.status_code == 200, mapped.text
    assert mapped.json()["score"] == 0.5
    odd = await qti.http.post(
        f"{PREFIX}/items/{item}/score", json={"response": ["A", "B", "C"]}, headers=student
    )
    assert odd.status_code in (200, 422), odd.text
    assert leaked(odd.text) == []


# -- the walk: every route x every learner, every answer searched for the key ----------------


def _routes(app: FastAPI) -> list[tuple[str, str, str]]:
    found = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and str(ctx.path).startswith(PREFIX):
            for method in sorted((ctx.methods or set()) - {"HEAD"}):
                found.append((method, str(ctx.path), ctx.operation_id or ""))
    return found


async def not_their_own(qti: Qti, path: str, response: httpx.Response) -> str:
    """The answer without the objects the teacher authors (theirs to read whole): what the walk
    searches when the teacher lists content. An object's metadata is read as the admin when the
    answer's ``fields`` left it out."""
    try:
        body = response.json()
    except ValueError:
        return response.text
    if not (isinstance(body, dict) and isinstance(body.get("items"), list)):
        return response.text
    kept = []
    for obj in body["items"]:
        judged = obj
        if obj.get("metadata") is None:
            whole = await qti.http.get(f"{path}/{obj['identifier']}", headers=qti.h("admin"))
            judged = {"metadata": whole.json().get("metadata")}
        if not qti.world.teachers_own(judged):
            kept.append(obj)
    return json.dumps({**body, "items": kept})


FIELD_SELECTIONS = (
    "responseDeclarations,responseProcessing,rawXml,content,modalFeedback,feedbackInline,metadata",
    "correctResponse,mapping,areaMapping,feedbackBlock,qti-outcome-processing",
)


async def test_no_answer_key_reaches_a_learner_by_any_route(qti: Qti) -> None:
    """Students, guardians and a teacher on another course's content call every route of the
    family (reads plain, with ``fields`` selections and for missing ids; writes with valid and
    broken bodies) on content whose key is marked; no answer may hold any marker."""
    callers = (("student", OWN), ("guardian", OWN), ("teacher", OTHER))
    routes = _routes(qti.app)
    covered: set[tuple[str, str, str]] = set()
    answers = 0
    for (method, path, op), (role, ownership) in itertools.product(routes, callers):
        names = [n[1:-1] for n in path.split("/") if n.startswith("{")]
        params = await qti.world.params(path, names, ownership)
        url = path.format(**params)
        tries: list[dict[str, Any]] = []
        if method == "GET":
            tries = [{}] + [{"params": {"fields": f}} for f in FIELD_SELECTIONS]
            missing = dict.fromkeys(names, "ghost")
            tries.append({"url": path.format(**missing)} if names else {"params": {"limit": 0}})
        else:
            body = qti.world.body(op, params, ownership)
            tries = [body or {}, {"json": {"response": 42, "xml": "<not-qti/>"}}]
        for attempt in tries:
            target = attempt.pop("url", url)
            response = await qti.http.request(method, target, headers=qti.h(role), **attempt)
            answers += 1
            assert response.status_code < 500, f"{method} {target} as {role}: {response.text}"
            listing = role == "teacher" and method == "GET" and path.count("/") == 3
            seen = await not_their_own(qti, path, response) if listing else response.text
            assert leaked(seen) == [], f"{method} {target} as {role}: {response.text}"
            # Link repeats the request's own query (its fields=...), so it is not searched
            headers = {k: v for k, v in response.headers.items() if k.lower() != "link"}
            assert leaked(str(headers)) == [], f"{method} {target} as {role}: {headers}"
        covered.add((method, path, role))
    # the markers are really in what the learners asked for: the admin sees them
    item = qti.world.made[-1].item
    assert leaked((await qti.http.get(f"{PREFIX}/items/{item}", headers=qti.h("admin"))).text)
    print(f"\nanswer-key walk: {len(routes)} routes x {len(callers)} callers, {answers} answers")
    assert len(covered) == len(routes) * len(callers)
