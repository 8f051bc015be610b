"""What people may do with class-to-course links: make, find, inspect, unlink, run, follow.

Staff and admins manage the links of classes they reach; teachers read those of the classes they
teach; learners and guardians nothing (``CourseLinkRef`` in the policy).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.models.identity import Actor, Role
from domain.models.lms import AccountMatches, EnrollmentFilter, LmsEnrollment
from domain.models.lms_links import (
    ClassMember,
    CourseLink,
    LinkDiff,
    LinkRun,
    MemberRole,
    PersonStep,
    RunTrigger,
    StudentProgress,
)
from domain.policy import Action, CourseLinkRef, Policy
from domain.ports import Clock, UnitOfWorkFactory
from domain.ports.lms import Lms
from domain.roster.entities import EntityKind
from domain.scope import EVERYTHING
from domain.services.lms_diff import CourseState, diff
from domain.services.lms_provisioning import LinkProvisioner

#: ``course-v1:Org+Course+Run`` (or the old ``Org/Course/Run``), as Open edX keys courses
COURSE_KEY = re.compile(
    r"^(course-v1:[\w.\-~]+\+[\w.\-~]+\+[\w.\-~]+|[\w.\-~]+/[\w.\-~]+/[\w.\-~]+)$"
)
_LINK_READERS = (Role.ADMIN, Role.STAFF, Role.TEACHER)


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkView:
    link: CourseLink
    last_run: LinkRun | None
    open_run: LinkRun | None
    #: class against course as Open edX has it now (None when the class left the roster cache)
    diff: LinkDiff | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewLink:
    class_id: str
    course_id: str
    keep_drops: bool = False


class LmsLinkService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        policy: Policy,
        lms: Lms,
        provisioner: LinkProvisioner,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._policy = policy
        self._lms = lms
        self._provisioner = provisioner
        self._clock = clock

    async def create(
        self, *, actor: Actor, new: NewLink, dry_run: bool = False
    ) -> tuple[CourseLink, LinkRun | None, LinkDiff]:
        """Link the class to the course and start its first run; with ``dry_run`` only what that
        run would do (nothing stored, nothing written upstream)."""
        await self._policy.require(actor, Action.WRITE, CourseLinkRef(new.class_id))
        if not COURSE_KEY.match(new.course_id):
            raise InvalidInput(
                "Not an Open edX course key (course-v1:Org+Course+Run).", field="course_id"
            )
        link = CourseLink(
            id=secrets.token_hex(16),
            class_id=new.class_id,
            course_id=new.course_id,
            keep_drops=new.keep_drops,
            created_at=self._clock.now(),
            created_by=actor.account_id,
        )
        async with self._uow() as uow:
            if await uow.roster.get(EntityKind.CLASSES, new.class_id) is None:
                raise InvalidInput(f"No class {new.class_id!r} in the roster.", field="class_id")
            if await uow.lms_links.find(new.class_id, new.course_id) is not None:
                raise Conflict("This class is already linked to this course.")
            members = await uow.lms_links.class_members(new.class_id) or ()
        # Open edX is asked outside the transaction: the course exists, and who it holds already
        if await self._lms.course(new.course_id) is None:
            raise InvalidInput(f"Open edX has no course {new.course_id!r}.", field="course_id")
        course = await self._course_state(link, members)
        planned = diff(members=members, linked={}, course=course)
        if dry_run:
            return link, None, planned
        async with self._uow() as uow:
            await uow.lms_links.add(link)  # a create racing this one: Conflict
            if await uow.lms_links.feed_cursor() == 0:
                # the follower starts from now: what the feed said before is in the first run
                await uow.lms_links.set_feed_cursor(await uow.lms_links.feed_head())
            await uow.commit()
        run = await self._provisioner.start(link.id, RunTrigger.CREATED)
        return link, run, planned

    async def list(
        self,
        *,
        actor: Actor,
        class_id: str | None,
        course_id: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[CourseLink], int]:
        """Links of the classes the caller reaches, of one class and/or one course."""
        self._readers_only(actor)
        scope = EVERYTHING if actor.role is Role.ADMIN else self._policy.scope(actor)
        async with self._uow() as uow:
            return await uow.lms_links.listed(
                scope, class_id=class_id, course_id=course_id, limit=limit, offset=offset
            )

    async def view(self, *, actor: Actor, link_id: str) -> LinkView:
        link = await self._link(actor, Action.READ, link_id)
        async with self._uow() as uow:
            last = await uow.lms_links.get_run(link.last_run_id) if link.last_run_id else None
            running = await uow.lms_links.open_run(link.id)
            members = await uow.lms_links.class_members(link.class_id)
            linked = await uow.lms_links.members(link.id)
        if members is None:
            return LinkView(link=link, last_run=last, open_run=running, diff=None)
        course = await self._course_state(link, members, extra=[m.email for m in linked.values()])
        return LinkView(
            link=link,
            last_run=last,
            open_run=running,
            diff=diff(members=members, linked=linked, course=course),
        )

    async def delete(self, *, actor: Actor, link_id: str) -> None:
        """Unlink; the course keeps whoever is enrolled in it."""
        link = await self._link(actor, Action.WRITE, link_id)
        async with self._uow() as uow:
            await uow.lms_links.delete(link.id)
            await uow.commit()

    async def run(
        self, *, actor: Actor, link_id: str, dry_run: bool = False
    ) -> tuple[LinkRun | None, LinkDiff | None]:
        """Start a run now (or join the one under way); ``dry_run``: what a run would do now."""
        link = await self._link(actor, Action.WRITE, link_id)
        if dry_run:
            planned = await self._provisioner.plan(link)
            if planned is None:
                raise InvalidInput(f"Class {link.class_id!r} is no longer in the roster.")
            return None, planned
        return await self._provisioner.start(link.id, RunTrigger.MANUAL), None

    async def get_run(
        self, *, actor: Actor, link_id: str, run_id: str, limit: int, offset: int
    ) -> tuple[LinkRun, Sequence[PersonStep], int]:
        """A run with a page of its per-person steps."""
        link = await self._link(actor, Action.READ, link_id)
        async with self._uow() as uow:
            run = await uow.lms_links.get_run(run_id)
            if run is None or run.link_id != link.id:
                raise NotFound(f"No run {run_id!r} of this link.")
            steps, total = await uow.lms_links.steps(run_id, limit=limit, offset=offset)
        return run, steps, total

    async def progress(
        self, *, actor: Actor, link_id: str, limit: int, offset: int
    ) -> tuple[Sequence[StudentProgress], int]:
        """Each student of the class, with their enrollment and certificate in the course, as
        Open edX's analytics have them (two reads: the course's enrollments, the accounts)."""
        link = await self._link(actor, Action.READ, link_id)
        async with self._uow() as uow:
            members = await uow.lms_links.class_members(link.class_id)
            linked = await uow.lms_links.members(link.id)
        students = [m for m in members or () if m.role is MemberRole.STUDENT]
        page = students[offset : offset + limit]
        if not page:
            return [], len(students)
        enrollments = await self._lms.enrollments(EnrollmentFilter(course_id=link.course_id))
        by_username = {e.username.lower(): e for e in enrollments}
        accounts = await self._lms.find_accounts(emails=[m.email for m in page if m.email])
        out = []
        for m in page:
            account = accounts.by_email.get(m.email.lower()) if m.email else None
            known = linked.get(m.person_id)
            username = account.username if account else known.username if known else None
            enrolled = by_username.get(username.lower()) if username else None
            out.append(_progress(m, username, enrolled))
        return out, len(students)

    async def _course_state(
        self, link: CourseLink, members: Sequence[ClassMember], extra: Sequence[str] = ()
    ) -> CourseState:
        """Who the course holds, for the class's emails (and ``extra`` ones): two reads."""
        emails = sorted({e for e in [*(m.email for m in members), *extra] if e})
        enrollments = await self._lms.enrollments(EnrollmentFilter(course_id=link.course_id))
        usernames = frozenset(e.username.lower() for e in enrollments)
        if not usernames:
            return CourseState(emails=frozenset(), usernames=usernames)
        matches: AccountMatches = await self._lms.find_accounts(emails=emails)
        held = frozenset(
            email for email, a in matches.by_email.items() if a.username.lower() in usernames
        )
        return CourseState(emails=held, usernames=usernames)

    def _readers_only(self, actor: Actor) -> None:
        if actor.role not in _LINK_READERS or (
            actor.person_sourced_id is None and not actor.is_admin
        ):
            raise PermissionDenied("Course links are for staff, teachers and admins.")

    async def _link(self, actor: Actor, action: Action, link_id: str) -> CourseLink:
        self._readers_only(actor)
        async with self._uow() as uow:
            link = await uow.lms_links.get(link_id)
        # a link out of reach is as absent as one that is not there
        if link is None or not await self._policy.allows(
            actor, Action.READ, CourseLinkRef(link.class_id)
        ):
            raise NotFound(f"No course link {link_id!r}.")
        if action is Action.WRITE:
            await self._policy.require(actor, action, CourseLinkRef(link.class_id))
        return link


def _progress(m: ClassMember, username: str | None, e: LmsEnrollment | None) -> StudentProgress:
    cert = e.certificate if e is not None else None
    return StudentProgress(
        person_id=m.person_id,
        name=m.name,
        email=m.email,
        username=username,
        enrolled=e is not None,
        date_enrolled=e.date_enrolled if e is not None else None,
        certificate_grade=cert.grade if cert else None,
        certificate_date=cert.completion_date.isoformat() if cert else None,
        certificate_url=cert.url if cert else None,
    )
