"""Accepting, validating and reading Caliper events against in-memory fakes (the small district of
tests/fakes/roster.py): what is filled in, verdicts, idempotency, who may send as whom, who reads
what, and the delivery kick."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from domain.errors import (
    DocumentConflict,
    DocumentForbidden,
    InvalidDocument,
    NotFound,
    PermissionDenied,
)
from domain.models.identity import Actor, Role
from domain.policy import Policy
from domain.ports import UnitOfWork
from domain.services.caliper_delivery import DELIVER_JOB
from domain.services.caliper_events import (
    CaliperEventService,
    EventFilter,
    EventsConfig,
    Verdict,
)
from tests.fakes.caliper import FakeEventsUnitOfWork, OutboxDb
from tests.fakes.roster import small_district
from tests.unit.domain.test_scheduling import FakeClock, FakeJobQueue

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
BASE = "https://timeback.example"
USERS = BASE + "/ims/oneroster/rostering/v1p2/users/"
CONFIG = EventsConfig(
    sensor="https://bff.example/sensor", ed_app="https://bff.example/app", timeback_base=BASE
)
PEOPLE = {"t1", "t2", "t3", "st1", "st2", "st3", "st4", "g1", "a1", "ad"}


def actor(person: str | None, role: Role, *, can_write: bool = True) -> Actor:
    return Actor(
        account_id=f"acc-{person}", role=role, person_sourced_id=person, can_write=can_write
    )


ST1, ST4 = actor("st1", Role.STUDENT), actor("st4", Role.STUDENT)
T1, T3 = actor("t1", Role.TEACHER), actor("t3", Role.TEACHER)
G1, A1 = actor("g1", Role.GUARDIAN), actor("a1", Role.STAFF)
ADMIN = actor(None, Role.ADMIN)


class Rig:
    def __init__(self) -> None:
        self.db = OutboxDb(people=set(PEOPLE))
        self.jobs = FakeJobQueue()
        self.service = CaliperEventService(
            uow=lambda: cast(UnitOfWork, FakeEventsUnitOfWork(self.db)),
            policy=Policy(small_district()),
            clock=FakeClock(T0),
            jobs=self.jobs,
            config=CONFIG,
        )


@pytest.fixture
def rig() -> Rig:
    return Rig()


def event(**extra: Any) -> dict[str, Any]:
    return {
        "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": "SessionEvent",
        "action": "LoggedIn",
        "eventTime": "2026-12-01T10:00:00.000Z",
        "object": {"id": "https://app.example", "type": "SoftwareApplication"},
    } | extra


async def test_the_caller_and_what_timeback_needs_are_filled_in(rig: Rig) -> None:
    sent = event()
    [verdict] = await rig.service.accept(actor=ST1, payload=[sent])
    assert verdict.verdict is Verdict.ACCEPTED
    stored = rig.db.rows[sent["id"]]
    assert stored.event["actor"] == {"id": USERS + "st1", "type": "Person"}
    assert stored.event["edApp"] == CONFIG.ed_app
    assert stored.event["profile"] == "GeneralProfile"
    assert (stored.person_sourced_id, stored.actor_id) == ("st1", USERS + "st1")
    assert stored.event_time == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert [j.job for j in rig.jobs.calls] == [DELIVER_JOB, DELIVER_JOB]


async def test_a_timeback_user_actor_carries_the_callers_roster_email(rig: Rig) -> None:
    sent = event(actor={"type": "TimebackUser"})
    await rig.service.accept(actor=ST1, payload={"data": [sent]})
    assert rig.db.rows[sent["id"]].event["actor"] == {
        "id": USERS + "st1",
        "type": "TimebackUser",
        "email": "st1@school.example",
    }


async def test_each_event_gets_a_verdict_and_all_refused_is_one_invalid_document(
    rig: Rig,
) -> None:
    good, bad = event(), event(action="Jumped")
    verdicts = await rig.service.accept(actor=ST1, payload={"data": [good, bad]})
    assert [v.verdict for v in verdicts] == [Verdict.ACCEPTED, Verdict.REFUSED]
    assert [p.path for p in verdicts[1].problems] == ["$.data[1].action"]
    with pytest.raises(InvalidDocument) as refused:
        await rig.service.accept(actor=ST1, payload=[bad, event(eventTime="soon")])
    paths = [v.path for v in refused.value.violations]
    assert "$[0].action" in paths
    assert "$[1].eventTime" in paths


async def test_an_envelope_problem_refuses_the_request(rig: Rig) -> None:
    with pytest.raises(InvalidDocument) as refused:
        await rig.service.accept(actor=ST1, payload={"data": [event()], "dataVersion": "1.1"})
    assert [v.path for v in refused.value.violations] == ["$.dataVersion"]
    with pytest.raises(InvalidDocument):
        await rig.service.accept(actor=ST1, payload="an event")
    assert rig.db.rows == {}


async def test_the_same_event_is_a_duplicate_and_a_different_one_under_its_id_a_conflict(
    rig: Rig,
) -> None:
    sent = event()
    await rig.service.accept(actor=ST1, payload=[sent])
    rig.jobs.calls.clear()
    [again] = await rig.service.accept(actor=ST1, payload=[sent])
    assert again.verdict is Verdict.DUPLICATE
    assert rig.jobs.calls == []  # nothing new to deliver
    fresh = event()
    with pytest.raises(DocumentConflict) as conflict:
        await rig.service.accept(actor=ST1, payload=[fresh, sent | {"action": "LoggedOut"}])
    assert [v.path for v in conflict.value.violations] == ["$[1].id"]
    assert fresh["id"] not in rig.db.rows  # the request stored nothing


async def test_validate_stores_nothing_and_kicks_nothing(rig: Rig) -> None:
    sent = event()
    [verdict] = await rig.service.validate(actor=ST1, payload=[sent])
    assert verdict.verdict is Verdict.ACCEPTED
    assert rig.db.rows == {}
    assert rig.jobs.calls == []


async def test_learners_teachers_and_guardians_send_only_as_themselves(rig: Rig) -> None:
    for caller, other in ((ST1, "st2"), (T1, "st1"), (G1, "st1")):
        naming = event(actor={"id": USERS + other, "type": "Person"})
        with pytest.raises(DocumentForbidden) as forbidden:
            await rig.service.accept(actor=caller, payload=[event(), naming])
        assert [(v.path, v.rule) for v in forbidden.value.violations] == [
            ("$[1].actor", "own-actor")
        ]
    with pytest.raises(DocumentForbidden):
        await rig.service.accept(actor=ST1, payload=[event(actor="https://elsewhere.example/x")])
    assert rig.db.rows == {}


async def test_staff_send_for_people_in_their_orgs_and_admins_for_anyone(rig: Rig) -> None:
    in_org = event(actor={"id": USERS + "st1", "type": "Person"})
    assert (await rig.service.accept(actor=A1, payload=[in_org]))[0].verdict is Verdict.ACCEPTED
    elsewhere = event(actor={"id": USERS + "st4", "type": "Person"})
    with pytest.raises(DocumentForbidden):
        await rig.service.accept(actor=A1, payload=[elsewhere])
    app = event(actor={"id": "https://app.example/robot", "type": "SoftwareApplication"})
    verdicts = await rig.service.accept(actor=ADMIN, payload=[elsewhere, app])
    assert [v.verdict for v in verdicts] == [Verdict.ACCEPTED, Verdict.ACCEPTED]
    assert rig.db.rows[app["id"]].person_sourced_id is None


async def test_an_actor_who_is_no_roster_person_is_refused_by_name(rig: Rig) -> None:
    ghost = event(actor={"id": USERS + "nobody", "type": "Person"})
    with pytest.raises(InvalidDocument) as refused:
        await rig.service.accept(actor=ADMIN, payload=[ghost])
    assert [(v.path, v.rule) for v in refused.value.violations] == [("$[0].actor", "known-person")]


async def test_a_read_only_token_sends_nothing(rig: Rig) -> None:
    reader = actor("st1", Role.STUDENT, can_write=False)
    with pytest.raises(PermissionDenied):
        await rig.service.accept(actor=reader, payload=[event()])


async def test_reads_follow_the_policy(rig: Rig) -> None:
    of_st1, of_st4 = event(), event()
    await rig.service.accept(actor=ST1, payload=[of_st1])
    await rig.service.accept(actor=ST4, payload=[of_st4])
    for reader, sees in ((T1, True), (G1, True), (A1, True), (T3, False), (ST4, False)):
        if sees:
            assert (await rig.service.get(actor=reader, event_id=of_st1["id"])).id == of_st1["id"]
        else:
            with pytest.raises(NotFound):
                await rig.service.get(actor=reader, event_id=of_st1["id"])
    assert (await rig.service.get(actor=ADMIN, event_id=of_st4["id"])).person_sourced_id == "st4"
    items, total = await rig.service.list(actor=ADMIN, query=EventFilter(actor="st4"))
    assert (total, [e.id for e in items]) == (1, [of_st4["id"]])
