"""The SQL Caliper event outbox on SQLite and PostgreSQL: an accept stores once and finds the
taken id, lists narrow by scope and filters, claims are exclusive and leased, every delivery write
names its claim, and what is final stays final."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.uow import SqlUnitOfWork
from domain.models.caliper_events import DeliveryState, OutboxEvent
from domain.ports.caliper_outbox import EventQuery
from domain.scope import Ids, Scope

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
LEASE = T0 + timedelta(minutes=2)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[SessionFactory]:
    engine: AsyncEngine = make_engine(db_url, pool_size=5)
    yield make_session_factory(engine)
    await engine.dispose()


def an_event(n: int, *, person: str | None = "s-1", **changes: object) -> OutboxEvent:
    eid = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
    event = OutboxEvent(
        id=eid,
        event={"id": eid, "type": "SessionEvent", "action": "LoggedIn", "n": n},
        fingerprint=f"{n:064d}",
        actor_id=f"https://timeback.example/users/{person}",
        person_sourced_id=person,
        type="SessionEvent",
        action="LoggedIn",
        event_time=T0 + timedelta(minutes=n),
        account_id="acc-1",
        accepted_at=T0 + timedelta(microseconds=n),
        next_attempt_at=T0,
    )
    return replace(event, **changes)  # type: ignore[arg-type]


async def store(sessions: SessionFactory, *events: OutboxEvent) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        for e in events:
            assert await uow.caliper_events.add(e) is None
        await uow.commit()


async def test_an_event_is_stored_once_and_a_taken_id_answers_the_stored_event(
    sessions: SessionFactory,
) -> None:
    first = an_event(1)
    await store(sessions, first)
    async with SqlUnitOfWork(sessions) as uow:
        taken = await uow.caliper_events.add(replace(first, fingerprint="f" * 64))
        assert taken is not None
        assert taken.fingerprint == first.fingerprint
        # the transaction is still usable after the skipped insert
        assert await uow.caliper_events.add(an_event(2)) is None
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        got = await uow.caliper_events.get(first.id)
        many = await uow.caliper_events.get_many([first.id, an_event(2).id, "urn:uuid:none"])
    assert got is not None
    assert got.event == first.event
    assert (got.state, got.event_time, got.person_sourced_id) == (
        DeliveryState.PENDING,
        first.event_time,
        "s-1",
    )
    assert {e.id for e in many} == {first.id, an_event(2).id}


async def test_an_accept_left_uncommitted_stores_nothing(sessions: SessionFactory) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.caliper_events.add(an_event(1)) is None
        assert await uow.caliper_events.add(an_event(2)) is None
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.caliper_events.get(an_event(1).id) is None


async def test_lists_filter_narrow_by_scope_and_count(sessions: SessionFactory) -> None:
    await store(
        sessions,
        an_event(1),
        an_event(2, person="s-2", action="LoggedOut"),
        an_event(3, person=None, type="ActivityEvent"),
        an_event(4),
    )
    async with SqlUnitOfWork(sessions) as uow:
        events = uow.caliper_events
        everything, total = await events.list(EventQuery(limit=2))
        assert total == 4
        assert [e.id for e in everything] == [an_event(1).id, an_event(2).id]
        mine, total = await events.list(EventQuery(scope=Scope(people=(Ids.of("s-1"),))))
        assert (total, [e.id for e in mine]) == (2, [an_event(1).id, an_event(4).id])
        none, total = await events.list(EventQuery(scope=Scope()))
        assert (list(none), total) == ([], 0)
        by_action, _ = await events.list(EventQuery(actions=frozenset({"LoggedOut"})))
        assert [e.id for e in by_action] == [an_event(2).id]
        by_type, _ = await events.list(EventQuery(types=frozenset({"ActivityEvent"})))
        assert [e.id for e in by_type] == [an_event(3).id]
        by_actor, _ = await events.list(EventQuery(actor="s-2"))
        by_iri, _ = await events.list(EventQuery(actor="https://timeback.example/users/s-2"))
        assert [e.id for e in by_actor] == [e.id for e in by_iri] == [an_event(2).id]
        window, _ = await events.list(
            EventQuery(since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=4))
        )
        assert [e.id for e in window] == [an_event(2).id, an_event(3).id]
        _, total = await events.list(EventQuery(states=frozenset({DeliveryState.PENDING})))
        assert total == 4


async def test_claims_are_exclusive_leased_and_taken_over_when_the_lease_ends(
    sessions: SessionFactory,
) -> None:
    await store(sessions, *(an_event(n) for n in range(6)))

    async def claim(token: str, now: datetime) -> list[str]:
        async with SqlUnitOfWork(sessions) as uow:
            got = await uow.caliper_events.claim(token=token, now=now, lease_until=LEASE, limit=4)
            await uow.commit()
        return [e.id for e in got]

    first, second = await asyncio.gather(claim("a" * 32, T0), claim("b" * 32, T0))
    assert len(first) + len(second) == 6
    assert not set(first) & set(second)
    assert await claim("c" * 32, T0 + timedelta(minutes=1)) == []
    async with SqlUnitOfWork(sessions) as uow:
        assert not await uow.caliper_events.has_due(T0 + timedelta(minutes=1))
        assert await uow.caliper_events.has_due(LEASE)
    taken = await claim("d" * 32, LEASE)
    assert len(taken) == 4


async def test_delivery_writes_name_their_claim_and_final_states_stay_final(
    sessions: SessionFactory,
) -> None:
    one, two, three = an_event(1), an_event(2), an_event(3)
    await store(sessions, one, two, three)
    token = "t" * 32
    async with SqlUnitOfWork(sessions) as uow:
        events = uow.caliper_events
        await events.claim(token=token, now=T0, lease_until=LEASE, limit=10)
        assert await events.mark_sent([one.id, two.id, three.id], token="x" * 32, now=T0) == 0
        assert await events.mark_sent([one.id, two.id, three.id], token=token, now=T0) == 3
        assert (
            await events.record_job([one.id, two.id], token=token, job_id="j-1", check_at=T0) == 2
        )
        assert await events.delivered({one.id: "101"}, token=token, now=T0) == 1
        assert await events.failed({two.id: "refused: actor"}, token=token, now=T0) == 1
        later = T0 + timedelta(seconds=30)
        assert (
            await events.retry(
                [three.id],
                token=token,
                state=DeliveryState.PENDING,
                next_attempt_at=later,
                error="429",
                count_attempt=True,
                forget_send=True,
                now=T0,
            )
            == 1
        )
        # a lookup settles without a claim, but never reopens or rewrites what is final
        assert await events.delivered({two.id: "999"}, token=None, now=T0) == 0
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        rows = {e.id: e for e in await uow.caliper_events.get_many([one.id, two.id, three.id])}
    assert (rows[one.id].state, rows[one.id].allocated_id, rows[one.id].job_id) == (
        DeliveryState.DELIVERED,
        "101",
        "j-1",
    )
    assert (rows[two.id].state, rows[two.id].failure_reason) == (
        DeliveryState.FAILED,
        "refused: actor",
    )
    third = rows[three.id]
    assert (third.state, third.sent_at, third.attempts, third.last_error) == (
        DeliveryState.PENDING,
        None,
        1,
        "429",
    )
    assert third.next_attempt_at == T0 + timedelta(seconds=30)
