"""Reads of the roster cache: one page of a query (scope, types, relation, filter, search, sort,
page) and the total, as records or as the stored JSON text, and single records by id."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from adapters.db import roster_tables as t
from adapters.db.filter_sql import compile_filter, compile_search, order_by, table_of
from adapters.db.roster_scope import scope_condition
from adapters.db.roster_session import OnSession
from domain.ports.roster_store import RosterQueries
from domain.roster.entities import EntityKind, RosterRecord, record_from_payload
from domain.roster.fields import select
from domain.roster.query import Related, Relation, RosterQuery


class _ParsedRecords:
    """Records read from cached payloads, by kind and payload hash: a page read again (the same
    hot page for many callers) skips parsing JSON and building records. Keyed by content, so a
    changed row (a new hash) is never served stale, whichever process wrote it."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[EntityKind, str], RosterRecord] = OrderedDict()

    def get(self, kind: EntityKind, digest: str, text: str | bytes) -> RosterRecord:
        key = (kind, digest)
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            return found
        record = record_from_payload(kind, json.loads(text))
        self._items[key] = record
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return record


#: ~2-3 KB a record: a few MB per process
_PARSED = _ParsedRecords(2000)
parsed_record = _PARSED.get


def query_condition(q: RosterQuery) -> ColumnElement[bool]:
    """The query's WHERE: scope, types, relation, filter and search, all of them."""
    conditions = [scope_condition(q.kind, q.scope)]
    if q.types:
        conditions.append(_types(q.kind, q.types))
    if q.related is not None:
        conditions.append(_related(q.related, q.types))
    if q.filter is not None:
        conditions.append(compile_filter(q.kind, q.filter))
    if q.search:
        conditions.append(compile_search(q.kind, q.search))
    return sa.and_(sa.true(), *conditions)


def _types(kind: EntityKind, types: frozenset[str]) -> ColumnElement[bool]:
    table = table_of(kind)
    match kind:
        case EntityKind.ORGS | EntityKind.ACADEMIC_SESSIONS:
            return table.c.type.in_(sorted(types))
        case EntityKind.USERS | EntityKind.ENROLLMENTS:
            return table.c.role.in_(sorted(types))
    return sa.true()


def _related(related: Related, types: frozenset[str]) -> ColumnElement[bool]:
    x = related.sourced_id
    e, ua, ur = t.enrollments, t.user_agents, t.user_roles
    match related.relation:
        case Relation.CLASS_STUDENTS | Relation.CLASS_TEACHERS:
            role = "student" if related.relation is Relation.CLASS_STUDENTS else "teacher"
            who = sa.select(e.c.user_id).where(e.c.class_id == x, e.c.role == role)
            return t.users.c.sourced_id.in_(who)
        case Relation.CLASS_ENROLLMENTS:
            return e.c.class_id == x
        case Relation.USER_CLASSES:
            return t.classes.c.sourced_id.in_(sa.select(e.c.class_id).where(e.c.user_id == x))
        case Relation.USER_AGENTS:
            return t.users.c.sourced_id.in_(sa.select(ua.c.agent_id).where(ua.c.user_id == x))
        case Relation.AGENT_FOR:
            return t.users.c.sourced_id.in_(sa.select(ua.c.user_id).where(ua.c.agent_id == x))
        case Relation.SCHOOL_USERS:
            members = sa.select(ur.c.user_id).where(ur.c.org_id == x)
            if types:
                members = members.where(ur.c.role.in_(sorted(types)))
            return t.users.c.sourced_id.in_(members)
        case Relation.SCHOOL_CLASSES:
            return t.classes.c.school_id == x
        case Relation.SCHOOL_ENROLLMENTS:
            return e.c.school_id == x
        case Relation.SCHOOL_COURSES:
            return t.courses.c.org_id == x
        case Relation.SCHOOL_SESSIONS:
            return t.academic_sessions.c.org_id == x
        case Relation.COURSE_CLASSES:
            return t.classes.c.course_id == x
        case Relation.TERM_CLASSES:
            ct = t.class_terms
            return t.classes.c.sourced_id.in_(sa.select(ct.c.class_id).where(ct.c.term_id == x))
        case Relation.SESSION_CHILDREN:
            return t.academic_sessions.c.parent_id == x
        case Relation.ORG_CHILDREN:
            return t.orgs.c.parent_id == x


class SqlRosterQueries(OnSession, RosterQueries):
    async def get(self, kind: EntityKind, sourced_id: str) -> RosterRecord | None:
        conn = await self._conn()
        table = table_of(kind)
        payload = (
            await conn.execute(sa.select(table.c.payload).where(table.c.sourced_id == sourced_id))
        ).scalar_one_or_none()
        return None if payload is None else record_from_payload(kind, payload)

    async def ids_modified_before(self, kind: EntityKind, moment: datetime) -> set[str]:
        conn = await self._conn()
        table = table_of(kind)
        modified = table.c.date_last_modified
        rows = await conn.execute(
            sa.select(table.c.sourced_id).where(sa.or_(modified < moment, modified.is_(None)))
        )
        return set(rows.scalars())

    async def query(self, q: RosterQuery) -> tuple[Sequence[RosterRecord], int]:
        rows, total = await self._page(q)
        records = []
        for digest, text in rows:
            record = _PARSED.get(q.kind, digest, text)
            if q.fields is not None:
                record = replace(record, payload=select(record.payload, q.fields))
            records.append(record)
        return records, total

    async def _page(self, q: RosterQuery) -> tuple[list[tuple[str, str]], int]:
        """The page's (payload hash, payload text) rows and the total matching count."""
        conn = await self._conn()
        table = table_of(q.kind)
        condition = query_condition(q)
        count = sa.select(sa.func.count()).select_from(table).where(condition)
        page = (
            sa.select(table.c.payload_hash, sa.cast(table.c.payload, sa.Text()))
            .where(condition)
            .order_by(*order_by(q.kind, q.sort, q.order))
            .limit(q.limit)
            .offset(q.offset)
        )
        # One round trip (each statement is a hop to the driver's thread on aiosqlite): the count
        # rides along as an uncorrelated subquery, which both databases evaluate once. A scope
        # binds no id lists (its terms are subqueries), so repeating its condition costs nothing.
        rows = (await conn.execute(page.add_columns(count.correlate(None).scalar_subquery()))).all()
        if rows:
            return [(d, x) for d, x, _ in rows], int(rows[0][2])
        if q.offset == 0:
            return [], 0
        # past the last page: no row carries the count
        return [], int((await conn.execute(count)).scalar_one())
