"""Delivery against the Caliper simulator, over the real adapter and outbox (SQLite and
PostgreSQL, no background jobs: each test runs the rounds itself): batches, the ingestion job
followed to completion, Retry-After honoured, refusals failed with TimeBack's reason, and sends
of unknown outcome settled by asking TimeBack, each event stored exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from adapters.caliper.settings import CaliperSettings
from api.composition import Container
from api.composition.lifecycle import running
from api.settings import EventSettings
from domain.models.caliper_events import DeliveryState, OutboxEvent, canonical_json
from simulators.caliper import CaliperSimulator
from simulators.sandbox import SandboxSimulators
from tests.conftest import make_settings

SEND = "/caliper/event"
CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p2"


@dataclass
class Rig:
    container: Container
    sim: CaliperSimulator

    async def accept(self, *events: dict[str, Any]) -> list[str]:
        now = datetime.now(UTC)
        async with self.container.uow() as uow:
            for e in events:
                await uow.caliper_events.add(
                    OutboxEvent(
                        id=e["id"],
                        event=e,
                        fingerprint=canonical_json(e)[:64],
                        actor_id=e["actor"]["id"],
                        person_sourced_id=None,
                        type=e["type"],
                        action=e["action"],
                        event_time=now,
                        account_id="acc",
                        accepted_at=now,
                        next_attempt_at=now,
                    )
                )
            await uow.commit()
        return [e["id"] for e in events]

    async def rows(self, ids: list[str]) -> dict[str, OutboxEvent]:
        async with self.container.uow() as uow:
            return {e.id: e for e in await uow.caliper_events.get_many(ids)}

    async def deliver(self) -> None:
        await self.container.caliper_delivery().run_job({"lane": 0})


@pytest.fixture
async def rig(db_url: str) -> AsyncIterator[Rig]:
    settings = make_settings(
        db_url,
        events=EventSettings(
            batch_size=3,
            settle_seconds=0.5,
            job_poll_seconds=0.02,
            job_wait_seconds=5,
            backoff_base_seconds=0.05,
            backoff_max_seconds=0.1,
        ),
        caliper=CaliperSettings(timeout_seconds=1),
    )
    async with running(settings, run_jobs=False, seed_sandbox=False) as container:
        sims = cast(SandboxSimulators, container.simulators)
        yield Rig(container, sims.get("caliper", CaliperSimulator))


def event(**extra: Any) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": "SessionEvent",
        "profile": "GeneralProfile",
        "action": "LoggedIn",
        "eventTime": "2026-12-01T10:00:00.000Z",
        "actor": {"id": "https://app.example/users/1", "type": "Person"},
        "object": {"id": "https://app.example", "type": "SoftwareApplication"},
        "edApp": "https://app.example",
    } | extra


async def test_events_go_in_batches_and_each_job_is_followed_to_its_allocated_ids(
    rig: Rig,
) -> None:
    rig.sim.set_job_step(60)  # jobs finish only as they are polled: the round must follow them
    ids = await rig.accept(*(event() for _ in range(7)))
    await rig.deliver()
    rows = await rig.rows(ids)
    assert {r.state for r in rows.values()} == {DeliveryState.DELIVERED}
    assert len({r.job_id for r in rows.values()}) == 3  # 3 + 3 + 1
    counts = rig.sim.store_counts()
    assert [counts[i] for i in ids] == [1] * 7
    for event_id, row in rows.items():
        stored = rig.sim.state.event(event_id)
        assert stored is not None
        assert row.allocated_id == str(stored["id"])


async def test_a_429_puts_the_events_back_until_its_retry_after(rig: Rig) -> None:
    rig.sim.faults.fail_next(429, headers={"Retry-After": "120"}, path=SEND)
    ids = await rig.accept(event(), event())
    before = datetime.now(UTC)
    await rig.deliver()
    rows = await rig.rows(ids)
    for row in rows.values():
        assert (row.state, row.sent_at, row.attempts) == (DeliveryState.PENDING, None, 1)
        assert row.next_attempt_at is not None
        assert row.next_attempt_at >= before + timedelta(seconds=120)
    assert rig.sim.store_counts() == {}


async def test_an_event_timeback_refuses_fails_with_its_reason_and_the_rest_is_delivered(
    rig: Rig,
) -> None:
    bad = event()
    del bad["profile"]  # our validator takes Caliper's optional profile; TimeBack requires it
    good = event()
    ids = await rig.accept(good, bad)
    await rig.deliver()
    rows = await rig.rows(ids)
    assert rows[good["id"]].state is DeliveryState.DELIVERED
    failed = rows[bad["id"]]
    assert failed.state is DeliveryState.FAILED
    assert "profile" in (failed.failure_reason or "")
    assert rig.sim.store_counts() == {good["id"]: 1}


async def test_a_lost_reply_is_settled_by_asking_timeback_without_sending_again(
    rig: Rig,
) -> None:
    # TimeBack runs the orphaned job well within the settle time (D61's assumption)
    rig.sim.set_job_step(0.1)
    rig.sim.faults.set_chaos(1.0, kinds=("lost_reply",), path=SEND)
    ids = await rig.accept(event(), event())
    await rig.deliver()
    rig.sim.faults.set_chaos(None)
    rows = await rig.rows(ids)
    assert {r.state for r in rows.values()} == {DeliveryState.IN_DOUBT}
    jobs = len(rig.sim.state.jobs)
    await asyncio.sleep(0.6)  # the settle time
    await rig.deliver()
    rows = await rig.rows(ids)
    assert {r.state for r in rows.values()} == {DeliveryState.DELIVERED}
    assert len(rig.sim.state.jobs) == jobs  # nothing sent again
    assert [rig.sim.store_counts()[i] for i in ids] == [1, 1]


async def test_a_send_that_timed_out_storing_nothing_is_sent_again_once(rig: Rig) -> None:
    rig.sim.faults.timeout_next(path=SEND)
    ids = await rig.accept(event())
    await rig.deliver()
    assert (await rig.rows(ids))[ids[0]].state is DeliveryState.IN_DOUBT
    assert rig.sim.store_counts() == {}
    await asyncio.sleep(0.6)
    await rig.deliver()
    assert (await rig.rows(ids))[ids[0]].state is DeliveryState.DELIVERED
    assert rig.sim.store_counts() == {ids[0]: 1}


async def test_a_failed_ingestion_job_fails_its_events_with_timebacks_reason(rig: Rig) -> None:
    rig.sim.fail_next_jobs(reason="Database unavailable")
    ids = await rig.accept(event())
    await rig.deliver()
    row = (await rig.rows(ids))[ids[0]]
    assert row.state is DeliveryState.FAILED
    assert "Database unavailable" in (row.failure_reason or "")
