"""How a caller's scope reaches SQL: the one place that turns a ``Scope`` into a WHERE condition
on a roster table. Every cached read (lists, single records, a nested list's parent) goes through
:func:`scope_condition`; its terms become subqueries (:mod:`adapters.db.scope_sql`)."""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from adapters.db import roster_tables as t
from adapters.db.filter_sql import table_of
from adapters.db.scope_sql import any_of, in_classes, in_orgs, in_people, in_subquery
from domain.roster.entities import EntityKind
from domain.scope import Scope

#: conditions kept: one per kind a signed-in caller lists
CACHED_CONDITIONS = 4096


@lru_cache(maxsize=CACHED_CONDITIONS)
def scope_condition(kind: EntityKind, scope: Scope) -> ColumnElement[bool]:
    """What ``scope`` may see of a kind, as a condition on the kind's table: the policy's reach
    (``domain.policy.Policy.scope``) in SQL. Kept per (kind, scope): both are frozen values."""
    if scope.everything:
        return sa.true()
    table = table_of(kind)
    ur, c = t.user_roles.c, t.classes.c
    allowed: list[ColumnElement[bool]] = []
    match kind:
        case EntityKind.USERS | EntityKind.DEMOGRAPHICS:
            if scope.people:
                allowed.append(in_people(table.c.sourced_id, scope.people))
            if scope.orgs:
                members = sa.select(ur.user_id).where(in_orgs(ur.org_id, scope.orgs))
                allowed.append(in_subquery(table.c.sourced_id, members))
        case EntityKind.CLASSES:
            if scope.classes:
                allowed.append(in_classes(table.c.sourced_id, scope.classes))
            if scope.orgs:
                allowed.append(in_orgs(table.c.school_id, scope.orgs))
        case EntityKind.ENROLLMENTS:
            if scope.orgs:
                allowed.append(in_orgs(table.c.school_id, scope.orgs))
            if scope.classes and scope.people:
                allowed.append(
                    sa.and_(
                        in_classes(table.c.class_id, scope.classes),
                        in_people(table.c.user_id, scope.people),
                    )
                )
        case EntityKind.ORGS:
            if scope.orgs:
                allowed.append(in_orgs(table.c.sourced_id, scope.orgs))
            if scope.people:
                mine = sa.select(ur.org_id).where(in_people(ur.user_id, scope.people))
                allowed.append(in_subquery(table.c.sourced_id, mine))
        case EntityKind.COURSES:
            # a course is seen where it is owned or taught: a district's course taught at one
            # of these schools is visible to their staff, as are their classes
            if scope.orgs:
                allowed.append(in_orgs(table.c.org_id, scope.orgs))
                taught_here = sa.select(c.course_id).where(in_orgs(c.school_id, scope.orgs))
                allowed.append(in_subquery(table.c.sourced_id, taught_here))
            if scope.classes:
                taken = sa.select(c.course_id).where(in_classes(c.sourced_id, scope.classes))
                allowed.append(in_subquery(table.c.sourced_id, taken))
        case EntityKind.ACADEMIC_SESSIONS:
            # calendars are not personal: anyone with any scope sees them
            if not scope.empty:
                allowed.append(sa.true())
    return any_of(allowed)
