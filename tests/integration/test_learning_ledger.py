"""The completion ledger on SQLite and PostgreSQL: an intent and its record share one row, a
recorded completion is never replaced, claims are exclusive and leased, a write naming a lost
claim changes nothing, and answers under an Idempotency-Key are stored once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.uow import SqlUnitOfWork
from domain.models.learning import Completion, Metrics, ResultState, Source, StoredAnswer

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[SessionFactory]:
    engine = make_engine(db_url, pool_size=5)
    yield make_session_factory(engine)
    await engine.dispose()


def intent(n: int = 1, **changes: object) -> Completion:
    made = Completion(
        id=f"00000000-0000-4000-8000-{n:012d}",
        learner="s-1",
        lesson="l-1",
        attempt=n,
        source=Source.POWERPATH,
        account_id="acc-1",
        idempotency_key=f"key-{n}",
        fingerprint="f" * 64,
        state=ResultState.FINALIZING,
        next_attempt_at=T0 + LEASE,
        created_at=T0,
        updated_at=T0,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def recorded(c: Completion) -> Completion:
    return replace(
        c,
        state=ResultState.PENDING,
        metrics=Metrics(score=80.0, correct_questions=4, total_questions=5, xp=30.0),
        result_id="r-1",
        result={"lineItem": {"sourcedId": "li"}, "result": {"sourcedId": "r-1"}},
        event_ids=("urn:uuid:e-1",),
        answer={"completion_id": c.id},
        idempotency_key=None,
    )


async def test_an_intent_becomes_its_record_once(sessions: SessionFactory) -> None:
    first = intent()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.learning.begin(first, token="t1") is None
        assert (await uow.learning.begin(first, token="t2")) is not None
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.learning.record(recorded(first), token="t2") is None
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        held = await uow.learning.record(
            replace(recorded(first), metrics=Metrics(score=1.0)), token="t3"
        )
        await uow.commit()
    assert held is not None
    assert held.metrics.score == 80.0  # the first record stands
    assert held.idempotency_key == "key-1"  # the intent's key is kept by a keyless record
    async with SqlUnitOfWork(sessions) as uow:
        assert (await uow.learning.by_key("acc-1", "key-1")) == held
        assert [c.id for c in await uow.learning.for_lesson("s-1", "l-1")] == [first.id]


async def test_claims_are_exclusive_and_a_lost_claim_changes_nothing(
    sessions: SessionFactory,
) -> None:
    rows = [recorded(intent(n, next_attempt_at=T0)) for n in range(1, 5)]
    async with SqlUnitOfWork(sessions) as uow:
        for row in rows:
            assert await uow.learning.record(row, token="request") is None
        await uow.commit()

    async def claim(token: str) -> set[str]:
        async with SqlUnitOfWork(sessions) as uow:
            got = await uow.learning.claim(
                token=token, now=T0 + LEASE, lease_until=T0 + 2 * LEASE, limit=10
            )
            await uow.commit()
        return {c.id for c in got}

    a, b = await asyncio.gather(claim("a"), claim("b"))
    assert a.isdisjoint(b)
    assert a | b == {r.id for r in rows}
    assert await claim("c") == set()  # leased until T0 + 2 x LEASE
    mine = next(iter(a or b))
    other_token = "b" if a else "a"
    async with SqlUnitOfWork(sessions) as uow:
        lost = await uow.learning.settle(
            mine, token=other_token, state=ResultState.DELIVERED, error=None,
            next_attempt_at=None, now=T0,
        )  # fmt: skip
        won = await uow.learning.settle(
            mine, token="a" if a else "b", state=ResultState.DELIVERED, error=None,
            next_attempt_at=None, now=T0,
        )  # fmt: skip
        await uow.commit()
    assert (lost, won) == (False, True)
    async with SqlUnitOfWork(sessions) as uow:
        done = await uow.learning.get(mine)
        late = await uow.learning.claim(
            token="d", now=T0 + 3 * LEASE, lease_until=T0 + 4 * LEASE, limit=10
        )
    assert done is not None
    assert (done.state, done.attempts) == (ResultState.DELIVERED, 1)
    assert mine not in {c.id for c in late}  # delivered is final


async def test_an_intent_powerpath_never_finalized_is_forgotten(sessions: SessionFactory) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        await uow.learning.begin(intent(7), token="t")
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert not await uow.learning.forget(intent(7).id, token="someone else")
        assert await uow.learning.forget(intent(7).id, token="t")
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.learning.get(intent(7).id) is None


async def test_an_answer_is_stored_once_under_its_key(sessions: SessionFactory) -> None:
    first = StoredAnswer(
        account_id="acc-1", key="k", fingerprint="a" * 64, answer={"correct": True}, created_at=T0
    )
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.learning.store_answer(first) is None
        taken = await uow.learning.store_answer(replace(first, answer={"correct": False}))
        await uow.commit()
    assert taken is not None
    assert taken.answer == {"correct": True}
