"""Writes to the roster cache: batched upserts that skip unchanged rows by payload hash, deletes,
the link tables (roles, agents, class terms) rewritten with their rows, and a change-feed entry
for every row that changed, all in the unit of work's transaction (decisions D16, D23)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.db import bulk
from adapters.db import roster_tables as t
from adapters.db.filter_sql import COLUMNS, table_of
from adapters.db.roster_changes import append_changes
from adapters.db.roster_payloads import payload_bytes
from adapters.db.roster_session import OnSession, dialect_insert
from domain.ports.roster_store import RosterUpserts
from domain.roster.entities import EntityKind, RosterRecord
from domain.roster.fields import FILTERABLE
from domain.roster.sync import ChangeOp

#: rows per statement: ~20 columns x 500 stays far below SQLite's and asyncpg's parameter limits
BATCH = 500
_T = TypeVar("_T")


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


#: per kind, the typed columns and how each is read from a payload
_EXTRACTORS: dict[EntityKind, tuple[tuple[str, Callable[[Any], Any]], ...]] = {
    kind: tuple(
        (col, FILTERABLE[kind][name].value)
        for name, col in COLUMNS[kind].items()
        if col not in ("sourced_id", "status", "date_last_modified")
    )
    for kind in EntityKind
}


def _row(record: RosterRecord, raw: bytes, digest: str) -> dict[str, Any]:
    """The row of a record whose payload serialises to ``raw`` with hash ``digest``."""
    row: dict[str, Any] = {
        "sourced_id": record.sourced_id,
        "status": record.status,
        "date_last_modified": record.date_last_modified,
        "payload_text": raw.decode(),
        "payload_hash": digest,
    }
    payload = record.payload
    for col, value in _EXTRACTORS[record.kind]:
        row[col] = value(payload)
    return row


def _among(column: sa.Column[Any], dialect: str) -> sa.ColumnElement[bool]:
    """``column`` is one of the ``ids`` parameter. On PostgreSQL one array parameter
    (``= ANY($1::VARCHAR[])``): a single prepared statement whatever the batch's length, where an
    ``IN`` list of n parameters is a statement (and a plan) per n; elsewhere an expanding ``IN``."""
    if dialect == "postgresql":
        ids = sa.bindparam("ids", type_=postgresql.ARRAY(sa.String()))
        return column == sa.any_(ids)
    return column.in_(sa.bindparam("ids", expanding=True))


@functools.cache
def _stored_hashes(table: sa.Table, dialect: str) -> sa.Select[Any]:
    """Built once per table: building the clause per 500-row batch was a measurable share of a
    sync's CPU."""
    return sa.select(table.c.sourced_id, table.c.payload_hash).where(
        _among(table.c.sourced_id, dialect)
    )


@functools.cache
def _delete_where(table: sa.Table, column: str, dialect: str) -> sa.Delete:
    return sa.delete(table).where(_among(table.c[column], dialect))


async def _plan_each_execution(conn: AsyncConnection) -> None:
    """PostgreSQL: plan this transaction's statements for each execution, with the table's size
    at that moment (decision D51). asyncpg prepares every statement; after five executions the
    server may keep a generic plan, and one made while a first sync's tables were nearly empty
    is a sequential scan that the growing table then pays for batch after batch: on a 100k-user
    sync each id lookup ended up scanning the whole table (issue 14). Planning a lookup by primary
    key costs ~0.1 ms."""
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


class SqlRosterUpserts(OnSession, RosterUpserts):
    async def upsert_many(self, kind: EntityKind, records: Iterable[RosterRecord]) -> int:
        await _plan_each_execution(await self._conn())
        changed = 0
        for chunk in _chunks(records, BATCH):  # bounded memory, however many records come
            latest = {r.sourced_id: r for r in chunk}  # the last word on an id within a batch
            live = [r for r in latest.values() if not r.deleted]
            gone = [r.sourced_id for r in latest.values() if r.deleted]
            if live:
                changed += await self._upsert(kind, live)
            if gone:
                changed += await self.delete_many(kind, gone)
        return changed

    async def _upsert(self, kind: EntityKind, records: list[RosterRecord]) -> int:
        """Only rows that are new or whose content hash differs are written, each table in one
        driver-level executemany (see ``adapters.db.bulk``): on a full sync into an empty cache
        that is every row; on a repeated one, almost none."""
        conn = await self._conn()
        table = table_of(kind)
        found = await conn.execute(
            _stored_hashes(table, conn.dialect.name), {"ids": [r.sourced_id for r in records]}
        )
        stored: dict[str, str] = dict(found.all())
        rows: list[dict[str, Any]] = []
        touched: list[RosterRecord] = []
        for record in records:
            raw = payload_bytes(record.payload)
            # the key order TimeBack sent: a reordering upstream costs one redundant update, where
            # a canonical (sorted) hash would cost a second serialisation of every row of every sync
            digest = hashlib.sha256(raw).hexdigest()
            if stored.get(record.sourced_id) != digest:  # typed columns only for rows written
                rows.append(_row(record, raw, digest))
                touched.append(record)
        if not rows:
            return 0
        upsert = bulk.cached(
            f"upsert:{table.name}", conn.dialect, lambda: _upsert_stmt(conn, table)
        )
        await upsert.executemany(conn, rows)
        # Links are dropped for every row written, not only for those seen stored above: a
        # concurrent sync may have committed the same new row (and its links) since.
        await self._replace_links(conn, kind, touched)
        ids = [r.sourced_id for r in touched]
        await append_changes(conn, kind, ids, ChangeOp.UPSERT, self._now())
        return len(touched)

    async def _replace_links(
        self, conn: AsyncConnection, kind: EntityKind, records: list[RosterRecord]
    ) -> None:
        ids = [r.sourced_id for r in records]
        if kind is EntityKind.USERS:
            await self._drop_links(conn, kind, ids)
            roles = [
                {
                    "user_id": r.sourced_id,
                    "org_id": x.org_id,
                    "role": x.role,
                    "role_type": x.role_type,
                }
                for r in records
                for x in {(x.org_id, x.role): x for x in r.roles}.values()  # one row per key
            ]
            agents = [
                {"user_id": r.sourced_id, "agent_id": a} for r in records for a in r.agent_ids
            ]
            await bulk.insert_many(conn, t.user_roles, roles)
            await bulk.insert_many(conn, t.user_agents, agents)
        elif kind is EntityKind.CLASSES:
            await self._drop_links(conn, kind, ids)
            terms = [{"class_id": r.sourced_id, "term_id": x} for r in records for x in r.term_ids]
            await bulk.insert_many(conn, t.class_terms, terms)

    async def _drop_links(self, conn: AsyncConnection, kind: EntityKind, ids: list[str]) -> None:
        if not ids:
            return
        dialect = conn.dialect.name
        if kind is EntityKind.USERS:
            await conn.execute(_delete_where(t.user_roles, "user_id", dialect), {"ids": ids})
            await conn.execute(_delete_where(t.user_agents, "user_id", dialect), {"ids": ids})
        elif kind is EntityKind.CLASSES:
            await conn.execute(_delete_where(t.class_terms, "class_id", dialect), {"ids": ids})

    async def delete_many(self, kind: EntityKind, sourced_ids: Iterable[str]) -> int:
        conn = await self._conn()
        await _plan_each_execution(conn)
        table = table_of(kind)
        deleted = 0
        for chunk in _chunks(dict.fromkeys(sourced_ids), BATCH):
            result = await conn.execute(
                _delete_where(table, "sourced_id", conn.dialect.name).returning(table.c.sourced_id),
                {"ids": chunk},
            )
            gone = set(result.scalars().all())
            if gone:
                ordered = [i for i in chunk if i in gone]
                await self._drop_links(conn, kind, ordered)
                await append_changes(conn, kind, ordered, ChangeOp.DELETE, self._now())
                deleted += len(gone)
        return deleted


def _upsert_stmt(conn: AsyncConnection, table: sa.Table) -> sa.Executable | bulk.ArrayInsert:
    # The payload arrives already serialised (see _row), so it is bound as text, not as JSON.
    # The hash condition keeps a row another transaction wrote meanwhile with the same content
    # from being rewritten.
    if conn.dialect.name == "postgresql":
        columns = [(c.name, "payload_text" if c.name == "payload" else c.name) for c in table.c]
        return bulk.array_insert(table, columns, conn.dialect, upsert_on="sourced_id")
    values: dict[str, Any] = {
        c.name: sa.bindparam(c.name, type_=c.type) for c in table.c if c.name != "payload"
    }
    stmt = dialect_insert(conn, table).values(
        **values, payload=sa.bindparam("payload_text", type_=sa.Text())
    )
    upsert: sa.Executable = stmt.on_conflict_do_update(
        index_elements=[table.c.sourced_id],
        set_={c.name: stmt.excluded[c.name] for c in table.c if c.name != "sourced_id"},
        where=table.c.payload_hash != stmt.excluded.payload_hash,
    )
    return upsert
