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
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

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


class unindexed(FunctionElement[Any]):
    """A column's value that the planner will use no index for: ``+status`` on SQLite (the idiom
    SQLite documents), ``(status || '')`` on PostgreSQL.

    Nearly every cached row is active and most enrollments are students', so the indexes on
    ``status`` and ``role`` narrow nothing. Without statistics (SQLite keeps none until
    ``ANALYZE``, PostgreSQL none until autovacuum has analysed a freshly filled cache) both
    planners rank them with the person's or class's id, and drove these subqueries from the status
    index: a teacher's page read every enrollment for each term (~10 ms in SQLite, not ~0.4 ms).
    Hidden, they leave the ids to drive every lookup. The estimates this spoils do not matter to
    :class:`in_subquery`, whose order of evaluation is fixed.
    """

    name = "unindexed"
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _bare(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "postgresql")
def _pg_no_index(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "(" + compiler.process(element.clauses, **kw) + " || '')"


@compiles(unindexed, "sqlite")
def _no_index(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


class in_subquery(FunctionElement[bool]):
    """``column IN (subquery)``; on PostgreSQL ``column = ANY(ARRAY(subquery))``.

    The subquery is a term (a teacher's classes, their students): uncorrelated and small. SQLite
    runs an ``IN`` subquery once and probes its ids through the column's index. PostgreSQL pulls
    an ``IN`` up into a semi-join whose join order follows its estimates: without statistics,
    under a generic plan, that drove a teacher's page from every student enrollment (1.2 s).
    ``ARRAY(...)`` is an init plan, evaluated first and once, and the ids it holds drive index
    scans (1-2 ms for that page, with statistics or without).
    """

    name = "in_subquery"
    inherit_cache = True
    type = sa.Boolean()
    # a comparison, not a function returning a boolean: no ``= 1`` where booleans are integers
    _is_implicitly_boolean = True

    def __init__(
        self, column: ColumnElement[Any], subquery: sa.Select[Any] | sa.CompoundSelect[Any]
    ):
        super().__init__(column, subquery.scalar_subquery())


@compiles(in_subquery)
def _in_list(element: in_subquery, compiler: SQLCompiler, **kw: Any) -> str:
    column, subquery = element.clauses
    return f"{compiler.process(column, **kw)} IN {compiler.process(subquery, **kw)}"


@compiles(in_subquery, "postgresql")
def _any_array(element: in_subquery, compiler: SQLCompiler, **kw: Any) -> str:
    column, subquery = element.clauses
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(subquery, **kw)})"


def active(table: sa.FromClause) -> ColumnElement[bool]:
    return unindexed(table.c.status) == ACTIVE


def orgs_of_person(person: Id) -> sa.Select[Any]:
    """The active orgs an active person has a role at."""
    ur, u, o = _user_roles, _users, _orgs
    return (
        sa.select(ur.c.org_id)
        .join(u, u.c.sourced_id == ur.c.user_id)
        .join(o, o.c.sourced_id == ur.c.org_id)
        .where(ur.c.user_id == person, active(u), active(o))
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
        .where(active(child))
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
        .where(given, unindexed(e.c.role) == role, active(e), active(u), active(c))
    )


def dependants_of(guardian: Id) -> sa.Select[Any]:
    """The active people listing an active ``guardian`` as their agent, who are no agents
    themselves."""
    ua, u, agent = _user_agents, _users, _users.alias("guardian")
    ur = _user_roles.alias("agent_role")
    is_agent = (
        sa.exists()
        .where(ur.c.user_id == ua.c.user_id, unindexed(ur.c.role).in_(AGENT_ROLES))
        # only to this statement's link row, whatever encloses it
        .correlate(ua)
    )
    return (
        sa.select(ua.c.user_id)
        .join(u, u.c.sourced_id == ua.c.user_id)
        .join(agent, agent.c.sourced_id == ua.c.agent_id)
        .where(ua.c.agent_id == guardian)
        .where(active(u), active(agent))
        .where(sa.or_(u.c.role.is_(None), u.c.role.not_in(AGENT_ROLES)), ~is_agent)
    )


# --- terms ------------------------------------------------------------------------------------------


def in_people(column: ColumnElement[Any], terms: Sequence[PeopleTerm]) -> ColumnElement[bool]:
    """``column`` is one of these people."""
    return _in(column, [x.ids if isinstance(x, Ids) else people(x) for x in terms])


def in_classes(column: ColumnElement[Any], terms: Sequence[ClassTerm]) -> ColumnElement[bool]:
    return _in(column, [x.ids if isinstance(x, Ids) else classes(x) for x in terms])


def in_orgs(column: ColumnElement[Any], terms: Sequence[OrgTerm]) -> ColumnElement[bool]:
    return _in(column, [x.ids if isinstance(x, Ids) else orgs(x) for x in terms])


def _in(
    column: ColumnElement[Any], parts: Sequence[frozenset[str] | sa.Select[Any]]
) -> ColumnElement[bool]:
    """One ``IN`` over every part: a list when all are literal ids, else one ``UNION ALL`` of
    subqueries (the literal ids as one-row selects). Not an ``OR`` of ``IN``s: under an ``OR``,
    PostgreSQL scans the whole table and probes each subquery per row, where one ``IN`` is a
    semi-join it drives from the few ids found."""
    listed = sorted({i for part in parts if isinstance(part, frozenset) for i in part})
    subqueries = [part for part in parts if not isinstance(part, frozenset)]
    if not subqueries:
        return column.in_(listed) if listed else sa.false()
    members = [sa.select(sa.literal(i, sa.String())) for i in listed] + subqueries
    return in_subquery(column, sa.union_all(*members) if len(members) > 1 else members[0])


def any_of(conditions: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    return sa.or_(*conditions) if conditions else sa.false()


@lru_cache(maxsize=CACHED_TERMS)
def people(term: StudentsOf | DependantsOf) -> sa.Select[Any]:
    """The ids a people term stands for, as an uncorrelated subquery."""
    match term:
        case StudentsOf(of):
            given = in_classes(_enrollments.c.class_id, [of])
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
            given = in_people(_enrollments.c.user_id, [students])
            found = enrolled("student", returned="class_id", given=given)
    return found.correlate(None)


@lru_cache(maxsize=CACHED_TERMS)
def orgs(term: OrgsReachedBy) -> sa.Select[Any]:
    return orgs_reached_by(term.person).correlate(None)
