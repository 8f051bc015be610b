"""``POST /v1/learning/activity/heartbeat`` end to end on SQLite and PostgreSQL: a heartbeat
becomes one valid Caliper TimeSpentEvent (TimeBack's profile) in the outbox and reaches the Caliper
simulator once; retries (Idempotency-Key, sequence, span) are duplicates; a reused key with other
figures, bad figures and unknown lessons or learners are 422s storing nothing; who may report
whose time."""

from __future__ import annotations

import asyncio
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
from domain.caliper.validation import validate_envelope
from domain.ports.caliper_outbox import EventQuery
from simulators.caliper import CaliperSimulator
from simulators.timeback import TimebackSimulator
from tests.api.assessments_matrix import lessons_by_course
from tests.conftest import login
from tests.support.sandbox import simulator

HEARTBEAT = "/v1/learning/activity/heartbeat"
ROLES = ("admin", "staff", "teacher", "student", "guardian")


@dataclass
class Bff:
    http: httpx.AsyncClient
    container: Container
    headers: dict[str, dict[str, str]]
    people: dict[str, str | None]
    lesson: str
    course: str

    async def beat(self, role: str, body: dict[str, Any], **headers: str) -> httpx.Response:
        return await self.http.post(HEARTBEAT, json=body, headers=self.headers[role] | headers)

    async def stored(self) -> int:
        async with self.container.uow() as uow:
            return (await uow.caliper_events.list(EventQuery(types=frozenset({"TimeSpentEvent"}))))[
                1
            ]


@pytest.fixture
async def bff(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Bff]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        container: Container = manager._state["container"]
        course, lessons = next(
            iter(
                sorted(
                    lessons_by_course(simulator(container, "timeback", TimebackSimulator)).items()
                )
            )
        )
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            headers = {r: await login(http, demo[r].email) for r in ROLES}
            people = {r: demo[r].person_sourced_id for r in ROLES}
            yield Bff(http, container, headers, people, lessons[0], course)


def body(lesson: str, **extra: Any) -> dict[str, Any]:
    return {
        "lesson": lesson,
        "active_seconds": 50,
        "inactive_seconds": 10,
        "started_at": "2026-12-06T10:00:00Z",
        "ended_at": "2026-12-06T10:01:00Z",
    } | extra


async def test_a_heartbeat_is_one_valid_time_spent_event_delivered_once(bff: Bff) -> None:
    response = await bff.beat("student", body(bff.lesson, sequence=1))
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["state"] == "accepted"
    event_id = answer["event_id"]
    assert event_id.startswith("urn:uuid:")

    stored = await bff.http.get(f"/v1/events/{quote(event_id)}", headers=bff.headers["student"])
    assert stored.status_code == 200, stored.text
    event = stored.json()["event"]
    assert event["type"] == "TimeSpentEvent"
    assert event["action"] == "SpentTime"
    assert event["profile"] == "TimebackProfile"
    assert event["actor"]["type"] == "TimebackUser"
    assert event["actor"]["id"].endswith("/users/" + str(bff.people["student"]))
    assert event["actor"]["email"]
    assert event["object"]["course"]["id"].endswith("/courses/" + bff.course)
    assert event["object"]["id"].endswith("/component-resources/" + bff.lesson)
    assert event["eventTime"] == "2026-12-06T10:01:00.000Z"
    generated = event["generated"]
    assert generated["type"] == "TimebackTimeSpentMetricsCollection"
    assert {i["type"]: i["value"] for i in generated["items"]} == {"active": 50, "inactive": 10}
    assert generated["extensions"]["duration"] == "PT1M"
    envelope = {
        "sensor": "https://bff.example/sensor",
        "sendTime": "2026-12-06T10:01:00.000Z",
        "dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p2",
        "data": [event],
    }
    assert validate_envelope(envelope) == []

    # the outbox delivers it to TimeBack's Caliper endpoint (the simulator), once
    delivery = bff.container.caliper_delivery()
    sim = simulator(bff.container, "caliper", CaliperSimulator)
    for _ in range(50):
        await delivery.deliver_round()
        sim.settle()
        if sim.state.event(event_id) is not None:
            break
        await asyncio.sleep(0.05)
    assert sim.state.event(event_id) is not None
    again = await bff.beat("student", body(bff.lesson, sequence=1))
    assert again.json()["state"] == "duplicate"
    await delivery.deliver_round()
    assert sum(1 for e in sim.stored_events() if e.get("externalId") == event_id) == 1


async def test_retries_are_stored_once(bff: Bff) -> None:
    keyed = await bff.beat("student", body(bff.lesson), **{"Idempotency-Key": "hb-1"})
    replay = await bff.beat("student", body(bff.lesson), **{"Idempotency-Key": "hb-1"})
    assert keyed.status_code == replay.status_code == 202
    assert replay.json()["state"] == "duplicate"
    assert replay.json()["event_id"] == keyed.json()["event_id"]
    # no key, no sequence: the span is the key
    span = body(bff.lesson, started_at="2026-12-06T11:00:00Z", ended_at="2026-12-06T11:00:30Z")
    span["active_seconds"], span["inactive_seconds"] = 30, 0
    first, second = await bff.beat("student", span), await bff.beat("student", span)
    assert (first.json()["state"], second.json()["state"]) == ("accepted", "duplicate")
    # a double tap sent at once is still one event
    both = await asyncio.gather(
        *(bff.beat("student", body(bff.lesson, sequence=7)) for _ in range(2))
    )
    assert sorted(r.json()["state"] for r in both) == ["accepted", "duplicate"]
    assert await bff.stored() == 3


async def test_a_reused_key_with_other_figures_is_refused(bff: Bff) -> None:
    assert (await bff.beat("student", body(bff.lesson, sequence=3))).status_code == 202
    other = await bff.beat("student", body(bff.lesson, sequence=3, active_seconds=40))
    assert other.status_code == 422, other.text
    assert "sequence" in other.text
    await bff.beat("student", body(bff.lesson), **{"Idempotency-Key": "k"})
    reused = await bff.beat(
        "student", body(bff.lesson, inactive_seconds=0), **{"Idempotency-Key": "k"}
    )
    assert reused.status_code == 422
    assert await bff.stored() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"ended_at": "2026-12-06T09:59:00Z"},  # before it started
        {"active_seconds": -1},
        {"active_seconds": 90_000},
        {"active_seconds": 61},  # more than the span
        {"ended_at": "2026-12-08T10:00:00Z", "active_seconds": 60},  # longer than a day
        {"active_seconds": True},
        {"started_at": "not a time"},
        {"lesson": "no-such-lesson"},
        {"learner": "no-such-person"},
        {"extra": 1},
    ],
)
async def test_bad_heartbeats_are_422s_storing_nothing(bff: Bff, change: dict[str, Any]) -> None:
    role = "admin" if "learner" in change else "student"
    response = await bff.beat(role, body(bff.lesson) | change)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await bff.stored() == 0


async def test_who_may_report_whose_time(bff: Bff) -> None:
    student = bff.people["student"]
    # an admin has no roster person: they must name the learner
    assert (await bff.beat("admin", body(bff.lesson))).status_code == 422
    assert (await bff.beat("admin", body(bff.lesson, learner=student))).status_code == 202
    # the demo teacher teaches the demo student; a guardian never acts for a child
    teacher = await bff.beat("teacher", body(bff.lesson, learner=student, sequence=2))
    assert teacher.status_code == 202, teacher.text
    guardian = await bff.beat("guardian", body(bff.lesson, learner=student, sequence=3))
    assert guardian.status_code == 403
    # another student: 403; someone who is no student of the roster cache: 422 (D85)
    sim = simulator(bff.container, "timeback", TimebackSimulator)
    classmate = next(
        str(u["sourcedId"])
        for u in sim.state.users.all()
        if u["sourcedId"] != student and any(r.get("role") == "student" for r in u["roles"])
    )
    other = await bff.beat("student", body(bff.lesson, learner=classmate))
    assert other.status_code == 403
    teacher_self = await bff.beat("teacher", body(bff.lesson, sequence=4))
    assert teacher_self.status_code == 422
    assert (await bff.beat("teacher", body(bff.lesson, learner="nobody"))).status_code == 422
    assert (await bff.http.post(HEARTBEAT, json=body(bff.lesson))).status_code == 401
    assert await bff.stored() == 2


async def test_the_lesson_comes_from_the_cache_or_else_from_timeback(bff: Bff) -> None:
    cached = await bff.beat("student", body(bff.lesson, sequence=11))
    assert cached.status_code == 202, cached.text
    stored = await bff.http.get(
        f"/v1/events/{quote(cached.json()['event_id'])}", headers=bff.headers["student"]
    )
    sim = simulator(bff.container, "timeback", TimebackSimulator)
    known = sim.state.component_resources.get(bff.lesson)
    assert known is not None
    # the cached lesson's title (the TimeBack lookup knows only the course)
    assert stored.json()["event"]["object"]["activity"]["name"] == known["title"]
    # a lesson made at TimeBack after the last sync: TimeBack's rostering service knows it
    newer = dict(known) | {"sourcedId": "lesson-made-after-the-sync", "title": "Brand new"}
    sim.state.component_resources.put(newer)
    fresh = await bff.beat("student", body("lesson-made-after-the-sync", sequence=12))
    assert fresh.status_code == 202, fresh.text
    event = (
        await bff.http.get(
            f"/v1/events/{quote(fresh.json()['event_id'])}", headers=bff.headers["student"]
        )
    ).json()["event"]
    assert event["object"]["course"]["id"].endswith("/courses/" + bff.course)
    assert event["object"]["activity"]["name"] == "Lesson lesson-made-after-the-sync"
