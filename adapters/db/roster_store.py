"""The roster cache on SQL: batched upserts with ``INSERT ... ON CONFLICT DO UPDATE``, queries
compiled from the OneRoster query language, sync bookkeeping and the change feed.

Works on the unit of work's session (its connection and transaction) and never commits.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.db import bulk
from adapters.db import roster_tables as t
from adapters.db.filter_sql import COLUMNS, compile_filter, compile_search, order_by, table_of
from domain.policy import Scope
from domain.ports.roster_store import RosterStore
from domain.roster.entities import EntityKind, RosterRecord, record_from_payload
from domain.roster.fields import FILTERABLE, select
from domain.roster.query import Related, Relation, RosterQuery
from domain.roster.sync import (
    Change,
    ChangeOp,
    EntityProgress,
    SyncCheckpoint,
    SyncKind,
    SyncRun,
    SyncStatus,
)

#: rows per statement: ~20 columns x 500 stays far below SQLite's and asyncpg's parameter limits
BATCH = 500
_T = TypeVar("_T")


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _json_default(value: Any) -> Any:
    # a payload is JSON from TimeBack, or a Mapping built by a write; anything else as text
    return dict(value) if isinstance(value, Mapping) else str(value)


def payload_bytes(payload: Any) -> bytes:
    """The payload as stored (compact UTF-8 JSON, keys in the order given): serialised once, and
    those bytes are also what is hashed."""
    try:
        return orjson.dumps(payload, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # orjson refuses integers past 64 bits; JSON (and TimeBack) have no such limit, and a
        # record upstream holds must never fail to be cached. Same format, slower encoder.
        return json.dumps(
            payload, default=_json_default, ensure_ascii=False, separators=(",", ":")
        ).encode()


def payload_text(payload: Any) -> str:
    return payload_bytes(payload).decode()


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


@functools.cache
def _stored_hashes(table: sa.Table) -> sa.Select[Any]:
    """Built once per table (an expanding ``IN``): building the clause per 500-row batch was a
    measurable share of a sync's CPU."""
    return sa.select(table.c.sourced_id, table.c.payload_hash).where(
        table.c.sourced_id.in_(sa.bindparam("ids", expanding=True))
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class SqlRosterStore(RosterStore):
    def __init__(self, session: AsyncSession, *, now: Callable[[], datetime] | None = None) -> None:
        self._session = session
        self._now = now or (lambda: datetime.now(UTC))

    async def _conn(self) -> AsyncConnection:
        return await self._session.connection()

    def _insert(self, conn: AsyncConnection, table: sa.Table) -> Any:
        if conn.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    # --- entities ---------------------------------------------------------------------------------

    async def upsert_many(self, kind: EntityKind, records: Iterable[RosterRecord]) -> int:
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
        found = await conn.execute(_stored_hashes(table), {"ids": [r.sourced_id for r in records]})
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
            f"upsert:{table.name}", conn.dialect, lambda: self._upsert_stmt(conn, table)
        )
        await upsert.executemany(conn, rows)
        # Links are dropped for every row written, not only for those seen stored above: a
        # concurrent sync may have committed the same new row (and its links) since.
        await self._replace_links(conn, kind, touched)
        await self._append_changes(conn, kind, [r.sourced_id for r in touched], ChangeOp.UPSERT)
        return len(touched)

    def _upsert_stmt(self, conn: AsyncConnection, table: sa.Table) -> sa.Executable:
        # The payload arrives already serialised (see _row), so it is bound as text, not as JSON.
        # The hash condition keeps a row another transaction wrote meanwhile with the same content
        # from being rewritten.
        text: Any = sa.bindparam("payload_text", type_=sa.Text())
        if conn.dialect.name == "postgresql":
            text = sa.cast(text, table.c.payload.type)
        values: dict[str, Any] = {
            c.name: sa.bindparam(c.name, type_=c.type) for c in table.c if c.name != "payload"
        }
        stmt = self._insert(conn, table).values(**values, payload=text)
        upsert: sa.Executable = stmt.on_conflict_do_update(
            index_elements=[table.c.sourced_id],
            set_={c.name: stmt.excluded[c.name] for c in table.c if c.name != "sourced_id"},
            where=table.c.payload_hash != stmt.excluded.payload_hash,
        )
        return upsert

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
            await self._insert_rows(conn, t.user_roles, roles)
            await self._insert_rows(conn, t.user_agents, agents)
        elif kind is EntityKind.CLASSES:
            await self._drop_links(conn, kind, ids)
            terms = [{"class_id": r.sourced_id, "term_id": x} for r in records for x in r.term_ids]
            await self._insert_rows(conn, t.class_terms, terms)

    async def _drop_links(self, conn: AsyncConnection, kind: EntityKind, ids: list[str]) -> None:
        if not ids:
            return
        if kind is EntityKind.USERS:
            await conn.execute(sa.delete(t.user_roles).where(t.user_roles.c.user_id.in_(ids)))
            await conn.execute(sa.delete(t.user_agents).where(t.user_agents.c.user_id.in_(ids)))
        elif kind is EntityKind.CLASSES:
            await conn.execute(sa.delete(t.class_terms).where(t.class_terms.c.class_id.in_(ids)))

    async def _insert_rows(
        self, conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]
    ) -> None:
        if rows:
            insert = bulk.cached(
                f"insert:{table.name}:{','.join(rows[0])}",
                conn.dialect,
                lambda: sa.insert(table).values(
                    {k: sa.bindparam(k, type_=table.c[k].type) for k in rows[0]}
                ),
            )
            await insert.executemany(conn, rows)

    async def _append_changes(
        self, conn: AsyncConnection, kind: EntityKind, ids: list[str], op: ChangeOp
    ) -> None:
        at = self._now()
        await self._insert_rows(
            conn,
            t.changes,
            [{"kind": kind.value, "sourced_id": i, "op": op.value, "at": at} for i in ids],
        )

    async def delete_many(self, kind: EntityKind, sourced_ids: Iterable[str]) -> int:
        conn = await self._conn()
        table = table_of(kind)
        deleted = 0
        for chunk in _chunks(dict.fromkeys(sourced_ids), BATCH):
            result = await conn.execute(
                sa.delete(table).where(table.c.sourced_id.in_(chunk)).returning(table.c.sourced_id)
            )
            gone = set(result.scalars().all())
            if gone:
                ordered = [i for i in chunk if i in gone]
                await self._drop_links(conn, kind, ordered)
                await self._append_changes(conn, kind, ordered, ChangeOp.DELETE)
                deleted += len(gone)
        return deleted

    async def get(self, kind: EntityKind, sourced_id: str) -> RosterRecord | None:
        conn = await self._conn()
        table = table_of(kind)
        payload = (
            await conn.execute(sa.select(table.c.payload).where(table.c.sourced_id == sourced_id))
        ).scalar_one_or_none()
        return None if payload is None else record_from_payload(kind, payload)

    async def query(self, q: RosterQuery) -> tuple[Sequence[RosterRecord], int]:
        rows, total = await self._page(q)
        records = []
        for digest, text in rows:
            record = _PARSED.get(q.kind, digest, text)
            if q.fields is not None:
                record = replace(record, payload=select(record.payload, q.fields))
            records.append(record)
        return records, total

    async def query_json(self, q: RosterQuery) -> tuple[Sequence[str], int]:
        rows, total = await self._page(q)
        if q.fields is None:
            # The stored text is the payload as ``payload_text`` wrote it: served without parsing.
            return [text for _, text in rows], total
        return [
            payload_text(select(_PARSED.get(q.kind, digest, text).payload, q.fields))
            for digest, text in rows
        ], total

    def _where(self, q: RosterQuery) -> ColumnElement[bool]:
        conditions = [self._scope(q.kind, q.scope)]
        if q.types:
            conditions.append(self._types(q.kind, q.types))
        if q.related is not None:
            conditions.append(self._related(q.related, q.types))
        if q.filter is not None:
            conditions.append(compile_filter(q.kind, q.filter))
        if q.search:
            conditions.append(compile_search(q.kind, q.search))
        return sa.and_(sa.true(), *conditions)

    async def _page(self, q: RosterQuery) -> tuple[list[tuple[str, str]], int]:
        """The page's (payload hash, payload text) rows and the total matching count."""
        conn = await self._conn()
        table = table_of(q.kind)
        where = self._where(q)
        count = sa.select(sa.func.count()).select_from(table).where(where)
        page = (
            sa.select(table.c.payload_hash, sa.cast(table.c.payload, sa.Text()))
            .where(where)
            .order_by(*order_by(q.kind, q.sort, q.order))
            .limit(q.limit)
            .offset(q.offset)
        )
        if not q.scope.everything:
            # A narrow scope binds its id lists (thousands, for a school) into the WHERE; two
            # statements bind them once each, where one statement would bind them twice.
            total = (await conn.execute(count)).scalar_one()
            return [(d, x) for d, x in await conn.execute(page)], int(total)
        # One round trip (each statement is a hop to the driver's thread on aiosqlite): the count
        # rides along as an uncorrelated subquery, which both databases evaluate once.
        rows = (await conn.execute(page.add_columns(count.correlate(None).scalar_subquery()))).all()
        if rows:
            return [(d, x) for d, x, _ in rows], int(rows[0][2])
        if q.offset == 0:
            return [], 0
        # past the last page: no row carries the count
        return [], int((await conn.execute(count)).scalar_one())

    def _scope(self, kind: EntityKind, scope: Scope) -> ColumnElement[bool]:
        """What ``scope`` may see of a kind (see the port's docs and ``domain.policy``)."""
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
                    allowed.append(
                        sa.and_(table.c.class_id.in_(classes), table.c.user_id.in_(people))
                    )
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

    def _types(self, kind: EntityKind, types: frozenset[str]) -> ColumnElement[bool]:
        table = table_of(kind)
        match kind:
            case EntityKind.ORGS | EntityKind.ACADEMIC_SESSIONS:
                return table.c.type.in_(sorted(types))
            case EntityKind.USERS | EntityKind.ENROLLMENTS:
                return table.c.role.in_(sorted(types))
        return sa.true()

    def _related(self, related: Related, types: frozenset[str]) -> ColumnElement[bool]:
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

    # --- sync bookkeeping -------------------------------------------------------------------------

    async def _put(self, table: sa.Table, keys: list[str], values: dict[str, Any]) -> None:
        conn = await self._conn()
        stmt = self._insert(conn, table).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={k: v for k, v in values.items() if k not in keys},
        )
        await conn.execute(stmt)

    async def watermark(self, entity: EntityKind) -> datetime | None:
        conn = await self._conn()
        w = t.sync_watermarks
        value = (
            await conn.execute(sa.select(w.c.watermark).where(w.c.entity == entity.value))
        ).scalar_one_or_none()
        return None if value is None else _aware(value)

    async def set_watermark(self, entity: EntityKind, value: datetime) -> None:
        await self._put(t.sync_watermarks, ["entity"], {"entity": entity.value, "watermark": value})

    async def checkpoint(self, entity: EntityKind) -> SyncCheckpoint | None:
        conn = await self._conn()
        c = t.sync_checkpoints
        row = (await conn.execute(sa.select(c).where(c.c.entity == entity.value))).first()
        if row is None:
            return None
        return SyncCheckpoint(
            entity=entity,
            run_id=row.run_id,
            next_offset=row.next_offset,
            updated_at=_aware(row.updated_at),
        )

    async def save_checkpoint(self, checkpoint: SyncCheckpoint) -> None:
        await self._put(
            t.sync_checkpoints,
            ["entity"],
            {
                "entity": checkpoint.entity.value,
                "run_id": checkpoint.run_id,
                "next_offset": checkpoint.next_offset,
                "updated_at": checkpoint.updated_at,
            },
        )

    async def clear_checkpoint(self, entity: EntityKind) -> None:
        conn = await self._conn()
        c = t.sync_checkpoints
        await conn.execute(sa.delete(c).where(c.c.entity == entity.value))

    async def add_run(self, run: SyncRun) -> None:
        conn = await self._conn()
        await conn.execute(
            sa.insert(t.sync_runs).values(
                id=run.id,
                kind=run.kind.value,
                status=run.status.value,
                started_at=run.started_at,
                finished_at=run.finished_at,
                error=run.error[:2000] if run.error else None,
            )
        )
        for progress in run.entities:
            await self.update_progress(run.id, progress)

    async def update_progress(self, run_id: str, progress: EntityProgress) -> None:
        await self._put(
            t.sync_progress,
            ["run_id", "entity"],
            {
                "run_id": run_id,
                "entity": progress.entity.value,
                "status": progress.status.value,
                "pages_done": progress.pages_done,
                "pages_total": progress.pages_total,
                "rows": progress.rows,
                "errors": progress.errors,
            },
        )

    async def finish_run(
        self, run_id: str, *, status: SyncStatus, finished_at: datetime, error: str | None = None
    ) -> None:
        conn = await self._conn()
        await conn.execute(
            sa.update(t.sync_runs)
            .where(t.sync_runs.c.id == run_id)
            .values(
                status=status.value,
                finished_at=finished_at,
                error=error[:2000] if error else None,
            )
        )

    async def get_run(self, run_id: str) -> SyncRun | None:
        runs, _ = await self._runs(t.sync_runs.c.id == run_id, limit=1, offset=0)
        return runs[0] if runs else None

    async def list_runs(
        self, *, status: SyncStatus | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[Sequence[SyncRun], int]:
        where = sa.true() if status is None else t.sync_runs.c.status == status.value
        return await self._runs(where, limit=limit, offset=offset)

    async def _runs(
        self, where: ColumnElement[bool], *, limit: int, offset: int
    ) -> tuple[list[SyncRun], int]:
        conn = await self._conn()
        r, p = t.sync_runs, t.sync_progress
        total = (
            await conn.execute(sa.select(sa.func.count()).select_from(r).where(where))
        ).scalar_one()
        rows = (
            await conn.execute(
                sa.select(r)
                .where(where)
                .order_by(r.c.started_at.desc(), r.c.id.desc())
                .limit(limit)
                .offset(offset)
            )
        ).all()
        ids = [row.id for row in rows]
        progress: dict[str, list[EntityProgress]] = {i: [] for i in ids}
        if ids:
            for row in await conn.execute(
                sa.select(p).where(p.c.run_id.in_(ids)).order_by(p.c.run_id, p.c.entity)
            ):
                progress[row.run_id].append(
                    EntityProgress(
                        entity=EntityKind(row.entity),
                        status=SyncStatus(row.status),
                        pages_done=row.pages_done,
                        pages_total=row.pages_total,
                        rows=row.rows,
                        errors=row.errors,
                    )
                )
        runs = [
            SyncRun(
                id=row.id,
                kind=SyncKind(row.kind),
                status=SyncStatus(row.status),
                started_at=_aware(row.started_at),
                finished_at=_aware(row.finished_at) if row.finished_at else None,
                error=row.error,
                entities=tuple(progress[row.id]),
            )
            for row in rows
        ]
        return runs, int(total)

    # --- change feed ------------------------------------------------------------------------------

    async def changes_since(self, cursor: int, limit: int = 500) -> tuple[Sequence[Change], int]:
        conn = await self._conn()
        c = t.changes
        rows = (
            await conn.execute(
                sa.select(c).where(c.c.id > cursor).order_by(c.c.id).limit(max(1, limit))
            )
        ).all()
        changes = [
            Change(
                cursor=row.id,
                kind=EntityKind(row.kind),
                sourced_id=row.sourced_id,
                op=ChangeOp(row.op),
                at=_aware(row.at),
            )
            for row in rows
        ]
        return changes, changes[-1].cursor if changes else cursor
