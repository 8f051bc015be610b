"""Roster relations for the access policy, read from the local roster cache (D24).

Decisions then agree with what the cached reads show and need no upstream call; the price is that
they are as fresh as the last sync or BFF write. The policy asks outside any unit of work, so each
question is one statement in a short read transaction of its own. Scope terms become SQL in
:mod:`adapters.db.scope_sql`, which lists reuse, so a point decision and a list agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from adapters.db import roster_tables as t
from adapters.db.engine import SessionFactory
from adapters.db.errors import storage_errors
from adapters.db.scope_sql import active, any_of, in_classes, in_orgs, in_people, orgs_of_person
from domain.ports.roster_relations import RosterRelations
from domain.scope import Ids, Scope

#: Built once: the statement is the same for every question, only its parameter changes.
ORGS_OF_PERSON = orgs_of_person(sa.bindparam("person"))


class SqlRosterRelations(RosterRelations):
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def orgs_of_person(self, person_id: str) -> frozenset[str]:
        with storage_errors():
            return await self._orgs_of_person(person_id)

    async def _orgs_of_person(self, person_id: str) -> frozenset[str]:
        async with self._sessions() as session:
            conn = await session.connection()
            found = (await conn.execute(ORGS_OF_PERSON, {"person": person_id})).scalars()
            return frozenset(i for i in found if i)

    async def includes(
        self,
        scope: Scope,
        *,
        person: str | None = None,
        class_id: str | None = None,
        course_id: str | None = None,
        org_id: str | None = None,
    ) -> bool:
        named = [x for x in (person, class_id, course_id, org_id) if x is not None]
        if len(named) != 1:
            raise TypeError("name exactly one of person, class_id, course_id, org_id")
        if scope.everything:
            return True
        # A literal id answers without a statement (a caller asking about themselves).
        if person is not None and _listed(person, scope.people):
            return True
        if class_id is not None and _listed(class_id, scope.classes):
            return True
        if org_id is not None and _listed(org_id, scope.orgs):
            return True
        question = _question(
            scope, person=person, class_id=class_id, course_id=course_id, org_id=org_id
        )
        if question is None:
            return False
        with storage_errors():
            async with self._sessions() as session:
                conn = await session.connection()
                return bool((await conn.execute(sa.select(question))).scalar())


def _listed(x: str, terms: Sequence[object]) -> bool:
    return any(isinstance(term, Ids) and x in term.ids for term in terms)


def _question(
    scope: Scope,
    *,
    person: str | None,
    class_id: str | None,
    course_id: str | None,
    org_id: str | None,
) -> ColumnElement[bool] | None:
    """Whether the one thing named is in scope, as a condition without a table, or None when the
    scope's terms cannot reach it (only literal ids, checked already)."""
    ur, u, c = t.user_roles.c, t.users.c, t.classes.c
    asked: list[ColumnElement[bool]] = []
    if person is not None:
        them = sa.literal(person, sa.String())
        if derived := [x for x in scope.people if not isinstance(x, Ids)]:
            asked.append(in_people(them, derived))
        if scope.orgs:
            member = (
                sa.select(ur.user_id)
                .join(t.users, u.sourced_id == ur.user_id)
                .where(ur.user_id == person, active(t.users))
                .where(in_orgs(ur.org_id, scope.orgs))
            )
            asked.append(member.exists())
    elif class_id is not None:
        it = sa.literal(class_id, sa.String())
        if derived_classes := [x for x in scope.classes if not isinstance(x, Ids)]:
            asked.append(in_classes(it, derived_classes))
        if scope.orgs:
            at_school = sa.select(c.sourced_id).where(
                c.sourced_id == class_id,
                active(t.classes),
                in_orgs(c.school_id, scope.orgs),
            )
            asked.append(at_school.exists())
    elif course_id is not None:
        if scope.classes or scope.orgs:
            of_course = sa.select(c.sourced_id).where(
                c.course_id == course_id,
                active(t.classes),
                # an empty field is ``false``, which drops out of the OR
                sa.or_(in_classes(c.sourced_id, scope.classes), in_orgs(c.school_id, scope.orgs)),
            )
            asked.append(of_course.exists())
    elif org_id is not None:
        it = sa.literal(org_id, sa.String())
        if derived_orgs := [x for x in scope.orgs if not isinstance(x, Ids)]:
            asked.append(in_orgs(it, derived_orgs))
    return any_of(asked) if asked else None
