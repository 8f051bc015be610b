"""Class-to-course links in SQL, and the roster cache questions a run asks about a class."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from adapters.db import bulk
from adapters.db import lms_tables as t
from adapters.db import roster_tables as r
from adapters.db.roster_session import OnSession, aware
from adapters.db.scope_sql import active, any_of, in_classes, in_orgs
from domain.errors import Conflict
from domain.models.lms_links import (
    ClassMember,
    CourseLink,
    LinkMember,
    LinkRun,
    MemberRole,
    Outcome,
    PersonAction,
    PersonStep,
    RunCounts,
    RunStatus,
    RunTrigger,
)
from domain.ports.lms_links import LmsLinkRepository
from domain.scope import Scope

FEED = "lms-links"
_ROLES = {"student": MemberRole.STUDENT, "teacher": MemberRole.TEACHER}
#: how many ids one ``IN`` list carries (SQLite's default limit is far above; plans stay small)
CHUNK = 500


def _link(row: Any) -> CourseLink:
    return CourseLink(
        id=row.id,
        class_id=row.class_id,
        course_id=row.course_id,
        keep_drops=row.keep_drops,
        created_at=aware(row.created_at),
        created_by=row.created_by,
        dirty=row.dirty,
        last_run_id=row.last_run_id,
        active_run_id=row.active_run_id,
        lease_until=aware(row.lease_until) if row.lease_until else None,
    )


def _step(row: Any) -> PersonStep:
    return PersonStep(
        person_id=row.person_id,
        role=MemberRole(row.role),
        action=PersonAction(row.action),
        email=row.email,
        name=row.name,
        username=row.username,
        enrollment_id=row.enrollment_id,
        outcome=Outcome(row.outcome),
        reason=row.reason,
    )


def _chunks(ids: Collection[str]) -> Iterable[list[str]]:
    listed = sorted(ids)
    for i in range(0, len(listed), CHUNK):
        yield listed[i : i + CHUNK]


class SqlLmsLinkRepository(OnSession, LmsLinkRepository):
    async def add(self, link: CourseLink) -> None:
        conn = await self._conn()
        insert = sa.insert(t.links).values(
            id=link.id,
            class_id=link.class_id,
            course_id=link.course_id,
            keep_drops=link.keep_drops,
            created_at=link.created_at,
            created_by=link.created_by,
            dirty=link.dirty,
            last_run_id=link.last_run_id,
            active_run_id=link.active_run_id,
            lease_until=link.lease_until,
        )
        try:
            # a savepoint, so a duplicate (two creates racing) leaves the transaction usable
            async with conn.begin_nested():
                await conn.execute(insert)
        except IntegrityError as exc:
            raise Conflict("This class is already linked to this course.") from exc

    async def _links(self, *where: sa.ColumnElement[bool]) -> list[CourseLink]:
        conn = await self._conn()
        rows = await conn.execute(sa.select(t.links).where(*where).order_by(t.links.c.id))
        return [_link(row) for row in rows]

    async def get(self, link_id: str) -> CourseLink | None:
        found = await self._links(t.links.c.id == link_id)
        return found[0] if found else None

    async def find(self, class_id: str, course_id: str) -> CourseLink | None:
        found = await self._links(t.links.c.class_id == class_id, t.links.c.course_id == course_id)
        return found[0] if found else None

    async def by_class(self, class_id: str) -> Sequence[CourseLink]:
        return await self._links(t.links.c.class_id == class_id)

    async def by_course(self, course_id: str) -> Sequence[CourseLink]:
        return await self._links(t.links.c.course_id == course_id)

    async def listed(
        self,
        scope: Scope,
        *,
        class_id: str | None = None,
        course_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[Sequence[CourseLink], int]:
        c = t.links.c
        where: list[sa.ColumnElement[bool]] = []
        if class_id is not None:
            where.append(c.class_id == class_id)
        if course_id is not None:
            where.append(c.course_id == course_id)
        if not scope.everything:
            at_school = sa.select(r.classes.c.sourced_id).where(
                active(r.classes), in_orgs(r.classes.c.school_id, scope.orgs)
            )
            reached = [in_classes(c.class_id, scope.classes)] if scope.classes else []
            if scope.orgs:
                reached.append(c.class_id.in_(at_school))
            where.append(any_of(reached))
        conn = await self._conn()
        total = (
            await conn.execute(sa.select(sa.func.count()).select_from(t.links).where(*where))
        ).scalar_one()
        rows = await conn.execute(
            sa.select(t.links)
            .where(*where)
            .order_by(c.class_id, c.course_id)
            .limit(limit)
            .offset(offset)
        )
        return [_link(row) for row in rows], total

    async def delete(self, link_id: str) -> None:
        conn = await self._conn()
        # SQLite enforces the cascades only with foreign_keys on: say it all explicitly
        run_ids = sa.select(t.runs.c.id).where(t.runs.c.link_id == link_id)
        await conn.execute(sa.delete(t.steps).where(t.steps.c.run_id.in_(run_ids)))
        await conn.execute(sa.delete(t.runs).where(t.runs.c.link_id == link_id))
        await conn.execute(sa.delete(t.members).where(t.members.c.link_id == link_id))
        await conn.execute(sa.delete(t.links).where(t.links.c.id == link_id))

    async def needing_work(self, now: datetime) -> Sequence[CourseLink]:
        c, r = t.links.c, t.runs.c
        waiting = sa.select(r.link_id).where(r.status == RunStatus.PENDING.value)
        return await self._links(
            sa.or_(
                # marked by the feed, or with a run whose job may have been lost
                sa.and_(sa.or_(c.dirty.is_(True), c.id.in_(waiting)), c.active_run_id.is_(None)),
                sa.and_(c.active_run_id.is_not(None), c.lease_until < now),
            )
        )

    async def mark_dirty(self, class_ids: Collection[str]) -> int:
        conn = await self._conn()
        marked = 0
        for chunk in _chunks(class_ids):
            result = await conn.execute(
                sa.update(t.links).where(t.links.c.class_id.in_(chunk)).values(dirty=True)
            )
            marked += result.rowcount or 0
        return marked

    async def clear_dirty(self, link_id: str) -> None:
        conn = await self._conn()
        await conn.execute(sa.update(t.links).where(t.links.c.id == link_id).values(dirty=False))

    async def claim(
        self, link_id: str, run_id: str, *, now: datetime, lease_until: datetime
    ) -> bool:
        conn = await self._conn()
        c = t.links.c
        result = await conn.execute(
            sa.update(t.links)
            .where(
                c.id == link_id,
                sa.or_(c.active_run_id.is_(None), c.active_run_id == run_id, c.lease_until < now),
            )
            .values(active_run_id=run_id, lease_until=lease_until)
        )
        return (result.rowcount or 0) == 1

    async def release(self, link_id: str, run_id: str) -> None:
        conn = await self._conn()
        c = t.links.c
        await conn.execute(
            sa.update(t.links)
            .where(c.id == link_id, c.active_run_id == run_id)
            .values(active_run_id=None, lease_until=None, last_run_id=run_id)
        )

    async def members(self, link_id: str) -> Mapping[str, LinkMember]:
        conn = await self._conn()
        rows = await conn.execute(sa.select(t.members).where(t.members.c.link_id == link_id))
        return {
            row.person_id: LinkMember(
                person_id=row.person_id,
                role=MemberRole(row.role),
                email=row.email,
                username=row.username,
                enrollment_id=row.enrollment_id,
            )
            for row in rows
        }

    async def put_members(self, link_id: str, members: Iterable[LinkMember]) -> None:
        listed = list(members)
        if not listed:
            return
        await self.remove_members(link_id, [m.person_id for m in listed])
        conn = await self._conn()
        await bulk.insert_many(
            conn,
            t.members,
            [
                {
                    "link_id": link_id,
                    "person_id": m.person_id,
                    "role": m.role.value,
                    "email": m.email,
                    "username": m.username,
                    "enrollment_id": m.enrollment_id,
                }
                for m in listed
            ],
        )

    async def remove_members(self, link_id: str, person_ids: Collection[str]) -> None:
        conn = await self._conn()
        m = t.members.c
        for chunk in _chunks(person_ids):
            await conn.execute(
                sa.delete(t.members).where(m.link_id == link_id, m.person_id.in_(chunk))
            )

    async def add_run(self, run: LinkRun) -> None:
        conn = await self._conn()
        await conn.execute(
            sa.insert(t.runs).values(
                id=run.id,
                link_id=run.link_id,
                trigger=run.trigger.value,
                status=run.status.value,
                created_at=run.created_at,
                started_at=run.started_at,
                finished_at=run.finished_at,
                error=run.error,
                note=run.note,
                upstream_calls=run.upstream_calls,
            )
        )

    async def get_run(self, run_id: str) -> LinkRun | None:
        conn = await self._conn()
        row = (await conn.execute(sa.select(t.runs).where(t.runs.c.id == run_id))).first()
        if row is None:
            return None
        s = t.steps.c
        tallies = await conn.execute(
            sa.select(s.outcome, sa.func.count()).where(s.run_id == run_id).group_by(s.outcome)
        )
        counts = {Outcome(outcome): n for outcome, n in tallies}
        return LinkRun(
            id=row.id,
            link_id=row.link_id,
            trigger=RunTrigger(row.trigger),
            status=RunStatus(row.status),
            created_at=aware(row.created_at),
            started_at=aware(row.started_at) if row.started_at else None,
            finished_at=aware(row.finished_at) if row.finished_at else None,
            error=row.error,
            note=row.note,
            upstream_calls=row.upstream_calls,
            counts=RunCounts(
                enrolled=counts.get(Outcome.ENROLLED, 0),
                already_enrolled=counts.get(Outcome.ALREADY_ENROLLED, 0),
                accounts_created=counts.get(Outcome.ACCOUNT_CREATED, 0),
                unenrolled=counts.get(Outcome.UNENROLLED, 0),
                kept=counts.get(Outcome.KEPT, 0),
                refused=counts.get(Outcome.REFUSED, 0),
                pending=counts.get(Outcome.PENDING, 0),
            ),
        )

    async def open_run(self, link_id: str) -> LinkRun | None:
        conn = await self._conn()
        c = t.runs.c
        run_id = (
            await conn.execute(
                sa.select(c.id)
                .where(
                    c.link_id == link_id,
                    c.status.in_([RunStatus.PENDING.value, RunStatus.RUNNING.value]),
                )
                .order_by(c.created_at, c.id)
                .limit(1)
            )
        ).scalar()
        return await self.get_run(run_id) if run_id else None

    async def set_run(
        self,
        run_id: str,
        *,
        status: RunStatus,
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        error: str | None = None,
        note: str | None = None,
        add_calls: int = 0,
    ) -> None:
        conn = await self._conn()
        values: dict[str, Any] = {
            "status": status.value,
            "upstream_calls": t.runs.c.upstream_calls + add_calls,
        }
        if started_at is not None:
            values["started_at"] = started_at
        if finished_at is not None:
            values["finished_at"] = finished_at
        if error is not None:
            values["error"] = error[:2000]
        if note is not None:
            values["note"] = note[:1000]
        await conn.execute(sa.update(t.runs).where(t.runs.c.id == run_id).values(**values))

    async def add_steps(self, run_id: str, steps: Iterable[PersonStep]) -> None:
        conn = await self._conn()
        await bulk.insert_many(
            conn,
            t.steps,
            [
                {
                    "run_id": run_id,
                    "person_id": s.person_id,
                    "action": s.action.value,
                    "role": s.role.value,
                    "email": s.email,
                    "name": s.name[:500],
                    "username": s.username,
                    "enrollment_id": s.enrollment_id,
                    "outcome": s.outcome.value,
                    "reason": s.reason,
                }
                for s in steps
            ],
        )

    async def has_steps(self, run_id: str) -> bool:
        conn = await self._conn()
        found = await conn.execute(
            sa.select(t.steps.c.person_id).where(t.steps.c.run_id == run_id).limit(1)
        )
        return found.first() is not None

    async def pending_steps(self, run_id: str) -> Sequence[PersonStep]:
        conn = await self._conn()
        s = t.steps.c
        rows = await conn.execute(
            sa.select(t.steps)
            .where(s.run_id == run_id, s.outcome == Outcome.PENDING.value)
            .order_by(s.action, s.person_id)
        )
        return [_step(row) for row in rows]

    async def record(self, run_id: str, steps: Iterable[PersonStep]) -> None:
        rows = [
            {
                "r": run_id,
                "p": s.person_id,
                "a": s.action.value,
                "outcome": s.outcome.value,
                "reason": s.reason[:500] if s.reason else None,
                "username": s.username,
            }
            for s in steps
        ]
        if not rows:
            return
        conn = await self._conn()
        c = t.steps.c
        await conn.execute(
            sa.update(t.steps)
            .where(
                c.run_id == sa.bindparam("r"),
                c.person_id == sa.bindparam("p"),
                c.action == sa.bindparam("a"),
            )
            .values(
                outcome=sa.bindparam("outcome"),
                reason=sa.bindparam("reason"),
                username=sa.bindparam("username"),
            ),
            rows,
        )

    async def steps(
        self, run_id: str, *, limit: int, offset: int
    ) -> tuple[Sequence[PersonStep], int]:
        conn = await self._conn()
        s = t.steps.c
        total = (
            await conn.execute(sa.select(sa.func.count()).where(s.run_id == run_id))
        ).scalar_one()
        rows = await conn.execute(
            sa.select(t.steps)
            .where(s.run_id == run_id)
            .order_by(s.action, s.person_id)
            .limit(limit)
            .offset(offset)
        )
        return [_step(row) for row in rows], total

    async def class_members(self, class_id: str) -> Sequence[ClassMember] | None:
        conn = await self._conn()
        cls = (
            await conn.execute(
                sa.select(r.classes.c.status).where(r.classes.c.sourced_id == class_id)
            )
        ).first()
        if cls is None or cls.status != "active":
            return None
        e, u = r.enrollments.c, r.users.c
        rows = await conn.execute(
            sa.select(
                e.sourced_id.label("enrollment_id"),
                e.role,
                u.sourced_id.label("person_id"),
                u.email,
                u.given_name,
                u.family_name,
            )
            .join(r.users, u.sourced_id == e.user_id)
            .where(
                e.class_id == class_id,
                e.status == "active",
                u.status == "active",
                e.role.in_(list(_ROLES)),
            )
            .order_by(u.sourced_id, e.sourced_id)
        )
        found: dict[str, ClassMember] = {}
        for row in rows:
            role = _ROLES[row.role]
            known = found.get(row.person_id)
            # someone both taught and took the class: teaching wins (never enrolled as a learner)
            if known is not None and known.role is MemberRole.TEACHER:
                continue
            found[row.person_id] = ClassMember(
                person_id=row.person_id,
                role=role,
                email=row.email or None,
                name=" ".join(x for x in (row.given_name, row.family_name) if x),
                enrollment_id=row.enrollment_id,
            )
        return list(found.values())

    async def classes_touched(
        self, *, enrollment_ids: Collection[str], user_ids: Collection[str]
    ) -> set[str]:
        conn = await self._conn()
        e, m, lk = r.enrollments.c, t.members.c, t.links.c
        linked = sa.select(lk.class_id)
        touched: set[str] = set()
        for chunk in _chunks(enrollment_ids):
            for stmt in (
                sa.select(e.class_id).where(e.sourced_id.in_(chunk), e.class_id.in_(linked)),
                sa.select(lk.class_id)
                .join(t.members, m.link_id == lk.id)
                .where(m.enrollment_id.in_(chunk)),
            ):
                touched.update(x for x in (await conn.execute(stmt)).scalars() if x)
        for chunk in _chunks(user_ids):
            for stmt in (
                sa.select(e.class_id).where(e.user_id.in_(chunk), e.class_id.in_(linked)),
                sa.select(lk.class_id)
                .join(t.members, m.link_id == lk.id)
                .where(m.person_id.in_(chunk)),
            ):
                touched.update(x for x in (await conn.execute(stmt)).scalars() if x)
        return touched

    async def feed_head(self) -> int:
        conn = await self._conn()
        return int((await conn.execute(sa.select(sa.func.max(r.changes.c.id)))).scalar() or 0)

    async def feed_cursor(self) -> int:
        conn = await self._conn()
        found = await conn.execute(sa.select(t.feed.c.cursor).where(t.feed.c.name == FEED))
        return int(found.scalar() or 0)

    async def set_feed_cursor(self, cursor: int) -> None:
        conn = await self._conn()
        updated = await conn.execute(
            sa.update(t.feed).where(t.feed.c.name == FEED).values(cursor=cursor)
        )
        if not updated.rowcount:
            await conn.execute(sa.insert(t.feed).values(name=FEED, cursor=cursor))
