"""Each kind's scope condition, with the policy's scopes as terms, over the small roster of
``tests.support.small_roster`` on SQLite and PostgreSQL; and a scoped page is one statement that
binds no id list, however many students the teacher has."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.db.engine import SessionFactory, make_engine
from adapters.db.read_engine import make_read_engine
from adapters.db.roster_pages import SqlRosterPages
from adapters.db.roster_store import SqlRosterStore
from domain.models.identity import Actor, Role
from domain.policy import Policy
from domain.roster.entities import EntityKind
from domain.roster.query import RosterQuery
from domain.scope import Scope
from tests.fakes.roster import InMemoryRosterRelations
from tests.support.small_roster import small_roster

POLICY = Policy(InMemoryRosterRelations())  # scope() asks the relations nothing


def scope(role: Role, person: str) -> Scope:
    return POLICY.scope(Actor(account_id=f"acct-{person}", role=role, person_sourced_id=person))


T1, T2 = scope(Role.TEACHER, "t1"), scope(Role.TEACHER, "t2")
G1, G2 = scope(Role.GUARDIAN, "g1"), scope(Role.GUARDIAN, "g2")
ST1 = scope(Role.STUDENT, "st1")
STAFF_S, STAFF_D = scope(Role.STAFF, "admin-s"), scope(Role.STAFF, "admin-d")
AT_S1_OR_S2 = {"admin-s", "t1", "t2", "st1", "st2", "st3", "st4", "g1", "g2"}

#: (kind, scope, ids seen): deleted rows (st-gone, g-gone, c-gone, gone-school, gone-course, e10)
#: never come back through a relation; rows pointing at them stay visible where their own columns
#: put them in scope (a staff member's school enrollments, e3 of the deleted class and e9 of the
#: deleted student, as before terms).
EXPECTED: list[tuple[EntityKind, Scope, set[str]]] = [
    (EntityKind.USERS, T1, {"t1", "st1", "st2"}),
    (EntityKind.USERS, T2, {"t2", "t1"}),
    (EntityKind.USERS, G1, {"g1", "st1", "st2"}),
    (EntityKind.USERS, G2, {"g2", "st3"}),
    (EntityKind.USERS, ST1, {"st1"}),
    (EntityKind.USERS, STAFF_S, AT_S1_OR_S2),
    (EntityKind.USERS, STAFF_D, AT_S1_OR_S2 | {"admin-d", "admin-r"}),
    (EntityKind.DEMOGRAPHICS, T1, {"t1", "st1", "st2"}),
    (EntityKind.DEMOGRAPHICS, G1, {"st1", "st2"}),
    (EntityKind.DEMOGRAPHICS, STAFF_S, {"t1", "st1", "st2", "st4"}),
    (EntityKind.CLASSES, T1, {"c1", "c2"}),
    (EntityKind.CLASSES, T2, {"c3"}),
    (EntityKind.CLASSES, G1, {"c1", "c2"}),
    (EntityKind.CLASSES, G2, set()),
    (EntityKind.CLASSES, ST1, {"c1", "c2"}),
    (EntityKind.CLASSES, STAFF_S, {"c1", "c2", "c3"}),
    (EntityKind.CLASSES, STAFF_D, {"c1", "c2", "c3"}),  # not c-orphan: its school was deleted
    (EntityKind.ENROLLMENTS, T1, {"e1", "e2", "e6", "e7", "e8"}),
    (EntityKind.ENROLLMENTS, T2, {"e4", "e5"}),
    (EntityKind.ENROLLMENTS, G1, {"e6", "e7", "e8"}),
    (EntityKind.ENROLLMENTS, ST1, {"e6", "e7"}),
    (EntityKind.ENROLLMENTS, STAFF_S, {f"e{i}" for i in range(1, 10)}),
    (EntityKind.ORGS, T1, {"s1"}),
    (EntityKind.ORGS, T2, {"s1", "s2"}),
    (EntityKind.ORGS, G1, {"s1"}),
    (EntityKind.ORGS, STAFF_S, {"s1", "s2"}),
    (EntityKind.ORGS, STAFF_D, {"d", "r", "s1", "s2", "s3"}),
    (EntityKind.COURSES, T1, {"math", "art"}),
    (EntityKind.COURSES, T2, {"math"}),
    (EntityKind.COURSES, G2, set()),
    (EntityKind.COURSES, ST1, {"math", "art"}),
    (EntityKind.COURSES, STAFF_S, {"math", "art"}),  # art: the district's, taught at s1
    (EntityKind.COURSES, STAFF_D, {"math", "art", "unseen"}),
    (EntityKind.ACADEMIC_SESSIONS, T1, {"term-1"}),
    (EntityKind.ACADEMIC_SESSIONS, Scope(), set()),
]


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[SessionFactory]:
    async with small_roster(db_url) as sessions:
        yield sessions


async def test_each_kind_sees_what_the_scope_reaches(sessions: SessionFactory) -> None:
    async with sessions() as session:
        store = SqlRosterStore(session)
        for kind, scoped, expected in EXPECTED:
            records, total = await store.query(RosterQuery(kind=kind, scope=scoped, limit=3000))
            assert {r.sourced_id for r in records} == expected, (kind, scoped)
            assert total == len(expected)


@contextmanager
def statements() -> Iterator[list[tuple[str, Any]]]:
    """The statements any engine sends meanwhile, with their parameters."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        sent.append((sql, params))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def values(params: Any) -> list[Any]:
    if isinstance(params, dict):
        return list(params.values())
    return list(params)


def assert_one_statement_binding_no_ids(sent: list[tuple[str, Any]], theirs: set[str]) -> None:
    assert len(sent) == 1, [sql for sql, _ in sent]
    bound = values(sent[0][1])
    # the caller, roles and statuses, the page's limit and offset: nobody else's id
    assert not theirs & set(bound)
    assert len(set(map(str, bound))) <= 8, bound


@pytest.mark.parametrize(("scoped", "theirs"), [(T1, {"st1", "st2"}), (G1, {"st1", "st2"})])
async def test_a_scoped_page_is_one_statement_binding_no_ids(
    db_url: str, sessions: SessionFactory, scoped: Scope, theirs: set[str]
) -> None:
    query = RosterQuery(kind=EntityKind.USERS, scope=scoped, sort="sourcedId", limit=100)
    # the HTTP lists' path: the read engine, outside any unit of work
    engine = make_engine(db_url)
    reads = make_read_engine(engine, pool_size=1)
    pages = SqlRosterPages(reads)
    try:
        await pages.page_json(query)  # connections made, pragmas set
        with statements() as sent:
            page = await pages.page_json(query)
        assert page.total == len(page.items) == 3
        assert_one_statement_binding_no_ids(sent, theirs)
    finally:
        await reads.dispose()
        await engine.dispose()
    # the unit of work's store (writes check visibility through it)
    async with sessions() as session:
        store = SqlRosterStore(session)
        await store.query(query)
        with statements() as sent:
            records, total = await store.query(query)
    assert total == len(records) == 3
    assert_one_statement_binding_no_ids(sent, theirs)
