"""The SQL time-log repository on SQLite and PostgreSQL: round trips, queries, the state a user edit
gets against the row as it is now, claims, and push outcomes written against the version."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.tables import AccountRow
from adapters.db.uow import SqlUnitOfWork
from domain.errors import Conflict
from domain.models.timesheets import ProjectRef, SyncState, TimeLog
from domain.ports.time_logs import LogOwner, PushOutcome, TimeLogQuery

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
P1 = ProjectRef(integration_id="int-a", project_id="170876000004061003")
P2 = ProjectRef(integration_id="int-b", project_id="p-2")


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[SessionFactory]:
    engine: AsyncEngine = make_engine(db_url, pool_size=5)
    factory = make_session_factory(engine)
    async with factory() as session:
        for account, person in (("alice", "p-alice"), ("bob", None)):
            session.add(
                AccountRow(
                    id=account,
                    email=f"{account}@example.org",
                    email_key=f"{account}@example.org",
                    display_name=account,
                    role="student",
                    person_sourced_id=person,
                    created_at=T0,
                )
            )
        await session.commit()
    yield factory
    await engine.dispose()


def a_log(log_id: str, *, hours_ago: int = 2, **changes: object) -> TimeLog:
    log = TimeLog(
        id=log_id,
        account_id="alice",
        project=P1,
        task="Review",
        start=T0 - timedelta(hours=hours_ago),
        end=T0 - timedelta(hours=hours_ago - 1),
        sync_state=SyncState.PENDING,
        next_attempt_at=T0,
        created_at=T0,
        updated_at=T0,
    )
    return replace(log, **changes)  # type: ignore[arg-type]


async def put(sessions: SessionFactory, *logs: TimeLog) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        for log in logs:
            await uow.time_logs.add(log)
        await uow.commit()


async def get(sessions: SessionFactory, log_id: str) -> TimeLog | None:
    async with SqlUnitOfWork(sessions) as uow:
        return await uow.time_logs.get(log_id)


async def test_every_field_round_trips(sessions: SessionFactory) -> None:
    log = a_log(
        "l1",
        billable=False,
        notes="=SUM(A1)\nline two",
        upstream_id="9007199254740993",
        synced_project=P2,
        synced_version=1,
        create_in_flight=True,
        attempts=3,
        last_error="boom",
        idempotency_key="k-1",
        idempotency_fingerprint="f" * 64,
    )
    await put(sessions, log)
    assert await get(sessions, "l1") == log


async def test_a_reused_idempotency_key_is_a_conflict_and_the_transaction_survives(
    sessions: SessionFactory,
) -> None:
    await put(sessions, a_log("l1", idempotency_key="k"))
    async with SqlUnitOfWork(sessions) as uow:
        with pytest.raises(Conflict):
            await uow.time_logs.add(a_log("l2", hours_ago=5, idempotency_key="k"))
        await uow.time_logs.add(a_log("l3", hours_ago=8, idempotency_key="other"))
        await uow.commit()
        found = await uow.time_logs.by_idempotency_key("alice", "k")
        assert found is not None
        assert found.id == "l1"
        assert await uow.time_logs.by_idempotency_key("bob", "k") is None
    assert await get(sessions, "l3") is not None
    # another account may use the same key
    await put(sessions, a_log("l4", account_id="bob", idempotency_key="k"))


async def test_list_filters_pages_and_counts(sessions: SessionFactory) -> None:
    await put(
        sessions,
        *(a_log(f"a{i}", hours_ago=2 * i + 2) for i in range(5)),
        a_log("b0", account_id="bob", sync_state=SyncState.SYNCED),
    )
    async with SqlUnitOfWork(sessions) as uow:
        logs, total = await uow.time_logs.list(TimeLogQuery())
        assert total == 6
        assert [log.start for log in logs] == sorted(log.start for log in logs)
        mine, total = await uow.time_logs.list(
            TimeLogQuery(account_ids=frozenset({"alice"}), limit=2, offset=1)
        )
        assert total == 5
        assert [log.id for log in mine] == ["a3", "a2"]
        window, _ = await uow.time_logs.list(
            TimeLogQuery(since=T0 - timedelta(hours=6), until=T0 - timedelta(hours=2))
        )
        assert {log.id for log in window} == {"a1", "a2"}
        synced, total = await uow.time_logs.list(
            TimeLogQuery(states=frozenset({SyncState.SYNCED}), limit=None)
        )
        assert [log.id for log in synced] == ["b0"]
        assert total == 1
        owners = sorted(await uow.time_logs.owners(), key=lambda o: o.account_id)
        assert owners == [
            LogOwner(account_id="alice", person_sourced_id="p-alice"),
            LogOwner(account_id="bob", person_sourced_id=None),
        ]


async def test_overlaps_and_the_running_log(sessions: SessionFactory) -> None:
    await put(
        sessions,
        a_log("done", hours_ago=3),  # T0-3h .. T0-2h
        a_log("timer", start=T0 - timedelta(minutes=30), end=None, sync_state=SyncState.LOCAL),
        a_log("gone", hours_ago=6, sync_state=SyncState.DELETING),
    )
    async with SqlUnitOfWork(sessions) as uow:
        repo = uow.time_logs

        async def clash(start: datetime, end: datetime | None, exclude: str | None = None) -> str:
            found = await repo.overlapping("alice", start=start, end=end, exclude=exclude)
            return found.id if found else ""

        assert await clash(T0 - timedelta(hours=2), T0 - timedelta(hours=1)) == ""  # touching
        assert await clash(T0 - timedelta(hours=150, minutes=1), T0 - timedelta(hours=2)) == "done"
        assert await clash(T0 - timedelta(hours=3), T0 - timedelta(hours=2), "done") == ""
        assert await clash(T0 + timedelta(hours=5), T0 + timedelta(hours=6)) == "timer"
        assert await clash(T0 - timedelta(hours=6), T0 - timedelta(hours=5)) == ""  # deleting
        assert await clash(T0 - timedelta(hours=1), None, "timer") == ""
        assert await repo.overlapping("bob", start=T0, end=None, exclude=None) is None
        running = await repo.running("alice")
        assert running is not None
        assert running.id == "timer"
        assert await repo.running("bob") is None


async def test_the_database_refuses_a_second_running_timer_even_past_the_service(
    sessions: SessionFactory,
) -> None:
    def timer(log_id: str) -> TimeLog:
        return a_log(log_id, start=T0, end=None, sync_state=SyncState.LOCAL)

    await put(sessions, timer("first"), a_log("done", hours_ago=3))
    async with SqlUnitOfWork(sessions) as uow:
        with pytest.raises(Conflict, match="already running"):
            await uow.time_logs.add(timer("second"))
        await uow.time_logs.add(a_log("other-person", account_id="bob", end=None))
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        done = await uow.time_logs.get("done")
        assert done is not None
        with pytest.raises(Conflict, match="already running"):
            await uow.time_logs.save_edit(replace(done, end=None), now=T0)
    assert await get(sessions, "second") is None
    running = await get(sessions, "other-person")
    assert running is not None
    assert running.end is None


async def test_a_user_edit_decides_the_state_against_the_row_as_it_is_now(
    sessions: SessionFactory,
) -> None:
    await put(
        sessions,
        a_log("plain", sync_state=SyncState.LOCAL, task=None),
        a_log("copied", hours_ago=4, sync_state=SyncState.SYNCED, upstream_id="u1"),
        a_log("inflight", hours_ago=6, create_in_flight=True, synced_project=P1),
        a_log("leased", hours_ago=8, next_attempt_at=T0 + timedelta(minutes=2)),
        a_log("deleting", hours_ago=10, sync_state=SyncState.DELETING, upstream_id="u2"),
    )
    async with SqlUnitOfWork(sessions) as uow:
        repo = uow.time_logs
        now = T0 + timedelta(seconds=5)
        plain = await get(sessions, "plain")
        assert plain is not None
        assert await repo.save_edit(replace(plain, task="Now complete"), now=now)
        for name in ("copied", "inflight"):
            log = await get(sessions, name)
            assert log is not None
            assert await repo.save_edit(replace(log, task=None), now=now)
        leased = await get(sessions, "leased")
        assert leased is not None
        assert await repo.save_edit(replace(leased, notes="x"), now=now)
        deleting = await get(sessions, "deleting")
        assert deleting is not None
        assert not await repo.save_edit(replace(deleting, notes="x"), now=now)
        await uow.commit()
    states = {n: await get(sessions, n) for n in ("plain", "copied", "inflight", "leased")}
    assert {n: log.sync_state for n, log in states.items() if log} == {
        "plain": SyncState.PENDING,
        "copied": SyncState.PENDING,  # incomplete, but its upstream copy must be removed
        "inflight": SyncState.PENDING,
        "leased": SyncState.PENDING,
    }
    assert all(log and log.version == 2 for log in states.values())
    leased_now = states["leased"]
    assert leased_now is not None
    assert leased_now.next_attempt_at == T0 + timedelta(minutes=2)  # a push's lease holds


async def test_delete_unsynced_and_mark_deleting(sessions: SessionFactory) -> None:
    await put(
        sessions,
        a_log("local", sync_state=SyncState.LOCAL),
        a_log("synced", hours_ago=4, upstream_id="u1", sync_state=SyncState.SYNCED),
        a_log("inflight", hours_ago=6, create_in_flight=True),
    )
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.time_logs.delete_unsynced("local")
        assert not await uow.time_logs.delete_unsynced("synced")
        assert not await uow.time_logs.delete_unsynced("inflight")
        assert await uow.time_logs.mark_deleting("synced", now=T0)
        await uow.commit()
    assert await get(sessions, "local") is None
    synced = await get(sessions, "synced")
    assert synced is not None
    assert synced.sync_state is SyncState.DELETING
    assert synced.version == 2


async def test_due_and_claims_let_one_worker_in(sessions: SessionFactory) -> None:
    await put(
        sessions,
        a_log("due"),
        a_log("later", hours_ago=4, next_attempt_at=T0 + timedelta(hours=1)),
        a_log("synced", hours_ago=6, sync_state=SyncState.SYNCED, next_attempt_at=None),
        a_log("local", hours_ago=8, sync_state=SyncState.LOCAL, next_attempt_at=None),
        a_log("unset", hours_ago=10, next_attempt_at=None),
    )
    async with SqlUnitOfWork(sessions) as uow:
        assert sorted(await uow.time_logs.due(T0, limit=10)) == ["due", "unset"]
        assert len(await uow.time_logs.due(T0, limit=1)) == 1

    async def claim() -> bool:
        async with SqlUnitOfWork(sessions) as uow:
            got = await uow.time_logs.claim("due", now=T0, lease_until=T0 + timedelta(minutes=2))
            await uow.commit()
            return got is not None

    assert sorted(await asyncio.gather(*(claim() for _ in range(6)))) == [False] * 5 + [True]
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.time_logs.claim("later", now=T0, lease_until=T0) is None
        assert await uow.time_logs.claim("synced", now=T0, lease_until=T0) is None
        assert await uow.time_logs.due(T0, limit=10) == ["unset"]


async def test_a_push_outcome_is_written_only_for_the_version_it_pushed(
    sessions: SessionFactory,
) -> None:
    await put(sessions, a_log("l1"), a_log("l2", hours_ago=4, task=None))
    later = T0 + timedelta(seconds=30)

    def outcome(version: int) -> PushOutcome:
        return PushOutcome(
            version=version,
            upstream_id="u9",
            synced_project=P1,
            synced_version=version,
            create_in_flight=False,
            state=SyncState.SYNCED,
            last_error=None,
            attempts=0,
            next_attempt_at=None,
            now=later,
        )

    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.time_logs.mark_create_in_flight("l1", project=P1)
        assert not await uow.time_logs.mark_create_in_flight("missing", project=P1)
        await uow.time_logs.record_push("l1", outcome(1))
        # l2 was made local by its user (version 2) while a push of version 1 created a copy
        l2 = await uow.time_logs.get("l2")
        assert l2 is not None
        await uow.time_logs.save_edit(l2, now=T0)
        await uow.time_logs.record_push("l2", outcome(1))
        await uow.commit()
    l1 = await get(sessions, "l1")
    assert l1 is not None
    assert (l1.sync_state, l1.upstream_id, l1.synced_version) == (SyncState.SYNCED, "u9", 1)
    assert l1.next_attempt_at is None
    l2_now = await get(sessions, "l2")
    assert l2_now is not None
    assert l2_now.sync_state is SyncState.PENDING  # the stranded copy will be removed
    assert l2_now.upstream_id == "u9"
    assert l2_now.next_attempt_at == later


async def test_wake_makes_an_integrations_waiting_logs_due(sessions: SessionFactory) -> None:
    waiting = T0 + timedelta(minutes=15)
    await put(
        sessions,
        a_log("a", sync_state=SyncState.FAILED_RETRYABLE, next_attempt_at=waiting),
        a_log(
            "moved",
            hours_ago=4,
            project=P2,
            synced_project=P1,
            sync_state=SyncState.FAILED_RETRYABLE,
            next_attempt_at=waiting,
        ),
        a_log(
            "other",
            hours_ago=6,
            project=P2,
            sync_state=SyncState.FAILED_RETRYABLE,
            next_attempt_at=waiting,
        ),
    )
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.time_logs.wake("int-a", now=T0) == 2
        await uow.commit()
        assert sorted(await uow.time_logs.due(T0, limit=10)) == ["a", "moved"]
