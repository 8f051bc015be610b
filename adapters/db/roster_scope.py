"""How a caller's scope reaches SQL: the one place that turns a ``Scope`` into a WHERE condition
on a roster table. Every cached read (lists, single records, a nested list's parent) goes through
:func:`scope_condition`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from adapters.db import roster_tables as t
from adapters.db.filter_sql import table_of
from domain.policy import Scope
from domain.roster.entities import EntityKind


def scope_condition(kind: EntityKind, scope: Scope) -> ColumnElement[bool]:
    """What ``scope`` may see of a kind, as a condition on the kind's table: the policy's reach
    (``domain.policy.Policy.scope``) in SQL."""
    if scope.everything:
        return sa.true()
    table = table_of(kind)
    people, classes, orgs = list(scope.people), list(scope.classes), list(scope.orgs)
    ur = t.user_roles
    allowed: list[ColumnElement[bool]] = []
    match kind:
        case EntityKind.USERS | EntityKind.DEMOGRAPHICS:
            if people:
                allowed.append(table.c.sourced_id.in_(people))
            if orgs:
                members = sa.select(ur.c.user_id).where(ur.c.org_id.in_(orgs))
                allowed.append(table.c.sourced_id.in_(members))
        case EntityKind.CLASSES:
            if classes:
                allowed.append(table.c.sourced_id.in_(classes))
            if orgs:
                allowed.append(table.c.school_id.in_(orgs))
        case EntityKind.ENROLLMENTS:
            if orgs:
                allowed.append(table.c.school_id.in_(orgs))
            if classes and people:
                allowed.append(sa.and_(table.c.class_id.in_(classes), table.c.user_id.in_(people)))
        case EntityKind.ORGS:
            if orgs:
                allowed.append(table.c.sourced_id.in_(orgs))
            if people:
                mine = sa.select(ur.c.org_id).where(ur.c.user_id.in_(people))
                allowed.append(table.c.sourced_id.in_(mine))
        case EntityKind.COURSES:
            # a course is seen where it is owned or taught: a district's course taught at one
            # of these schools is visible to their staff, as are their classes
            c = t.classes.c
            if orgs:
                allowed.append(table.c.org_id.in_(orgs))
                taught_here = sa.select(c.course_id).where(c.school_id.in_(orgs))
                allowed.append(table.c.sourced_id.in_(taught_here))
            if classes:
                taken = sa.select(c.course_id).where(c.sourced_id.in_(classes))
                allowed.append(table.c.sourced_id.in_(taken))
        case EntityKind.ACADEMIC_SESSIONS:
            # calendars are not personal: anyone with any scope sees them
            if people or classes or orgs:
                allowed.append(sa.true())
    return sa.or_(*allowed) if allowed else sa.false()
