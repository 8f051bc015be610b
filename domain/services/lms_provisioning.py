"""Keeping an Open edX course in step with a OneRoster class: one run per link at a time.

A run plans once (class from the roster cache against the link's record of whom it put in the
course), writes one pending step per person, then works through the steps in batches: each batch
is a few bulk calls upstream and one transaction that records every outcome with the link's
record. A run killed mid-way keeps its claim until its lease runs out; the next run of the same
id (the periodic task enqueues it) finds its steps and does only those still pending. Enrolling
is idempotent upstream too, so a batch done but not recorded comes back "already enrolled".

Per batch: one bulk enroll by email (Open edX says who has no account), an account created (no
activation mail) for each of those, one bulk enroll of the new accounts; drops are one bulk
unenroll. Teachers: the Appsembler API of Juniper and later has no course-roles endpoint (only
the Hawthorn fork had ``courses/{id}/roles``), so each is recorded refused with that reason.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TypeVar

from domain.errors import (
    DomainError,
    StorageUnavailable,
    UpstreamRateLimited,
    UpstreamRefusedInput,
)
from domain.models.lms import (
    CourseRole,
    EnrollmentAction,
    EnrollmentOutcome,
    LmsAccountExists,
    LmsRolesUnsupported,
    NewLmsAccount,
    PersonEnrollment,
)
from domain.models.lms_links import (
    CourseLink,
    LinkDiff,
    LinkMember,
    LinkRun,
    MemberRole,
    Outcome,
    PersonAction,
    PersonStep,
    RunStatus,
    RunTrigger,
)
from domain.ports import Clock, JobPayload, JobQueue, UnitOfWorkFactory
from domain.ports.lms import Lms
from domain.roster.entities import EntityKind
from domain.services.lms_diff import departed_teachers, diff

LMS_LINK_RUN_JOB = "lms-link-run"
NO_STAFF_ROLES = (
    "Open edX course staff roles are not in the Appsembler API this site offers (only the "
    "Hawthorn fork had courses/{id}/roles): teachers were not made course staff"
)
NO_EMAIL = "the roster has no email for this person"

log = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvisioningConfig:
    #: people per bulk call
    batch_size: int = 100
    #: upstream calls in flight at once, across every run of this process
    concurrency: int = 8
    #: how long a run's claim on its link lasts without being renewed (after each batch)
    lease: timedelta = timedelta(minutes=2)
    #: attempts of one call the upstream throttled (each after its Retry-After)
    throttle_attempts: int = 5


class _Calls:
    """Counts the port calls of one batch, and bounds those of the process."""

    def __init__(self, gate: asyncio.Semaphore, attempts: int) -> None:
        self._gate = gate
        self._attempts = attempts
        self.made = 0

    async def __call__(self, call: Callable[[], Awaitable[_T]]) -> _T:
        for attempt in range(self._attempts):
            async with self._gate:
                self.made += 1
                try:
                    return await call()
                except UpstreamRateLimited as exc:
                    if attempt == self._attempts - 1:
                        raise
                    wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
            await asyncio.sleep(min(wait, 120.0))  # outside the gate: others keep going
        raise AssertionError("unreachable")


class LinkProvisioner:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        lms: Lms,
        jobs: JobQueue,
        clock: Clock,
        config: ProvisioningConfig = ProvisioningConfig(),
    ) -> None:
        self._uow = uow
        self._lms = lms
        self._jobs = jobs
        self._clock = clock
        self._config = config
        self._gate = asyncio.Semaphore(config.concurrency)

    # -- starting runs -------------------------------------------------------------------------

    async def start(self, link_id: str, trigger: RunTrigger) -> LinkRun:
        """The link's open run if it has one (a second request joins it), else a new pending
        run, enqueued."""
        async with self._uow() as uow:
            run = await uow.lms_links.open_run(link_id)
            if run is None:
                run = LinkRun(
                    id=secrets.token_hex(16),
                    link_id=link_id,
                    trigger=trigger,
                    status=RunStatus.PENDING,
                    created_at=self._clock.now(),
                )
                await uow.lms_links.add_run(run)
                await uow.commit()
        await self.enqueue(run.id)
        return run

    async def enqueue(self, run_id: str) -> None:
        await self._jobs.enqueue(
            LMS_LINK_RUN_JOB, {"run_id": run_id}, dedupe_key=f"{LMS_LINK_RUN_JOB}:{run_id}"
        )

    async def handle(self, payload: JobPayload) -> None:
        """The job handler."""
        run_id = payload.get("run_id")
        if isinstance(run_id, str):
            await self.execute(run_id)

    # -- following the roster ------------------------------------------------------------------

    async def follow_roster(self) -> str:
        """The periodic task: read the roster change feed, mark the links whose classes it
        names, then start a run for each marked link (or enqueue its pending one again) and
        resume each run whose process died."""
        marked = await self._read_feed()
        async with self._uow() as uow:
            due = await uow.lms_links.needing_work(self._clock.now())
        started = resumed = 0
        for link in due:
            if link.active_run_id is not None:
                await self.enqueue(link.active_run_id)
                resumed += 1
            else:
                await self.start(link.id, RunTrigger.ROSTER)
                started += 1
        return f"{marked} links marked, {started} runs started, {resumed} resumed"

    async def _read_feed(self, page: int = 5000) -> int:
        marked = 0
        while True:
            async with self._uow() as uow:
                cursor = await uow.lms_links.feed_cursor()
                changes, next_cursor = await uow.roster.changes_since(cursor, limit=page)
                if not changes:
                    return marked
                enrollments = {c.sourced_id for c in changes if c.kind is EntityKind.ENROLLMENTS}
                users = {c.sourced_id for c in changes if c.kind is EntityKind.USERS}
                classes = {c.sourced_id for c in changes if c.kind is EntityKind.CLASSES}
                classes |= await uow.lms_links.classes_touched(
                    enrollment_ids=enrollments, user_ids=users
                )
                marked += await uow.lms_links.mark_dirty(classes)
                await uow.lms_links.set_feed_cursor(next_cursor)
                await uow.commit()

    # -- one run -------------------------------------------------------------------------------

    async def plan(self, link: CourseLink) -> LinkDiff | None:
        """What a run of this link would do now, from the roster cache and the link's record;
        None when the class is no longer in the cache."""
        async with self._uow() as uow:
            members = await uow.lms_links.class_members(link.class_id)
            if members is None:
                return None
            return diff(members=members, linked=await uow.lms_links.members(link.id))

    async def execute(self, run_id: str) -> LinkRun | None:
        """Do (or resume) a run; returns it as it ended, or None if it was not this call's to do."""
        now = self._clock.now()
        async with self._uow() as uow:
            run = await uow.lms_links.get_run(run_id)
            if run is None or run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
                return run
            link = await uow.lms_links.get(run.link_id)
            if link is None:
                return None
            if not await uow.lms_links.claim(
                link.id, run.id, now=now, lease_until=now + self._config.lease
            ):
                # another run holds the link: this one did nothing (the feed's mark stays)
                await uow.lms_links.set_run(
                    run.id,
                    status=RunStatus.FAILED,
                    finished_at=now,
                    error=f"run {link.active_run_id} was working on this link; nothing done",
                )
                await uow.commit()
                return await self._reload(run.id)
            planned = await uow.lms_links.has_steps(run.id)
            await uow.commit()
        try:
            if not planned and not await self._plan_steps(link, run):
                return await self._reload(run.id)
            await self._work(link, run.id)
        except DomainError as exc:
            # recorded on the run, and the link marked for the next tick: not the job's to retry
            log.warning("lms link run %s failed: %s", run.id, exc.detail)
            try:
                await self._finish(link, run.id, error=f"{type(exc).__name__}: {exc.detail}")
            except StorageUnavailable:
                # nothing can be recorded now: the claim's lease runs out and the run resumes
                log.warning("lms link run %s left to resume after its lease", run.id)
                return None
            return await self._reload(run.id)
        await self._finish(link, run.id, error=None)
        return await self._reload(run.id)

    async def _plan_steps(self, link: CourseLink, run: LinkRun) -> bool:
        async with self._uow() as uow:
            members = await uow.lms_links.class_members(link.class_id)
            now = self._clock.now()
            if members is None:
                await uow.lms_links.set_run(
                    run.id,
                    status=RunStatus.FAILED,
                    started_at=now,
                    finished_at=now,
                    error=f"class {link.class_id!r} is no longer in the roster; nobody was dropped",
                )
                await uow.lms_links.release(link.id, run.id)
                await uow.commit()
                return False
            linked = await uow.lms_links.members(link.id)
            planned = diff(members=members, linked=linked)
            await uow.lms_links.remove_members(
                link.id, departed_teachers(members=members, linked=linked)
            )
            await uow.lms_links.add_steps(run.id, planned.steps)
            await uow.lms_links.set_run(
                run.id,
                status=RunStatus.RUNNING,
                started_at=now,
            )
            # later changes mark the link again, for the next run
            await uow.lms_links.clear_dirty(link.id)
            await uow.commit()
        return True

    async def _work(self, link: CourseLink, run_id: str) -> None:
        async with self._uow() as uow:
            pending = await uow.lms_links.pending_steps(run_id)
        size = self._config.batch_size
        for action in PersonAction:
            of_action = [s for s in pending if s.action is action]
            for i in range(0, len(of_action), size):
                calls = _Calls(self._gate, self._config.throttle_attempts)
                done, kept, gone = await self._batch(link, action, of_action[i : i + size], calls)
                async with self._uow() as uow:
                    now = self._clock.now()
                    if not await uow.lms_links.claim(
                        link.id, run_id, now=now, lease_until=now + self._config.lease
                    ):
                        raise LeaseLost(run_id)
                    await uow.lms_links.record(run_id, done)
                    await uow.lms_links.put_members(link.id, kept)
                    await uow.lms_links.remove_members(link.id, gone)
                    refused_roles = any(s.reason == NO_STAFF_ROLES for s in done)
                    await uow.lms_links.set_run(
                        run_id,
                        status=RunStatus.RUNNING,
                        add_calls=calls.made,
                        note=NO_STAFF_ROLES if refused_roles else None,
                    )
                    await uow.commit()

    async def _batch(
        self, link: CourseLink, action: PersonAction, steps: Sequence[PersonStep], calls: _Calls
    ) -> tuple[list[PersonStep], list[LinkMember], list[str]]:
        """Outcomes of the batch, members to record, and person ids to forget."""
        match action:
            case PersonAction.ENROLL:
                done = await self._enroll(link.course_id, steps, calls)
                kept = [
                    _member(s)
                    for s in done
                    if s.outcome
                    in (Outcome.ENROLLED, Outcome.ALREADY_ENROLLED, Outcome.ACCOUNT_CREATED)
                ]
                return done, kept, []
            case PersonAction.UNENROLL:
                if link.keep_drops:
                    done = [replace(s, outcome=Outcome.KEPT) for s in steps]
                else:
                    done = await self._unenroll(link.course_id, steps, calls)
                gone = [s.person_id for s in done if s.outcome is not Outcome.REFUSED]
                return done, [], gone
            case PersonAction.STAFF:
                done = await self._staff(link.course_id, steps, calls)
                # remembered (refused ones too), so later runs do not ask again for them
                return done, [_member(s) for s in done if s.email], []
            case PersonAction.UNSTAFF:
                if link.keep_drops:
                    done = [replace(s, outcome=Outcome.KEPT) for s in steps]
                else:
                    done = await self._unstaff(link.course_id, steps, calls)
                return done, [], [s.person_id for s in done if s.outcome is not Outcome.REFUSED]

    async def _enroll(
        self, course_id: str, steps: Sequence[PersonStep], calls: _Calls
    ) -> list[PersonStep]:
        out = [replace(s, outcome=Outcome.REFUSED, reason=NO_EMAIL) for s in steps if not s.email]
        asked = [s for s in steps if s.email]
        if not asked:
            return out
        first = await self._bulk(course_id, asked, EnrollmentAction.ENROLL, calls)
        lacking: list[PersonStep] = []
        for step in asked:
            r = first.get((step.email or "").lower())
            if r is not None and (r.outcome is EnrollmentOutcome.ALLOWED or not r.has_account):
                lacking.append(step)
            else:
                out.append(_enrolled(step, r))
        if not lacking:
            return out
        created = await asyncio.gather(*(self._create(s, calls) for s in lacking))
        ready = [s for s in created if s.outcome is Outcome.PENDING]
        out += [s for s in created if s.outcome is not Outcome.PENDING]
        if not ready:
            return out
        second = await self._bulk(course_id, ready, EnrollmentAction.ENROLL, calls)
        for step in ready:
            r = second.get((step.email or "").lower())
            done = _enrolled(replace(step, reason=None), r)
            if step.reason == _CREATED and done.outcome is not Outcome.REFUSED:
                done = replace(done, outcome=Outcome.ACCOUNT_CREATED)
            out.append(done)
        return out

    async def _bulk(
        self,
        course_id: str,
        steps: Sequence[PersonStep],
        action: EnrollmentAction,
        calls: _Calls,
    ) -> dict[str, PersonEnrollment]:
        """One bulk call for these people (by username when known for a drop, else email);
        their results by lower-cased identifier."""
        names = [_identifier(s, action) for s in steps]
        result = await calls(
            lambda: self._lms.bulk_enrollment(course_id, names, action, auto_enroll=False)
        )
        return {r.identifier.lower(): r for r in result.results}

    async def _create(self, step: PersonStep, calls: _Calls) -> PersonStep:
        """A pending step with its username (reason ``_CREATED`` when this call made the
        account), or the step refused."""
        account = NewLmsAccount(email=step.email or "", name=step.name or (step.email or ""))
        try:
            made = await calls(lambda: self._lms.create_account(account))
        except LmsAccountExists:
            return step  # made meanwhile (another class of the same student): enroll it
        except UpstreamRefusedInput as exc:
            return replace(step, outcome=Outcome.REFUSED, reason=f"account refused: {exc.reason}")
        return replace(step, username=made.username, reason=_CREATED if made.created else None)

    async def _staff(
        self, course_id: str, steps: Sequence[PersonStep], calls: _Calls
    ) -> list[PersonStep]:
        """Teachers as course staff, one grant each: the roles listed after a grant name the
        username it added (so no read of the whole account list). A grant that adds no one was
        for someone already staff or without an account; creating the account tells which."""
        try:
            roles = await calls(lambda: self._lms.course_roles(course_id))
        except LmsRolesUnsupported:
            return [replace(s, outcome=Outcome.REFUSED, reason=NO_STAFF_ROLES) for s in steps]
        staff = {u.lower() for u in roles.get(CourseRole.STAFF, ())}
        out = []
        for step in steps:
            if not step.email:
                out.append(replace(step, outcome=Outcome.REFUSED, reason=NO_EMAIL))
                continue
            added = await self._grant(course_id, step.email, staff, calls)
            if added is not None:
                out.append(replace(step, outcome=Outcome.ENROLLED, username=added))
                continue
            made = await self._create(step, calls)
            if made.outcome is Outcome.REFUSED:
                out.append(made)
            elif made.reason != _CREATED:
                out.append(replace(step, outcome=Outcome.ALREADY_ENROLLED, reason=None))
            elif (added := await self._grant(course_id, step.email, staff, calls)) is not None:
                out.append(replace(step, outcome=Outcome.ACCOUNT_CREATED, username=added))
            else:
                reason = "Open edX did not make them course staff"
                out.append(replace(step, outcome=Outcome.REFUSED, reason=reason))
        return out

    async def _grant(
        self, course_id: str, email: str, staff: set[str], calls: _Calls
    ) -> str | None:
        """Grant the staff role; the username it added, if any (``staff`` follows along)."""
        after = await calls(
            lambda: self._lms.grant_course_role(course_id, CourseRole.STAFF, [email])
        )
        now = {u.lower(): u for u in after.get(CourseRole.STAFF, ())}
        new = [u for k, u in now.items() if k not in staff]
        staff.update(now)
        return new[0] if len(new) == 1 else None

    async def _unstaff(
        self, course_id: str, steps: Sequence[PersonStep], calls: _Calls
    ) -> list[PersonStep]:
        named = [s.username for s in steps if s.username]
        if named:
            try:
                await calls(
                    lambda: self._lms.revoke_course_role(course_id, CourseRole.STAFF, named)
                )
            except LmsRolesUnsupported:
                return [replace(s, outcome=Outcome.REFUSED, reason=NO_STAFF_ROLES) for s in steps]
        # a teacher never made staff (no username) had nothing to take away
        return [replace(s, outcome=Outcome.UNENROLLED, reason=None) for s in steps]

    async def _unenroll(
        self, course_id: str, steps: Sequence[PersonStep], calls: _Calls
    ) -> list[PersonStep]:
        results = await self._bulk(course_id, steps, EnrollmentAction.UNENROLL, calls)
        out = []
        for step in steps:
            r = results.get(_identifier(step, EnrollmentAction.UNENROLL).lower())
            if r is not None and r.outcome in _GONE:
                reason = None if r.outcome is EnrollmentOutcome.UNENROLLED else "was not enrolled"
                out.append(replace(step, outcome=Outcome.UNENROLLED, reason=reason))
            else:
                out.append(_refused(step, r))
        return out

    async def _finish(self, link: CourseLink, run_id: str, *, error: str | None) -> None:
        async with self._uow() as uow:
            now = self._clock.now()
            await uow.lms_links.set_run(
                run_id,
                status=RunStatus.FAILED if error else RunStatus.SUCCEEDED,
                finished_at=now,
                error=error,
            )
            if error:
                await uow.lms_links.mark_dirty([link.class_id])  # the next tick tries again
            await uow.lms_links.release(link.id, run_id)
            await uow.commit()

    async def _reload(self, run_id: str) -> LinkRun | None:
        async with self._uow() as uow:
            return await uow.lms_links.get_run(run_id)


class LeaseLost(DomainError):
    """The run's claim ran out and another run took the link: this one stops where it is."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id} lost its claim on the link")


#: a pending step's reason while its account is fresh (never stored: replaced by the outcome)
_CREATED = "\0created"

_OUTCOMES = {
    EnrollmentOutcome.ENROLLED: Outcome.ENROLLED,
    EnrollmentOutcome.ALREADY_ENROLLED: Outcome.ALREADY_ENROLLED,
}
_REASONS = {
    EnrollmentOutcome.INVALID_IDENTIFIER: "Open edX does not take this email as an identifier",
    EnrollmentOutcome.FAILED: "Open edX failed to enroll this person",
    EnrollmentOutcome.ALLOWED: "no Open edX account, and none could be made",
}


_GONE = (
    EnrollmentOutcome.UNENROLLED,
    EnrollmentOutcome.NOT_ENROLLED,
    EnrollmentOutcome.DISALLOWED,
)


def _identifier(step: PersonStep, action: EnrollmentAction) -> str:
    if action is EnrollmentAction.UNENROLL and step.username:
        return step.username  # the account the link enrolled, whatever its email is now
    return step.email or ""


def _enrolled(step: PersonStep, result: PersonEnrollment | None) -> PersonStep:
    found = _OUTCOMES.get(result.outcome) if result is not None else None
    if found is None:
        return _refused(step, result)
    return replace(step, outcome=found, reason=None)


def _refused(step: PersonStep, result: PersonEnrollment | None) -> PersonStep:
    if result is None:
        reason = "Open edX did not answer for this person"
    else:
        reason = _REASONS.get(result.outcome, f"Open edX answered {result.outcome.value}")
    return replace(step, outcome=Outcome.REFUSED, reason=reason)


def _member(step: PersonStep) -> LinkMember:
    return LinkMember(
        person_id=step.person_id,
        role=step.role if step.action is not PersonAction.STAFF else MemberRole.TEACHER,
        email=step.email or "",
        username=step.username,
        enrollment_id=step.enrollment_id,
    )
