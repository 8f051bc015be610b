"""Roster relations for the access policy, read from the local roster cache (D24).

Decisions then agree with what the cached reads show and need no upstream call; the price is that
they are as fresh as the last sync or BFF write. The policy asks outside any unit of work, so each
question is one statement in a short read transaction of its own.

Only objects in the cache count. A ``tobedeleted`` object is deleted from it, but rows that point
at it can stay (an enrollment of a deleted user, an agent link to a deleted guardian, an org whose
parent went), so every statement joins the objects it names and keeps the active ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import sqlalchemy as sa

from adapters.db import roster_tables as t
from adapters.db.engine import SessionFactory
from domain.ports.roster_relations import RosterRelations

ACTIVE = "active"
#: Agent links are listed on both sides (a guardian's ``agents`` are their children), so the people
#: a guardian is an agent *for* are those listing them who hold none of these roles themselves.
AGENT_ROLES = ("guardian", "parent", "relative")
#: ids bound per statement: far below SQLite's and asyncpg's parameter limits
CHUNK = 500

_users, _orgs, _classes = t.users, t.orgs, t.classes
_enrollments, _user_roles, _user_agents = t.enrollments, t.user_roles, t.user_agents


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    iterator = iter(sorted(set(ids)))
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _orgs_of_person() -> sa.Select[Any]:
    ur, u, o = _user_roles, _users, _orgs
    return (
        sa.select(ur.c.org_id)
        .join(u, u.c.sourced_id == ur.c.user_id)
        .join(o, o.c.sourced_id == ur.c.org_id)
        .where(ur.c.user_id == sa.bindparam("person"), u.c.status == ACTIVE, o.c.status == ACTIVE)
    )


def _org_subtree() -> sa.Select[Any]:
    # UNION (not UNION ALL) drops rows already found, so a parent cycle ends the recursion.
    o, child = _orgs, _orgs.alias("child")
    tree = (
        sa.select(o.c.sourced_id)
        .where(o.c.sourced_id.in_(sa.bindparam("ids", expanding=True)), o.c.status == ACTIVE)
        .cte("subtree", recursive=True)
    )
    tree = tree.union(
        sa.select(child.c.sourced_id)
        .join(tree, child.c.parent_id == tree.c.sourced_id)
        .where(child.c.status == ACTIVE)
    )
    return sa.select(tree.c.sourced_id)


def _orgs_of_class() -> sa.Select[Any]:
    c, o = _classes, _orgs
    return (
        sa.select(c.c.school_id)
        .join(o, o.c.sourced_id == c.c.school_id)
        .where(c.c.sourced_id == sa.bindparam("class_id"), c.c.status == ACTIVE)
        .where(o.c.status == ACTIVE)
    )


def _enrolled(role: str, *, returned: str, given: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """One side (``returned``: ``user_id`` or ``class_id``) of active enrollments of ``role``
    between an active user and an active class, narrowed by ``given``."""
    e, u, c = _enrollments, _users, _classes
    return (
        sa.select(e.c[returned])
        .join(u, u.c.sourced_id == e.c.user_id)
        .join(c, c.c.sourced_id == e.c.class_id)
        .where(given, e.c.role == role)
        .where(e.c.status == ACTIVE, u.c.status == ACTIVE, c.c.status == ACTIVE)
    )


def _classes_of(role: str) -> sa.Select[Any]:
    return _enrolled(
        role, returned="class_id", given=_enrollments.c.user_id == sa.bindparam("person")
    )


def _students_of_classes() -> sa.Select[Any]:
    in_classes = _enrollments.c.class_id.in_(sa.bindparam("ids", expanding=True))
    return _enrolled("student", returned="user_id", given=in_classes)


def _dependants_of() -> sa.Select[Any]:
    ua, ur, u, guardian = _user_agents, _user_roles, _users, _users.alias("guardian")
    is_agent = sa.exists().where(ur.c.user_id == ua.c.user_id, ur.c.role.in_(AGENT_ROLES))
    return (
        sa.select(ua.c.user_id)
        .join(u, u.c.sourced_id == ua.c.user_id)
        .join(guardian, guardian.c.sourced_id == ua.c.agent_id)
        .where(ua.c.agent_id == sa.bindparam("guardian"))
        .where(u.c.status == ACTIVE, guardian.c.status == ACTIVE)
        .where(sa.or_(u.c.role.is_(None), u.c.role.not_in(AGENT_ROLES)), ~is_agent)
    )


# Built once: the statements are the same for every question, only their parameters change.
ORGS_OF_PERSON = _orgs_of_person()
ORG_SUBTREE = _org_subtree()
ORGS_OF_CLASS = _orgs_of_class()
CLASSES_TAUGHT_BY = _classes_of("teacher")
CLASSES_OF_STUDENT = _classes_of("student")
STUDENTS_OF_CLASSES = _students_of_classes()
DEPENDANTS_OF = _dependants_of()


class SqlRosterRelations(RosterRelations):
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def orgs_of_person(self, person_id: str) -> frozenset[str]:
        return await self._ids(ORGS_OF_PERSON, [{"person": person_id}])

    async def org_subtree(self, org_ids: Iterable[str]) -> frozenset[str]:
        return await self._ids(ORG_SUBTREE, [{"ids": c} for c in _chunks(org_ids)])

    async def orgs_of_class(self, class_id: str) -> frozenset[str]:
        return await self._ids(ORGS_OF_CLASS, [{"class_id": class_id}])

    async def classes_taught_by(self, person_id: str) -> frozenset[str]:
        return await self._ids(CLASSES_TAUGHT_BY, [{"person": person_id}])

    async def classes_of_student(self, person_id: str) -> frozenset[str]:
        return await self._ids(CLASSES_OF_STUDENT, [{"person": person_id}])

    async def students_of_classes(self, class_ids: Iterable[str]) -> frozenset[str]:
        return await self._ids(STUDENTS_OF_CLASSES, [{"ids": c} for c in _chunks(class_ids)])

    async def dependants_of(self, guardian_id: str) -> frozenset[str]:
        return await self._ids(DEPENDANTS_OF, [{"guardian": guardian_id}])

    async def _ids(self, stmt: sa.Select[Any], params: list[dict[str, Any]]) -> frozenset[str]:
        """The first column's values over one execution per parameter set, in one transaction."""
        if not params:
            return frozenset()
        found: set[str] = set()
        async with self._sessions() as session:
            conn = await session.connection()
            for values in params:
                found.update(i for i in (await conn.execute(stmt, values)).scalars() if i)
        return frozenset(found)
