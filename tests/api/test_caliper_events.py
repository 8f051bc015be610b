"""Caliper event routes end to end on SQLite and PostgreSQL: verdicts, completion of what a front
end leaves out, idempotency (202 duplicate, 409), validate storing nothing, every problem with its
JSON path, filters and paging, and who may send and read whose events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.composition import Container
from api.settings import Settings
from domain.ports.caliper_outbox import EventQuery
from tests.conftest import login

EVENTS = "/v1/events"
CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p2"
ROLES = ("admin", "staff", "teacher", "student", "guardian")
USERS = "http://timeback.sim/ims/oneroster/rostering/v1p2/users/"


@dataclass
class Bff:
    http: httpx.AsyncClient
    container: Container
    headers: dict[str, dict[str, str]]
    people: dict[str, str | None]

    async def send(self, role: str, body: object) -> httpx.Response:
        return await self.http.post(EVENTS, json=body, headers=self.headers[role])

    async def get(self, role: str, event_id: str) -> httpx.Response:
        return await self.http.get(f"{EVENTS}/{quote(event_id)}", headers=self.headers[role])

    async def count(self) -> int:
        async with self.container.uow() as uow:
            return (await uow.caliper_events.list(EventQuery(limit=0)))[1]


@pytest.fixture
async def bff(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Bff]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        container: Container = manager._state["container"]
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            headers = {r: await login(http, demo[r].email) for r in ROLES}
            people = {r: demo[r].person_sourced_id for r in ROLES}
            yield Bff(http, container, headers, people)


def event(n: int | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.uuid4() if n is None else uuid.UUID(int=n, version=4)}",
        "type": "SessionEvent",
        "action": "LoggedIn",
        "eventTime": "2026-12-01T10:00:00.000Z",
        "object": {"id": "https://app.example", "type": "SoftwareApplication"},
    }
    return out | extra


def activity(**extra: Any) -> dict[str, Any]:
    return (
        event(
            type="ActivityEvent",
            profile="TimebackProfile",
            action="Completed",
            object={
                "id": "https://app.example/activities/quiz-1",
                "type": "TimebackActivityContext",
                "subject": "Math",
                "app": {"name": "Quiz app"},
            },
            generated={
                "id": f"urn:uuid:{uuid.uuid4()}",
                "type": "TimebackActivityMetricsCollection",
                "items": [{"type": "totalQuestions", "value": 10}],
            },
        )
        | extra
    )


async def test_an_accepted_event_is_completed_stored_and_shown_with_its_delivery(bff: Bff) -> None:
    sent = activity()
    reply = await bff.send("student", {"data": [sent]})
    assert reply.status_code == 202, reply.text
    verdict = reply.json()
    assert (verdict["accepted"], verdict["duplicates"], verdict["refused"]) == (1, 0, 0)
    assert verdict["events"] == [
        {"index": 0, "id": sent["id"], "verdict": "accepted", "problems": []}
    ]
    got = await bff.get("student", sent["id"])
    assert got.status_code == 200, got.text
    stored = got.json()
    me = bff.people["student"]
    assert stored["actor_id"] == USERS + str(me)
    assert stored["person_sourced_id"] == me
    assert stored["event"]["actor"]["type"] == "TimebackUser"
    assert "@" in stored["event"]["actor"]["email"]
    assert stored["event"]["edApp"] == bff.container.settings.events.ed_app
    assert stored["delivery"]["state"] in {"pending", "sending", "delivered"}
    assert (stored["type"], stored["action"]) == ("ActivityEvent", "Completed")


async def test_the_same_event_again_is_a_duplicate_and_another_under_its_id_a_409(
    bff: Bff,
) -> None:
    sent = event()
    assert (await bff.send("student", [sent])).status_code == 202
    again = await bff.send("student", [sent])
    assert again.status_code == 202, again.text
    assert again.json()["events"][0]["verdict"] == "duplicate"
    changed = await bff.send("student", [sent | {"action": "LoggedOut"}])
    assert changed.status_code == 409, changed.text
    assert changed.headers["content-type"] == "application/problem+json"
    [error] = changed.json()["errors"]
    assert (error["path"], error["type"], error["loc"]) == (
        "$[0].id",
        "id-reused",
        ["body", 0, "id"],
    )
    kept = (await bff.get("student", sent["id"])).json()
    assert kept["action"] == "LoggedIn"


async def test_a_conflict_stores_nothing_of_its_request(bff: Bff) -> None:
    first = event()
    assert (await bff.send("student", [first])).status_code == 202
    fresh = event()
    refused = await bff.send("student", [fresh, first | {"action": "LoggedOut"}])
    assert refused.status_code == 409
    assert (await bff.get("student", fresh["id"])).status_code == 404


async def test_validate_judges_like_a_send_and_stores_nothing(bff: Bff) -> None:
    sent = event()
    reply = await bff.http.post(f"{EVENTS}/validate", json=[sent], headers=bff.headers["student"])
    assert reply.status_code == 200, reply.text
    assert reply.json()["events"][0]["verdict"] == "accepted"
    assert (await bff.get("student", sent["id"])).status_code == 404
    bad = await bff.http.post(
        f"{EVENTS}/validate", json=[event(action="Jumped")], headers=bff.headers["student"]
    )
    assert bad.status_code == 422
    assert [e["path"] for e in bad.json()["errors"]] == ["$[0].action"]


async def test_every_problem_is_listed_with_its_json_path(bff: Bff) -> None:
    body = {"data": [event(action="Jumped"), event(eventTime="yesterday", type="NoSuchEvent")]}
    reply = await bff.send("student", body)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    paths = {e["path"] for e in reply.json()["errors"]}
    assert "$.data[0].action" in paths
    assert any(p.startswith("$.data[1]") for p in paths)
    for error in reply.json()["errors"]:
        assert error["loc"][:3] == ["body", "data", int(error["path"][7])]


async def test_a_mixed_request_stores_the_good_events_and_says_why_the_others_failed(
    bff: Bff,
) -> None:
    good = event()
    reply = await bff.send("student", [good, event(action="Jumped")])
    assert reply.status_code == 202, reply.text
    verdicts = reply.json()["events"]
    assert [v["verdict"] for v in verdicts] == ["accepted", "refused"]
    assert verdicts[1]["problems"][0]["path"] == "$[1].action"
    assert (await bff.get("student", good["id"])).status_code == 200


async def test_a_body_that_is_neither_an_envelope_nor_a_list_is_a_422(bff: Bff) -> None:
    reply = await bff.http.post(
        EVENTS,
        content=b'"text"',
        headers=bff.headers["student"] | {"content-type": "application/json"},
    )
    assert reply.status_code == 422
    envelope = await bff.send("student", {"data": [], "dataVersion": "v1"})
    assert envelope.status_code == 422
    assert {e["path"] for e in envelope.json()["errors"]} >= {"$.dataVersion"}


async def test_learners_send_only_as_themselves(bff: Bff) -> None:
    other = bff.people["teacher"]
    naming = event(actor={"id": USERS + str(other), "type": "Person"})
    reply = await bff.send("student", [event(), naming])
    assert reply.status_code == 403, reply.text
    [error] = reply.json()["errors"]
    assert (error["path"], error["type"]) == ("$[1].actor", "own-actor")
    foreign = await bff.send("student", [event(actor="https://elsewhere.example/me")])
    assert foreign.status_code == 403
    assert await bff.count() == 0


async def test_an_admin_may_name_any_actor_but_a_roster_actor_must_exist(bff: Bff) -> None:
    student = bff.people["student"]
    named = event(actor={"id": USERS + str(student), "type": "Person"})
    system = event(actor={"id": "https://app.example/system", "type": "SoftwareApplication"})
    reply = await bff.send("admin", [named, system])
    assert reply.status_code == 202, reply.text
    ghost = await bff.send("admin", [event(actor={"id": USERS + "nobody", "type": "Person"})])
    assert ghost.status_code == 422
    assert ghost.json()["errors"][0]["type"] == "known-person"
    # the student sees the event about them, not the system's
    mine = (await bff.http.get(EVENTS, headers=bff.headers["student"])).json()
    assert [e["id"] for e in mine["items"]] == [named["id"]]


async def test_each_role_reads_the_events_of_the_people_it_may_see(bff: Bff) -> None:
    by_student, by_teacher = event(), event()
    assert (await bff.send("student", [by_student])).status_code == 202
    assert (await bff.send("teacher", [by_teacher])).status_code == 202
    seen: dict[str, set[str]] = {}
    for role in ROLES:
        listed = await bff.http.get(EVENTS, headers=bff.headers[role])
        assert listed.status_code == 200, listed.text
        seen[role] = {e["id"] for e in listed.json()["items"]}
    assert seen["admin"] == {by_student["id"], by_teacher["id"]}
    assert seen["student"] == {by_student["id"]}
    assert seen["teacher"] == {by_student["id"], by_teacher["id"]}
    assert seen["guardian"] == {by_student["id"]}
    assert by_student["id"] in seen["staff"]
    assert (await bff.get("student", by_teacher["id"])).status_code == 404
    assert (await bff.get("guardian", by_teacher["id"])).status_code == 404
    assert (await bff.get("guardian", by_student["id"])).status_code == 200


async def test_lists_filter_and_page_with_the_bff_conventions(bff: Bff) -> None:
    sent = [event(eventTime=f"2026-12-01T10:0{i}:00.000Z") for i in range(5)]
    sent.append(event(action="LoggedOut", eventTime="2026-12-02T10:00:00.000Z"))
    assert (await bff.send("student", sent)).status_code == 202
    me = bff.headers["student"]
    page = await bff.http.get(EVENTS, params={"limit": 2, "offset": 2}, headers=me)
    assert page.headers["X-Total-Count"] == "6"
    assert 'rel="next"' in page.headers["Link"]
    assert 'rel="prev"' in page.headers["Link"]
    assert [e["id"] for e in page.json()["items"]] == [sent[2]["id"], sent[3]["id"]]
    out = await bff.http.get(EVENTS, params={"action": "LoggedOut"}, headers=me)
    assert [e["id"] for e in out.json()["items"]] == [sent[5]["id"]]
    window = await bff.http.get(
        EVENTS,
        params={"from": "2026-12-01T10:01:00Z", "to": "2026-12-01T10:03:00Z"},
        headers=me,
    )
    assert [e["id"] for e in window.json()["items"]] == [sent[1]["id"], sent[2]["id"]]
    typed = await bff.http.get(EVENTS, params={"type": "ActivityEvent"}, headers=me)
    assert typed.json()["total"] == 0
    by_actor = await bff.http.get(
        EVENTS, params={"actor": bff.people["student"]}, headers=bff.headers["admin"]
    )
    assert by_actor.json()["total"] == 6
    states = await bff.http.get(EVENTS, params={"state": ["failed", "in_doubt"]}, headers=me)
    assert states.json()["total"] == 0
    wrong = await bff.http.get(EVENTS, params={"state": "lost"}, headers=me)
    assert wrong.status_code == 422
