"""The time-log sync state machine over the real SQL unit of work (SQLite and PostgreSQL) and an
in-memory tracker with scripted faults: every transition, exactly-once creates across a worker that
dies after the upstream applied a create, racing workers, and edits made during a push."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.tables import AccountRow
from adapters.db.uow import SqlUnitOfWork
from domain.errors import InvalidInput
from domain.models.identity import Actor, Role
from domain.models.timesheets import (
    Integration,
    IntegrationStatus,
    ProjectRef,
    SyncState,
    TimeLog,
)
from domain.policy import Policy
from domain.ports import JobPayload, UnitOfWork
from domain.services.time_log_entries import Rounding, RoundingMode
from domain.services.time_log_sync import SyncConfig, TimeLogSyncService
from domain.services.time_logs import PUSH_JOB, LogInput, TimeLogRules, TimeLogService
from tests.fakes.roster import InMemoryRosterRelations
from tests.fakes.time_tracker import (
    FakeClock,
    FakeTimeTracker,
    FakeTrackerSessions,
    Fault,
    WorkerKilled,
    fake_plugin,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@dataclass
class RecordingJobs:
    enqueued: list[tuple[str, JobPayload, str | None]] = field(default_factory=list)

    async def enqueue(
        self, job: str, payload: JobPayload, *, dedupe_key: str | None = None
    ) -> None:
        self.enqueued.append((job, payload, dedupe_key))

    def pushes(self) -> list[str]:
        return [str(p["log_id"]) for job, p, _ in self.enqueued if job == PUSH_JOB]


@dataclass
class Harness:
    sessions: SessionFactory
    clock: FakeClock
    tracker: FakeTimeTracker
    trackers: FakeTrackerSessions
    jobs: RecordingJobs
    logs: TimeLogService
    sync: TimeLogSyncService
    actor: Actor

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.sessions)

    async def row(self, log_id: str) -> TimeLog | None:
        async with self.uow() as uow:
            return await uow.time_logs.get(log_id)

    async def state(self, log_id: str) -> SyncState | None:
        log = await self.row(log_id)
        return log.sync_state if log else None

    async def log(self, **changes: object) -> TimeLog:
        values: dict[str, object] = {
            "project": ProjectRef(integration_id="int-a", project_id="p-1"),
            "task": "Review",
            "start": self.clock.now() - timedelta(hours=2),
            "end": self.clock.now() - timedelta(hours=1),
        }
        values.update(changes)
        return await self.logs.create(actor=self.actor, data=LogInput(**values))  # type: ignore[arg-type]

    def later(self, delta: timedelta) -> None:
        self.clock.advance(delta)


async def add_integration(h: Harness, integration_id: str, *, time_zone: str = "UTC") -> None:
    async with h.uow() as uow:
        await uow.integrations.add(
            Integration(
                id=integration_id,
                account_id=h.actor.account_id,
                kind="fake",
                name=f"Fake {integration_id}",
                data_centre="com",
                workspace_id=f"ws-{integration_id}",
                time_zone=time_zone,
                sealed_refresh_token="sealed",
                status=IntegrationStatus.CONNECTED,
                created_at=T0,
                updated_at=T0,
            )
        )
        await uow.commit()
    h.trackers.add(integration_id, fake_plugin(h.tracker), time_zone=time_zone)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url, pool_size=5)
    yield engine
    await engine.dispose()


def build(
    engine: AsyncEngine, *, config: SyncConfig | None = None, rules: TimeLogRules | None = None
) -> Harness:
    sessions = make_session_factory(engine)
    clock = FakeClock(T0)
    tracker = FakeTimeTracker()
    trackers = FakeTrackerSessions()
    jobs = RecordingJobs()

    def uow() -> UnitOfWork:
        return SqlUnitOfWork(sessions)

    actor = Actor(account_id="acct-1", role=Role.STUDENT, person_sourced_id="person-1")
    return Harness(
        sessions=sessions,
        clock=clock,
        tracker=tracker,
        trackers=trackers,
        jobs=jobs,
        logs=TimeLogService(
            uow=uow,
            policy=Policy(InMemoryRosterRelations()),
            jobs=jobs,
            clock=clock,
            rules=rules or TimeLogRules(),
        ),
        sync=TimeLogSyncService(
            uow=uow,
            sessions=trackers,
            jobs=jobs,
            clock=clock,
            config=config or SyncConfig(lease=LEASE),
            jitter=lambda: 1.0,
        ),
        actor=actor,
    )


async def seed(h: Harness) -> Harness:
    async with h.sessions() as session:
        session.add(
            AccountRow(
                id=h.actor.account_id,
                email="a@example.org",
                email_key="a@example.org",
                display_name="A",
                role="student",
                person_sourced_id="person-1",
                created_at=T0,
            )
        )
        await session.commit()
    await add_integration(h, "int-a")
    await add_integration(h, "int-b")
    return h


@pytest.fixture
async def h(engine: AsyncEngine) -> Harness:
    return await seed(build(engine))


# -- the happy paths ------------------------------------------------------------------------------


async def test_a_complete_log_is_pushed_once_and_synced(h: Harness) -> None:
    log = await h.log()
    assert log.sync_state is SyncState.PENDING
    assert h.jobs.pushes() == [log.id]
    assert await h.sync.push(log.id) is SyncState.SYNCED
    row = await h.row(log.id)
    assert row is not None
    assert row.upstream_id is not None
    assert not row.create_in_flight
    assert row.synced_version == row.version
    assert row.synced_project == log.project
    [copy] = h.tracker.tagged(log.id)
    assert copy.entry.minutes == 60
    assert copy.entry.day == date(2026, 3, 2)
    assert copy.entry.billable is True
    assert copy.entry.task == "Review"
    assert await h.sync.push(log.id) is None  # synced: nothing to claim


async def test_non_billable_logs_sync_too(h: Harness) -> None:
    log = await h.log(billable=False)
    assert await h.sync.push(log.id) is SyncState.SYNCED
    assert h.tracker.tagged(log.id)[0].entry.billable is False


async def test_incomplete_and_running_logs_stay_local(h: Harness) -> None:
    no_task = await h.log(task="  ")
    running = await h.log(start=h.clock.now() - timedelta(minutes=5), end=None)
    for log in (no_task, running):
        assert log.sync_state is SyncState.LOCAL
        assert await h.sync.push(log.id) is None
    assert h.tracker.calls == []
    assert h.jobs.pushes() == []
    stopped = await h.logs.stop_timer(actor=h.actor)
    assert stopped.sync_state is SyncState.PENDING
    assert await h.sync.push(stopped.id) is SyncState.SYNCED


async def test_an_edit_is_pushed_as_an_update(h: Harness) -> None:
    log = await h.log()
    await h.sync.push(log.id)
    edited = await h.logs.update(actor=h.actor, log_id=log.id, changes={"notes": "more"})
    assert edited.sync_state is SyncState.PENDING
    assert edited.version == log.version + 1
    assert await h.sync.push(log.id) is SyncState.SYNCED
    [copy] = h.tracker.tagged(log.id)
    assert copy.entry.notes == "more"
    assert [op for op, _ in h.tracker.calls] == ["create", "update"]


async def test_a_synced_log_made_incomplete_is_removed_upstream_and_goes_local(h: Harness) -> None:
    log = await h.log()
    await h.sync.push(log.id)
    edited = await h.logs.update(actor=h.actor, log_id=log.id, changes={"task": None})
    assert edited.sync_state is SyncState.PENDING  # there is an upstream copy to remove
    assert await h.sync.push(log.id) is SyncState.LOCAL
    assert h.tracker.logs == {}
    row = await h.row(log.id)
    assert row is not None
    assert row.upstream_id is None
    assert row.synced_project is None


async def test_a_log_moved_to_another_integration_is_deleted_there_then_created_here(
    h: Harness,
) -> None:
    log = await h.log()
    await h.sync.push(log.id)
    [old] = h.tracker.tagged(log.id)
    moved = ProjectRef(integration_id="int-b", project_id="p-9")
    await h.logs.update(actor=h.actor, log_id=log.id, changes={"project": moved})
    assert await h.sync.push(log.id) is SyncState.SYNCED
    [new] = h.tracker.tagged(log.id)
    assert new.id != old.id
    assert new.workspace_id == "ws-int-b"
    assert new.entry.project_id == "p-9"
    assert [op for op, _ in h.tracker.calls] == ["create", "delete", "create"]
    row = await h.row(log.id)
    assert row is not None
    assert row.synced_project == moved


async def test_delete_removes_upstream_first_then_the_row(h: Harness) -> None:
    local = await h.log(task=None)
    await h.logs.delete(actor=h.actor, log_id=local.id)
    assert await h.row(local.id) is None  # nothing upstream: gone at once

    log = await h.log()
    await h.sync.push(log.id)
    h.tracker.fail_next("delete", Fault("unavailable"))
    await h.logs.delete(actor=h.actor, log_id=log.id)
    assert await h.state(log.id) is SyncState.DELETING
    assert await h.sync.push(log.id) is SyncState.DELETING  # upstream down: the row stays
    assert len(h.tracker.tagged(log.id)) == 1
    row = await h.row(log.id)
    assert row is not None
    assert row.last_error
    assert "fake 503" in row.last_error
    h.later(timedelta(minutes=1))
    assert await h.sync.push(log.id) is None
    assert h.tracker.logs == {}
    assert await h.row(log.id) is None


async def test_logs_on_an_integration_that_needs_a_reconnect_stay_editable(h: Harness) -> None:
    log = await h.log()
    async with h.uow() as uow:
        integration = await uow.integrations.get("int-a")
        assert integration is not None
        await uow.integrations.update(
            replace(integration, status=IntegrationStatus.RECONNECT_NEEDED)
        )
        await uow.commit()
    edited = await h.logs.update(actor=h.actor, log_id=log.id, changes={"notes": "still mine"})
    assert edited.notes == "still mine"
    with pytest.raises(InvalidInput, match="reconnected"):
        await h.log(start=T0 - timedelta(hours=9), end=T0 - timedelta(hours=8))


# -- failures -------------------------------------------------------------------------------------


async def test_a_refusal_is_permanent_with_the_upstreams_reason_until_retried(h: Harness) -> None:
    log = await h.log()
    h.tracker.fail_next("create", Fault("rejected", reason="The log is approved and locked"))
    assert await h.sync.push(log.id) is SyncState.FAILED_PERMANENT
    row = await h.row(log.id)
    assert row is not None
    assert row.last_error is not None
    assert "approved and locked" in row.last_error
    h.later(timedelta(days=1))
    async with h.uow() as uow:
        assert await uow.time_logs.due(h.clock.now(), limit=10) == []
    retried = await h.logs.retry(actor=h.actor, log_id=log.id)
    assert retried.sync_state is SyncState.PENDING
    assert retried.last_error is None
    assert await h.sync.push(log.id) is SyncState.SYNCED
    assert len(h.tracker.tagged(log.id)) == 1


async def test_429_waits_for_retry_after(h: Harness) -> None:
    log = await h.log()
    h.tracker.fail_next("create", Fault("rate_limited", retry_after=120))
    assert await h.sync.push(log.id) is SyncState.FAILED_RETRYABLE
    row = await h.row(log.id)
    assert row is not None
    assert row.attempts == 1
    assert row.next_attempt_at is not None
    assert row.next_attempt_at >= h.clock.now() + timedelta(seconds=120)
    h.later(timedelta(seconds=119))
    assert await h.sync.push(log.id) is None  # not due yet
    h.later(timedelta(seconds=2))
    assert await h.sync.reconcile() == "1 time logs due"
    assert await h.sync.push(log.id) is SyncState.SYNCED


async def test_retries_back_off_exponentially_and_are_bounded(engine: AsyncEngine) -> None:
    h = await seed(build(engine, config=SyncConfig(max_attempts=3, lease=LEASE)))
    log = await h.log()
    h.tracker.fail_next("create", Fault("unavailable"), times=5)
    delays = []
    for _ in range(2):
        assert await h.sync.push(log.id) is SyncState.FAILED_RETRYABLE
        row = await h.row(log.id)
        assert row is not None
        assert row.next_attempt_at is not None
        delays.append(row.next_attempt_at - h.clock.now())
        h.clock.current = row.next_attempt_at
    assert delays == [timedelta(seconds=5), timedelta(seconds=10)]  # jitter pinned at its top
    assert await h.sync.push(log.id) is SyncState.FAILED_PERMANENT
    row = await h.row(log.id)
    assert row is not None
    assert row.last_error is not None
    assert row.last_error.startswith("Gave up after 3 attempts")


async def test_reconnect_needed_waits_and_resumes_after_reconnect(h: Harness) -> None:
    log = await h.log()
    h.trackers.dead.add("int-a")
    assert await h.sync.push(log.id) is SyncState.FAILED_RETRYABLE
    row = await h.row(log.id)
    assert row is not None
    assert row.last_error is not None
    assert row.last_error.startswith("Reconnect needed")
    assert row.attempts == 0  # waiting for the user costs no attempts
    assert h.trackers.invalidated == ["int-a"]
    h.trackers.dead.clear()
    h.jobs.enqueued.clear()
    assert await h.sync.reconnected("int-a") == 1
    assert h.jobs.pushes() == [log.id]
    assert await h.sync.push(log.id) is SyncState.SYNCED


async def test_a_refused_access_token_is_refreshed_and_the_push_retried_once(h: Harness) -> None:
    log = await h.log()
    h.tracker.fail_next("create", Fault("token_refused"))
    assert await h.sync.push(log.id) is SyncState.SYNCED
    assert h.trackers.invalidated == ["int-a"]
    assert len(h.tracker.tagged(log.id)) == 1
    other = await h.log(start=T0 - timedelta(hours=6), end=T0 - timedelta(hours=5))
    h.tracker.fail_next("create", Fault("token_refused"), times=2)
    assert await h.sync.push(other.id) is SyncState.FAILED_RETRYABLE
    assert h.tracker.tagged(other.id) == []


# -- exactly once ---------------------------------------------------------------------------------


async def test_a_worker_killed_after_the_upstream_created_the_log_never_duplicates_it(
    h: Harness,
) -> None:
    log = await h.log()
    h.tracker.fail_next("create", Fault("crash_after_apply"))
    with pytest.raises(WorkerKilled):
        await h.sync.push(log.id)
    row = await h.row(log.id)
    assert row is not None
    assert row.create_in_flight
    assert row.upstream_id is None
    assert len(h.tracker.tagged(log.id)) == 1  # the upstream has it; we never heard back
    assert await h.sync.push(log.id) is None  # the dead worker's lease still holds
    h.later(LEASE + timedelta(seconds=1))
    assert await h.sync.reconcile() == "1 time logs due"
    assert await h.sync.push(log.id) is SyncState.SYNCED
    [copy] = h.tracker.tagged(log.id)
    row = await h.row(log.id)
    assert row is not None
    assert row.upstream_id == copy.id
    assert not row.create_in_flight
    assert [op for op, _ in h.tracker.calls] == ["create", "find_tagged", "update"]


async def test_a_timeout_after_the_upstream_applied_a_create_is_adopted(h: Harness) -> None:
    log = await h.log()
    h.tracker.fail_next("create", Fault("timeout_after_apply"))
    assert await h.sync.push(log.id) is SyncState.FAILED_RETRYABLE
    h.later(timedelta(minutes=1))
    assert await h.sync.push(log.id) is SyncState.SYNCED
    assert len(h.tracker.tagged(log.id)) == 1


async def test_racing_workers_push_a_log_once(h: Harness) -> None:
    logs = [
        await h.log(start=T0 - timedelta(hours=i + 2), end=T0 - timedelta(hours=i + 1))
        for i in range(5)
    ]
    results = await asyncio.gather(*(h.sync.push(log.id) for log in logs for _ in range(3)))
    assert results.count(SyncState.SYNCED) == 5
    assert results.count(None) == 10
    for log in logs:
        assert len(h.tracker.tagged(log.id)) == 1
    assert [op for op, _ in h.tracker.calls].count("create") == 5


async def test_an_edit_during_a_push_stays_pending_and_is_pushed_next(h: Harness) -> None:
    log = await h.log()

    async def user_edits(_upstream_id: str) -> None:
        await h.logs.update(actor=h.actor, log_id=log.id, changes={"task": "Rewritten"})

    h.tracker.after_create = user_edits
    assert await h.sync.push(log.id) is SyncState.PENDING
    row = await h.row(log.id)
    assert row is not None
    assert row.upstream_id is not None
    assert row.synced_version == log.version
    assert row.version == log.version + 1
    assert h.jobs.pushes()[-1] == log.id  # the newer version is on its way
    h.tracker.after_create = None
    assert await h.sync.push(log.id) is SyncState.SYNCED
    [copy] = h.tracker.tagged(log.id)
    assert copy.entry.task == "Rewritten"
    assert [op for op, _ in h.tracker.calls] == ["create", "update"]


async def test_a_delete_during_a_create_leaves_no_copy_behind(h: Harness) -> None:
    log = await h.log()

    async def user_deletes(_upstream_id: str) -> None:
        await h.logs.delete(actor=h.actor, log_id=log.id)

    h.tracker.after_create = user_deletes
    assert await h.sync.push(log.id) is SyncState.DELETING
    h.tracker.after_create = None
    assert await h.sync.push(log.id) is None
    assert h.tracker.logs == {}
    assert await h.row(log.id) is None


# -- what is pushed -------------------------------------------------------------------------------


async def test_rounding_applies_only_to_the_pushed_minutes(engine: AsyncEngine) -> None:
    rounding = Rounding(increment_minutes=15, mode=RoundingMode.UP)
    h = await seed(build(engine, config=SyncConfig(rounding=rounding, lease=LEASE)))
    log = await h.log(start=T0 - timedelta(minutes=61), end=T0)
    await h.sync.push(log.id)
    assert h.tracker.tagged(log.id)[0].entry.minutes == 75
    row = await h.row(log.id)
    assert row is not None
    assert row.end is not None
    assert row.end - row.start == timedelta(minutes=61)


async def test_the_day_is_the_workspaces_and_long_logs_keep_their_days(
    engine: AsyncEngine,
) -> None:
    h = await seed(build(engine, rules=TimeLogRules(max_duration=timedelta(hours=48))))
    await add_integration(h, "int-tokyo", time_zone="Asia/Tokyo")
    start = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 08:30 on the 2nd in Tokyo
    log = await h.log(
        project=ProjectRef(integration_id="int-tokyo", project_id="p-1"),
        start=start,
        end=start + timedelta(hours=26),
    )
    await h.sync.push(log.id)
    [copy] = h.tracker.tagged(log.id)
    assert copy.entry.day == date(2026, 3, 2)
    assert copy.entry.minutes == 26 * 60
