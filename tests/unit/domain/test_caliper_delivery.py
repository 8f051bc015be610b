"""Delivery of outbox events to TimeBack against in-memory fakes: batches, job follow, back-off,
refusals and sends of unknown outcome, each event stored upstream exactly once."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import cast

from domain.errors import UpstreamUnavailable
from domain.models.caliper_events import DeliveryState, OutboxEvent
from domain.ports import UnitOfWork
from domain.services.caliper_delivery import DELIVER_JOB, CaliperDeliveryService, DeliveryConfig
from tests.fakes.caliper import (
    LOST_REPLY,
    FakeCaliper,
    FakeEventsUnitOfWork,
    OutboxDb,
    rate_limited,
)
from tests.unit.domain.test_scheduling import FakeClock, FakeJobQueue

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
CONFIG = DeliveryConfig(
    sensor="https://bff.example/sensor",
    batch=100,
    lease=timedelta(minutes=2),
    settle=timedelta(seconds=60),
    job_wait=timedelta(seconds=5),
    job_poll=timedelta(seconds=1),
    backoff_base=timedelta(seconds=2),
    backoff_max=timedelta(minutes=5),
)


def event(n: int) -> OutboxEvent:
    eid = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
    return OutboxEvent(
        id=eid,
        event={"id": eid, "type": "SessionEvent", "action": "LoggedIn"},
        fingerprint=f"{n:064d}",
        actor_id="https://timeback.sim/ims/oneroster/rostering/v1p2/users/s-1",
        person_sourced_id="s-1",
        type="SessionEvent",
        action="LoggedIn",
        event_time=T0,
        account_id="a-1",
        accepted_at=T0 + timedelta(microseconds=n),
        next_attempt_at=T0,
    )


class Rig:
    def __init__(self, n: int, caliper: FakeCaliper | None = None, **config: object) -> None:
        self.db = OutboxDb(rows={e.id: e for e in (event(i) for i in range(n))})
        self.clock = FakeClock(T0)
        self.caliper = caliper or FakeCaliper()
        self.jobs = FakeJobQueue()
        self.slept: list[float] = []

        async def sleep(seconds: float) -> None:
            self.slept.append(seconds)
            self.clock.advance(timedelta(seconds=seconds))

        self.service = CaliperDeliveryService(
            uow=lambda: cast(UnitOfWork, FakeEventsUnitOfWork(self.db)),
            sink=self.caliper,
            lookup=self.caliper,
            jobs=self.jobs,
            clock=self.clock,
            config=DeliveryConfig(**{**CONFIG.__dict__, **config}) if config else CONFIG,
            sleep=sleep,
            jitter=lambda: 1.0,
        )

    def states(self) -> dict[DeliveryState, int]:
        counts: dict[DeliveryState, int] = {}
        for e in self.db.rows.values():
            counts[e.state] = counts.get(e.state, 0) + 1
        return counts

    async def drain(self) -> None:
        await self.service.run_job({"lane": 0})


async def test_events_go_in_batches_and_each_gets_its_job_and_allocated_id() -> None:
    rig = Rig(250)
    await rig.drain()
    assert [len(e.data) for e in rig.caliper.envelopes] == [100, 100, 50]
    assert rig.states() == {DeliveryState.DELIVERED: 250}
    assert set(rig.caliper.stored_count.values()) == {1}
    first = rig.db.rows[event(0).id]
    assert first.job_id == "job-1"
    assert first.allocated_id == "1"
    assert first.delivered_at == T0
    assert rig.caliper.envelopes[0].sensor == CONFIG.sensor


async def test_a_running_job_is_followed_until_it_completes() -> None:
    rig = Rig(3, FakeCaliper(polls_to_complete=2))
    assert await rig.service.deliver_round()
    assert rig.slept == [1.0, 1.0]
    assert rig.states() == {DeliveryState.DELIVERED: 3}


async def test_a_job_still_running_after_the_wait_is_followed_by_a_later_round() -> None:
    rig = Rig(2, FakeCaliper(polls_to_complete=100))
    await rig.service.deliver_round()
    row = rig.db.rows[event(0).id]
    assert (row.state, row.job_id) == (DeliveryState.SENDING, "job-1")
    rig.caliper.polls_to_complete = 0
    rig.clock.advance(timedelta(seconds=2))
    await rig.service.deliver_round()
    assert rig.states() == {DeliveryState.DELIVERED: 2}
    assert len(rig.caliper.envelopes) == 1  # followed, not sent again


async def test_a_429_puts_the_events_back_until_retry_after_and_pauses_delivery() -> None:
    rig = Rig(5, FakeCaliper(faults=[rate_limited(30)]))
    await rig.service.deliver_round()
    row = rig.db.rows[event(0).id]
    assert row.state is DeliveryState.PENDING
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.next_attempt_at is not None
    assert row.next_attempt_at >= T0 + timedelta(seconds=30)
    rig.clock.advance(timedelta(seconds=29))
    assert not await rig.service.deliver_round()  # paused, and nothing due either
    rig.clock.advance(timedelta(seconds=2))
    await rig.drain()
    assert rig.states() == {DeliveryState.DELIVERED: 5}
    assert set(rig.caliper.stored_count.values()) == {1}


async def test_refused_events_fail_with_timebacks_reason_and_the_others_are_delivered() -> None:
    bad = event(1).id
    rig = Rig(3, FakeCaliper(refuse={bad: "actor.type: unknown"}))
    await rig.drain()
    assert rig.db.rows[bad].state is DeliveryState.FAILED
    assert rig.db.rows[bad].failure_reason == "actor.type: unknown"
    assert rig.states() == {DeliveryState.DELIVERED: 2, DeliveryState.FAILED: 1}
    assert rig.caliper.stored_count[bad] == 0


async def test_an_envelope_refused_without_reasons_is_sent_one_event_at_a_time() -> None:
    bad = event(2).id
    rig = Rig(4, FakeCaliper(refuse={bad: "bad"}, refuse_silently=True))
    await rig.drain()
    assert rig.states() == {DeliveryState.DELIVERED: 3, DeliveryState.FAILED: 1}
    assert rig.db.rows[bad].failure_reason == "The envelope is invalid"
    assert [len(e.data) for e in rig.caliper.envelopes] == [1, 1, 1]


async def test_a_lost_reply_is_settled_by_asking_timeback_not_by_sending_again() -> None:
    rig = Rig(3, FakeCaliper(faults=[LOST_REPLY]))
    await rig.service.deliver_round()
    assert rig.states() == {DeliveryState.IN_DOUBT: 3}
    rig.clock.advance(timedelta(seconds=30))
    assert not await rig.service.deliver_round()  # not asked before the settle time
    assert rig.caliper.lookups == []
    rig.clock.advance(timedelta(seconds=31))
    await rig.drain()
    assert rig.states() == {DeliveryState.DELIVERED: 3}
    assert sorted(rig.caliper.lookups) == sorted(e.id for e in rig.db.rows.values())
    assert set(rig.caliper.stored_count.values()) == {1}
    assert len(rig.caliper.envelopes) == 1


async def test_a_timeout_that_stored_nothing_is_sent_again_after_timeback_says_so() -> None:
    rig = Rig(2, FakeCaliper(faults=[UpstreamUnavailable("timed out", upstream="caliper")]))
    await rig.service.deliver_round()
    assert rig.states() == {DeliveryState.IN_DOUBT: 2}
    rig.clock.advance(timedelta(seconds=61))
    await rig.drain()
    assert rig.states() == {DeliveryState.DELIVERED: 2}
    assert dict(rig.caliper.stored_count) == {event(0).id: 1, event(1).id: 1}


async def test_a_worker_killed_after_sending_leaves_events_that_are_looked_up_not_resent() -> None:
    rig = Rig(2)
    dead = CaliperDeliveryService(
        uow=lambda: cast(UnitOfWork, FakeEventsUnitOfWork(rig.db)),
        sink=rig.caliper,
        lookup=rig.caliper,
        jobs=rig.jobs,
        clock=rig.clock,
        config=CONFIG,
    )

    class Killed(BaseException):
        pass

    async def send_then_die(envelope: object) -> str:
        await FakeCaliper.send(rig.caliper, envelope)  # type: ignore[arg-type]
        raise Killed

    dead._sink = type("Dying", (), {"send": staticmethod(send_then_die)})()
    with contextlib.suppress(Killed):
        await dead.deliver_round()
    assert rig.states() == {DeliveryState.SENDING: 2}
    rig.clock.advance(timedelta(minutes=1))
    assert not await rig.service.deliver_round()  # the dead worker's lease still holds them
    rig.clock.advance(timedelta(minutes=1, seconds=1))
    await rig.drain()
    assert rig.states() == {DeliveryState.DELIVERED: 2}
    assert set(rig.caliper.stored_count.values()) == {1}
    assert len(rig.caliper.lookups) == 2


async def test_a_failed_job_fails_its_events_with_the_reason() -> None:
    rig = Rig(2)

    async def failed_job(job_id: str) -> object:
        from domain.ports.caliper import CaliperJob, JobState

        return CaliperJob(job_id=job_id, state=JobState.FAILED, reason="bad batch")

    rig.caliper.job = failed_job  # type: ignore[method-assign,assignment]
    await rig.drain()
    assert rig.states() == {DeliveryState.FAILED: 2}
    assert "bad batch" in (rig.db.rows[event(0).id].failure_reason or "")


async def test_reconcile_wakes_every_lane_only_when_something_is_due() -> None:
    rig = Rig(1)
    assert await rig.service.reconcile() == "caliper events due"
    assert {j.job for j in rig.jobs.waiting} == {DELIVER_JOB}
    assert len(rig.jobs.waiting) == CONFIG.lanes
    await rig.drain()
    rig.jobs.waiting.clear()
    assert await rig.service.reconcile() == "no caliper events due"
    assert rig.jobs.waiting == []
