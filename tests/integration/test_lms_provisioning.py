"""Class-to-course provisioning on SQLite and PostgreSQL, against the Open edX simulator through
the real adapter: a first run (accounts made for students Open edX does not know), two runs at
once that never enroll anyone twice, a reconcile after adds and drops that calls Open edX only
about the people who changed, and a run killed mid-way that resumes where it stopped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.appsembler.client import make_appsembler_client
from adapters.appsembler.lms import AppsemblerLms
from adapters.clock import SystemClock
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.uow import SqlUnitOfWork
from adapters.timeback.oneroster import OneRosterClient
from adapters.timeback.retrying import RetryPolicy
from adapters.timeback.roster_source import TimebackRosterSource
from domain.models.identity import Actor, Role
from domain.models.lms import CourseRole, EnrollmentAction
from domain.models.lms_links import ClassMember, MemberRole, Outcome, RunStatus, RunTrigger
from domain.policy import Policy
from domain.ports import JobPayload, UnitOfWork
from domain.roster.entities import EntityKind, record_from_payload
from domain.roster.sync import SyncKind
from domain.services.lms_links import LmsLinkService, NewLink
from domain.services.lms_provisioning import (
    LMS_LINK_RUN_JOB,
    NO_STAFF_ROLES,
    LinkProvisioner,
    ProvisioningConfig,
)
from domain.services.roster_sync import RosterSyncService
from simulators.appsembler import AppsemblerSimulator
from simulators.appsembler.state import Account
from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.fakes.lms import CountingLms
from tests.fakes.roster import InMemoryRosterRelations
from tests.fakes.time_tracker import FakeClock
from tests.support.timeback_client import sandbox_client

SEED, USERS, CLASSES = 7, 160, 4
NOBODY = Account(0, "", "", False, False, datetime(2026, 1, 1, tzinfo=UTC))
ADMIN = Actor(account_id="admin", role=Role.ADMIN, person_sourced_id=None)
MISSING = 4  # students of the linked class without an Open edX account


async def _no_sleep(_: float) -> None:
    return None


class Jobs:
    def __init__(self) -> None:
        self.enqueued: list[tuple[str, JobPayload]] = []

    async def enqueue(
        self, job: str, payload: JobPayload, *, dedupe_key: str | None = None
    ) -> None:
        self.enqueued.append((job, payload))

    def runs(self) -> list[str]:
        found = [str(p["run_id"]) for j, p in self.enqueued if j == LMS_LINK_RUN_JOB]
        self.enqueued.clear()
        return found


class Killed(BaseException):
    """The process dying: no handler of the run's code sees it (like SIGKILL)."""


class DiesAfter(CountingLms):
    """Counts calls, and 'kills the process' at the start of bulk call number ``after`` + 1."""

    def __init__(self, inner: AppsemblerLms, after: int) -> None:
        super().__init__(inner)
        self.left = after

    async def bulk_enrollment(self, course_id, identifiers, action, **kw):  # type: ignore[no-untyped-def]
        if self.left == 0:
            raise Killed
        self.left -= 1
        return await super().bulk_enrollment(course_id, identifiers, action, **kw)


@dataclass
class World:
    new_uow: Callable[[], UnitOfWork]
    appsembler: AppsemblerSimulator
    real: AppsemblerLms
    lms: CountingLms
    jobs: Jobs
    clock: FakeClock
    class_id: str
    course_id: str
    members: Sequence[ClassMember]

    def uow(self) -> UnitOfWork:
        return self.new_uow()

    def provisioner(self, lms: CountingLms | None = None, batch: int = 100) -> LinkProvisioner:
        return LinkProvisioner(
            uow=self.uow,
            lms=lms or self.lms,
            jobs=self.jobs,
            clock=self.clock,
            config=ProvisioningConfig(batch_size=batch, lease=timedelta(minutes=2)),
        )

    def service(self, provisioner: LinkProvisioner) -> LmsLinkService:
        return LmsLinkService(
            uow=self.uow,
            policy=Policy(InMemoryRosterRelations()),
            lms=self.lms,
            provisioner=provisioner,
            clock=self.clock,
        )

    @property
    def students(self) -> list[ClassMember]:
        return [m for m in self.members if m.role is MemberRole.STUDENT]

    def account(self, email: str) -> Account | None:
        return self.appsembler.state.by_email.get(email.lower())

    def enrolled(self) -> set[str]:
        rows = self.appsembler.state.by_course.get(self.course_id, {}).values()
        return {
            self.appsembler.state.accounts[e.user_id].email.lower() for e in rows if e.is_active
        }


def forget(sim: AppsemblerSimulator, email: str) -> None:
    """Open edX never had this person (removed from every index the simulator keeps)."""
    state = sim.state
    account = state.by_email.pop(email.lower())
    del state.accounts[account.id]
    del state.by_username[account.username]
    state.joined.remove((account.date_joined, account.id))


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)

    def new_uow() -> UnitOfWork:
        return SqlUnitOfWork(sessions)

    timeback = TimebackSimulator(seed=SEED, users=USERS, classes=CLASSES)
    async with sandbox_client(SimulatorTransport(timeback.app)) as http:
        source = TimebackRosterSource(OneRosterClient(http), page_size=100, concurrency=2)
        sync = RosterSyncService(uow=new_uow, source=source, clock=SystemClock())
        assert (await sync.run((await sync.start(SyncKind.FULL)).id)).status.value == "succeeded"
    appsembler = AppsemblerSimulator(seed=SEED, users=USERS, classes=CLASSES, log_size=100_000)
    # the class with the most students, linked to the course Open edX has for it
    async with new_uow() as uow:
        sizes = {}
        for course in appsembler.state.courses.values():
            if course.source is None:
                continue
            found = await uow.lms_links.class_members(course.source)
            if found:
                sizes[course.course_id] = (course.source, found)
    course_id, (class_id, members) = max(
        sizes.items(),
        key=lambda kv: sum(m.role is MemberRole.STUDENT for m in kv[1][1]),
    )
    students = [m for m in members if m.role is MemberRole.STUDENT]
    for m in students[:MISSING]:
        forget(appsembler, m.email or "")
    async with make_appsembler_client(
        base_url="http://appsembler.sim",
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        timeout=5.0,
        transport=SimulatorTransport(appsembler.app),
    ) as lms_http:
        real = AppsemblerLms(lms_http, retry=RetryPolicy(sleep=_no_sleep))
        yield World(
            new_uow=new_uow,
            appsembler=appsembler,
            real=real,
            lms=CountingLms(real),
            jobs=Jobs(),
            clock=FakeClock(),
            class_id=class_id,
            course_id=course_id,
            members=members,
        )
    await engine.dispose()


async def link_and_run(world: World, provisioner: LinkProvisioner) -> tuple[str, str]:
    link, run, _ = await world.service(provisioner).create(
        actor=ADMIN, new=NewLink(class_id=world.class_id, course_id=world.course_id)
    )
    assert run is not None
    assert world.jobs.runs() == [run.id]
    return link.id, run.id


async def test_a_first_run_enrolls_every_student_and_makes_missing_accounts(world: World) -> None:
    provisioner = world.provisioner()
    _, run_id = await link_and_run(world, provisioner)
    world.lms.calls.clear()
    run = await provisioner.execute(run_id)
    assert run is not None
    assert run.status is RunStatus.SUCCEEDED, run.error
    emails = {(m.email or "").lower() for m in world.students}
    assert world.enrolled() == emails
    assert run.counts.accounts_created == MISSING
    # the teachers' steps (made course staff) count with the students'
    teachers = [m for m in world.members if m.role is MemberRole.TEACHER]
    done = run.counts.enrolled + run.counts.already_enrolled
    assert done == len(emails) - MISSING + len(teachers)
    assert run.counts.pending == 0
    # one account each (no duplicate made), none mailed: provisioning asks for no activation mail
    assert len(world.lms.named("create_account")) == MISSING
    # one bulk call for the class, one for the new accounts; the teachers made course staff one
    # grant each after one read of the course's roles; nothing else upstream
    assert len(world.lms.named("bulk_enrollment")) == 2
    assert teachers
    assert len(world.lms.named("grant_course_role")) == len(teachers)
    assert {c.name for c in world.lms.calls} == {
        "bulk_enrollment",
        "create_account",
        "course_roles",
        "grant_course_role",
    }
    assert run.counts.refused == 0
    assert run.note is None
    staff = {u.lower() for u in (await world.real.course_roles(world.course_id))[CourseRole.STAFF]}
    assert {(world.account(m.email or "") or NOBODY).username.lower() for m in teachers} <= staff


async def test_without_a_course_roles_api_teachers_are_refused_with_the_reason(
    world: World,
) -> None:
    world.appsembler.course_roles_api = False  # the current plugin, not the Hawthorn fork
    provisioner = world.provisioner()
    _, run_id = await link_and_run(world, provisioner)
    run = await provisioner.execute(run_id)
    assert run is not None
    assert run.status is RunStatus.SUCCEEDED, run.error
    teachers = [m for m in world.members if m.role is MemberRole.TEACHER]
    assert run.counts.refused == len(teachers)
    assert run.note == NO_STAFF_ROLES
    assert world.enrolled() == {(m.email or "").lower() for m in world.students}
    # the refusal is remembered: the next run asks nothing about them
    world.lms.calls.clear()
    again = await provisioner.start(run.link_id, RunTrigger.MANUAL)
    assert (await provisioner.execute(again.id)) is not None
    assert world.lms.calls == []


async def test_two_runs_at_once_never_enroll_anyone_twice(world: World) -> None:
    first = world.provisioner()
    link_id, run_id = await link_and_run(world, first)
    # a second run of the same link, recorded by another process that found no open run
    async with world.uow() as uow:
        recorded = await uow.lms_links.get_run(run_id)
        assert recorded is not None
        other = replace(recorded, id="f" * 32, trigger=RunTrigger.MANUAL)
        await uow.lms_links.add_run(other)
        await uow.commit()
    second = world.provisioner()
    done = await asyncio.gather(first.execute(run_id), second.execute(other.id))
    statuses = sorted(r.status.value for r in done if r is not None)
    assert statuses == ["failed", "succeeded"]
    sent = world.lms.people(EnrollmentAction.ENROLL)
    # each student asked for once, the new accounts a second time after their creation
    known = [(m.email or "").lower() for m in world.students[MISSING:]]
    assert all(sent[e] == 1 for e in known)
    assert len(world.lms.named("create_account")) == MISSING
    assert world.enrolled() == {(m.email or "").lower() for m in world.students}
    assert link_id


async def test_a_reconcile_after_adds_and_drops_touches_only_the_changed_people(
    world: World,
) -> None:
    provisioner = world.provisioner()
    _, run_id = await link_and_run(world, provisioner)
    await provisioner.execute(run_id)
    # two students leave the class, two others join it (by the roster's change feed)
    dropped = world.students[-2:]
    async with world.uow() as uow:
        enrollments = await uow.lms_links.class_members(world.class_id)
        others = await _students_elsewhere(uow, world, 2)
        template = await uow.roster.get(EntityKind.ENROLLMENTS, dropped[0].enrollment_id or "")
        assert template is not None
        added = []
        for i, person in enumerate(others):
            payload = dict(template.payload)
            payload["sourcedId"] = f"lms-test-add-{i}"
            payload["user"] = {**payload["user"], "sourcedId": person}
            added.append(record_from_payload(EntityKind.ENROLLMENTS, payload))
        await uow.roster.upsert_many(EntityKind.ENROLLMENTS, added)
        await uow.roster.delete_many(
            EntityKind.ENROLLMENTS, [m.enrollment_id or "" for m in dropped]
        )
        await uow.commit()
    assert enrollments is not None
    world.lms.calls.clear()
    outcome = await provisioner.follow_roster()
    assert outcome.startswith("1 links marked, 1 runs started")
    (reconcile,) = world.jobs.runs()
    run = await provisioner.execute(reconcile)
    assert run is not None
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert run.trigger is RunTrigger.ROSTER
    # two calls upstream: one bulk enroll of the two who joined, one bulk unenroll of the two
    # who left; no account list, no analytics, nobody else named
    enroll = world.lms.named("bulk_enrollment", EnrollmentAction.ENROLL)
    unenroll = world.lms.named("bulk_enrollment", EnrollmentAction.UNENROLL)
    assert len(world.lms.calls) == 2
    assert len(enroll[0].people) == 2
    assert len(unenroll[0].people) == 2
    assert run.counts.unenrolled == 2
    assert run.counts.enrolled + run.counts.already_enrolled == 2
    for m in dropped:
        assert (m.email or "").lower() not in world.enrolled()
    # a second pass with no roster change does nothing at all
    world.lms.calls.clear()
    assert (await provisioner.follow_roster()).startswith("0 links marked, 0 runs started")
    assert world.lms.calls == []


async def test_a_link_that_keeps_drops_leaves_them_enrolled(world: World) -> None:
    provisioner = world.provisioner()
    link, run, _ = await world.service(provisioner).create(
        actor=ADMIN,
        new=NewLink(class_id=world.class_id, course_id=world.course_id, keep_drops=True),
    )
    assert run is not None
    await provisioner.execute(run.id)
    leaving = world.students[-1]
    async with world.uow() as uow:
        await uow.roster.delete_many(EntityKind.ENROLLMENTS, [leaving.enrollment_id or ""])
        await uow.commit()
    world.jobs.runs()
    await provisioner.follow_roster()
    (again,) = world.jobs.runs()
    world.lms.calls.clear()
    done = await provisioner.execute(again)
    assert done is not None
    assert done.counts.kept == 1
    assert world.lms.calls == []
    assert (leaving.email or "").lower() in world.enrolled()
    assert link.keep_drops


async def test_a_killed_run_resumes_where_it_stopped(world: World) -> None:
    dying = DiesAfter(world.real, after=3)
    provisioner = world.provisioner(dying, batch=5)
    _, run_id = await link_and_run(world, provisioner)
    with pytest.raises(Killed):
        await provisioner.execute(run_id)
    async with world.uow() as uow:
        left = await uow.lms_links.get_run(run_id)
        assert left is not None
        assert left.status is RunStatus.RUNNING  # nobody said otherwise: the process "died"
        assert 0 < left.counts.pending < len(world.students)
        steps, _ = await uow.lms_links.steps(run_id, limit=1000, offset=0)
        done_before = {(s.email or "").lower() for s in steps if s.outcome is not Outcome.PENDING}
    # within the lease nothing resumes it; after it, the periodic task does
    resumer = world.provisioner(batch=5)
    assert "0 resumed" in await resumer.follow_roster()
    world.clock.advance(timedelta(minutes=3))
    assert "1 resumed" in await resumer.follow_roster()
    assert world.jobs.runs() == [run_id]
    run = await resumer.execute(run_id)
    assert run is not None
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert run.counts.pending == 0
    assert world.enrolled() == {(m.email or "").lower() for m in world.students}
    # nobody whose outcome was recorded before the kill was asked about again
    assert not done_before & set(world.lms.people(EnrollmentAction.ENROLL))
    # and no account was made twice: the batch cut short made its accounts, the resumed run
    # found them
    made = [c.people for c in [*dying.named("create_account"), *world.lms.named("create_account")]]
    assert len(made) == len(set(made)) == MISSING
    counts = run.counts
    assert counts.accounts_created + counts.enrolled + counts.already_enrolled == len(world.members)


async def _students_elsewhere(uow: UnitOfWork, world: World, n: int) -> list[str]:
    """Students of other classes, not in the linked one."""
    inside = {m.person_id for m in world.members}
    found: list[str] = []
    for course in world.appsembler.state.courses.values():
        if course.source in (None, world.class_id):
            continue
        for m in await uow.lms_links.class_members(course.source or "") or ():
            fits = m.role is MemberRole.STUDENT and m.email and m.person_id not in inside
            if fits and world.account(m.email or "") is not None and m.person_id not in found:
                found.append(m.person_id)
            if len(found) == n:
                return found
    raise AssertionError("not enough students elsewhere")


async def test_a_run_whose_job_was_lost_is_enqueued_again(world: World) -> None:
    provisioner = world.provisioner()
    _, run_id = await link_and_run(world, provisioner)  # its job is "lost": never executed
    assert "1 runs started" in await provisioner.follow_roster()
    assert world.jobs.runs() == [run_id]  # the same pending run, not a second one
    run = await provisioner.execute(run_id)
    assert run is not None
    assert run.status is RunStatus.SUCCEEDED
    assert (await provisioner.follow_roster()).startswith("0 links marked, 0 runs started")
