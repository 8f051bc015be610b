"""Scope terms (:mod:`domain.scope`) in SQL: each term a subquery of ids over the roster cache.

The one place a term becomes SQL. ``roster_scope.scope_condition`` (what a list may hold) and
``SqlRosterRelations.includes`` (one point question) build their conditions from :func:`in_people`,
:func:`in_classes` and :func:`in_orgs`, so a teacher's page is one statement however many students
they have, and no id list travels from the database to Python and back.

Only objects in the cache count (D24). A ``tobedeleted`` object is deleted from it, but rows that
point at it can stay (an enrollment of a deleted user, an agent link to a deleted guardian, an org
whose parent went), so every subquery joins the objects it names and keeps the active ones.

Every subquery is uncorrelated: a term means the same wherever it is used, also inside a query over
the same table (a teacher's enrollments are narrowed by subqueries over enrollments). Subqueries
are kept per term (terms are frozen values), so a caller's next request builds none; ids are bound
parameters, so every teacher's page is the same SQL text, which SQLAlchemy compiles once.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from adapters.db import roster_tables as t
from domain.scope import (
    ClassesTakenBy,
    ClassesTaughtBy,
    ClassTerm,
    DependantsOf,
    Ids,
    OrgsReachedBy,
    OrgTerm,
    PeopleTerm,
    StudentsOf,
)

ACTIVE = "active"
#: Agent links are listed on both sides (a guardian's ``agents`` are their children), so the people
#: a guardian is an agent *for* are those listing them who hold none of these roles themselves.
AGENT_ROLES = ("guardian", "parent", "relative")
#: terms whose subqueries are kept: a few per signed-in person
CACHED_TERMS = 8192

_users, _orgs, _classes = t.users, t.orgs, t.classes
_enrollments, _user_roles, _user_agents = t.enrollments, t.user_roles, t.user_agents

#: an id: a value (a term's) or a named parameter (a statement built once)
Id = str | sa.BindParameter[str]


# --- statements, shared with ``roster_relations`` -------------------------------------------------


def orgs_of_person(person: Id) -> sa.Select[Any]:
    """The active orgs an active person has a role at."""
    ur, u, o = _user_roles, _users, _orgs
    return (
        sa.select(ur.c.org_id)
        .join(u, u.c.sourced_id == ur.c.user_id)
        .join(o, o.c.sourced_id == ur.c.org_id)
        .where(ur.c.user_id == person, u.c.status == ACTIVE, o.c.status == ACTIVE)
    )


def orgs_reached_by(person: Id) -> sa.Select[Any]:
    """The person's active orgs and their active descendants: a recursive CTE, local to the
    subquery (``nesting``) so two of them in one statement cannot clash by name."""
    child = _orgs.alias("child")
    tree = orgs_of_person(person).cte("reach", recursive=True, nesting=True)
    tree = tree.union(
        # UNION (not UNION ALL) drops rows already found, so a parent cycle ends the recursion.
        sa.select(child.c.sourced_id)
        .join(tree, child.c.parent_id == tree.c.org_id)
        .where(child.c.status == ACTIVE)
    )
    return sa.select(tree.c.org_id)


def enrolled(role: str, *, returned: str, given: ColumnElement[bool]) -> sa.Select[Any]:
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


def dependants_of(guardian: Id) -> sa.Select[Any]:
    """The active people listing an active ``guardian`` as their agent, who are no agents
    themselves."""
    ua, u, agent = _user_agents, _users, _users.alias("guardian")
    ur = _user_roles.alias("agent_role")
    is_agent = (
        sa.exists()
        .where(ur.c.user_id == ua.c.user_id, ur.c.role.in_(AGENT_ROLES))
        # only to this statement's link row, whatever encloses it
        .correlate(ua)
    )
    return (
        sa.select(ua.c.user_id)
        .join(u, u.c.sourced_id == ua.c.user_id)
        .join(agent, agent.c.sourced_id == ua.c.agent_id)
        .where(ua.c.agent_id == guardian)
        .where(u.c.status == ACTIVE, agent.c.status == ACTIVE)
        .where(sa.or_(u.c.role.is_(None), u.c.role.not_in(AGENT_ROLES)), ~is_agent)
    )


# --- terms ------------------------------------------------------------------------------------------


def in_people(column: ColumnElement[Any], terms: Sequence[PeopleTerm]) -> list[ColumnElement[bool]]:
    """``column`` is one of these people, one condition per term."""
    return [column.in_(sorted(x.ids) if isinstance(x, Ids) else people(x)) for x in terms]


def in_classes(column: ColumnElement[Any], terms: Sequence[ClassTerm]) -> list[ColumnElement[bool]]:
    return [column.in_(sorted(x.ids) if isinstance(x, Ids) else classes(x)) for x in terms]


def in_orgs(column: ColumnElement[Any], terms: Sequence[OrgTerm]) -> list[ColumnElement[bool]]:
    return [column.in_(sorted(x.ids) if isinstance(x, Ids) else orgs(x)) for x in terms]


def any_of(conditions: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    return sa.or_(*conditions) if conditions else sa.false()


@lru_cache(maxsize=CACHED_TERMS)
def people(term: StudentsOf | DependantsOf) -> sa.Select[Any]:
    """The ids a people term stands for, as an uncorrelated subquery."""
    match term:
        case StudentsOf(of):
            given = any_of(in_classes(_enrollments.c.class_id, [of]))
            found = enrolled("student", returned="user_id", given=given)
        case DependantsOf(guardian):
            found = dependants_of(guardian)
    return found.correlate(None)


@lru_cache(maxsize=CACHED_TERMS)
def classes(term: ClassesTaughtBy | ClassesTakenBy) -> sa.Select[Any]:
    match term:
        case ClassesTaughtBy(teacher):
            given = _enrollments.c.user_id == teacher
            found = enrolled("teacher", returned="class_id", given=given)
        case ClassesTakenBy(students):
            given = any_of(in_people(_enrollments.c.user_id, [students]))
            found = enrolled("student", returned="class_id", given=given)
    return found.correlate(None)


@lru_cache(maxsize=CACHED_TERMS)
def orgs(term: OrgsReachedBy) -> sa.Select[Any]:
    return orgs_reached_by(term.person).correlate(None)
