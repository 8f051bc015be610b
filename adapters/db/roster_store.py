"""The roster cache on SQL: batched upserts with ``INSERT ... ON CONFLICT DO UPDATE``, queries
compiled from the OneRoster query language, sync bookkeeping and the change feed.

Works on the unit of work's session (its connection and transaction) and never commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

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


def payload_hash(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _row(record: RosterRecord) -> dict[str, Any]:
    row: dict[str, Any] = {
        "sourced_id": record.sourced_id,
        "status": record.status,
        "date_last_modified": record.date_last_modified,
        "payload": dict(record.payload),
        "payload_hash": payload_hash(record.payload),
    }
    specs = FILTERABLE[record.kind]
    for name, col in COLUMNS[record.kind].items():
        if col not in row:
            row[col] = specs[name].value(record.payload)
    return row


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
        for chunk in _chunks(records, BATCH):
            latest = {r.sourced_id: r for r in chunk}  # the last word on an id within a batch
            live = [r for r in latest.values() if not r.deleted]
            gone = [r.sourced_id for r in latest.values() if r.deleted]
            if live:
                changed += await self._upsert_chunk(kind, live)
            if gone:
                changed += await self.delete_many(kind, gone)
        return changed

    async def _upsert_chunk(self, kind: EntityKind, records: list[RosterRecord]) -> int:
        conn = await self._conn()
        table = table_of(kind)
        # One cached statement run as an executemany: SQLAlchemy's "insertmanyvalues" sends it as
        # multi-row INSERTs and still hands back RETURNING, i.e. the rows really inserted or changed.
        stmt = self._insert(conn, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.sourced_id],
            set_={c.name: stmt.excluded[c.name] for c in table.c if c.name != "sourced_id"},
            where=table.c.payload_hash != stmt.excluded.payload_hash,
        ).returning(table.c.sourced_id)
        ids = set((await conn.execute(stmt, [_row(r) for r in records])).scalars().all())
        if not ids:
            return 0
        touched = [r for r in records if r.sourced_id in ids]
        await self._replace_links(conn, kind, touched)
        await self._append_changes(conn, kind, [r.sourced_id for r in touched], ChangeOp.UPSERT)
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
            if roles:
                await conn.execute(sa.insert(t.user_roles), roles)
            if agents:
                await conn.execute(sa.insert(t.user_agents), agents)
        elif kind is EntityKind.CLASSES:
            await self._drop_links(conn, kind, ids)
            terms = [{"class_id": r.sourced_id, "term_id": x} for r in records for x in r.term_ids]
            if terms:
                await conn.execute(sa.insert(t.class_terms), terms)

    async def _drop_links(self, conn: AsyncConnection, kind: EntityKind, ids: list[str]) -> None:
        if kind is EntityKind.USERS:
            await conn.execute(sa.delete(t.user_roles).where(t.user_roles.c.user_id.in_(ids)))
            await conn.execute(sa.delete(t.user_agents).where(t.user_agents.c.user_id.in_(ids)))
        elif kind is EntityKind.CLASSES:
            await conn.execute(sa.delete(t.class_terms).where(t.class_terms.c.class_id.in_(ids)))

    async def _append_changes(
        self, conn: AsyncConnection, kind: EntityKind, ids: list[str], op: ChangeOp
    ) -> None:
        at = self._now()
        await conn.execute(
            sa.insert(t.changes),
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

    async def count(self, kind: EntityKind) -> int:
        conn = await self._conn()
        return int(
            (
                await conn.execute(sa.select(sa.func.count()).select_from(table_of(kind)))
            ).scalar_one()
        )

    async def query(self, q: RosterQuery) -> tuple[Sequence[RosterRecord], int]:
        conn = await self._conn()
        table = table_of(q.kind)
        conditions = [self._scope(q.kind, q.scope)]
        if q.types:
            conditions.append(self._types(q.kind, q.types))
        if q.related is not None:
            conditions.append(self._related(q.related, q.types))
        if q.filter is not None:
            conditions.append(compile_filter(q.kind, q.filter))
        if q.search:
            conditions.append(compile_search(q.kind, q.search))
        where = sa.and_(sa.true(), *conditions)
        total = (
            await conn.execute(sa.select(sa.func.count()).select_from(table).where(where))
        ).scalar_one()
        rows = await conn.execute(
            sa.select(table.c.payload)
            .where(where)
            .order_by(*order_by(q.kind, q.sort, q.order))
            .limit(q.limit)
            .offset(q.offset)
        )
        records = []
        for payload in rows.scalars():
            record = record_from_payload(q.kind, payload)
            if q.fields is not None:
                record = replace(record, payload=select(payload, q.fields))
            records.append(record)
        return records, int(total)

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
                if orgs:
                    allowed.append(table.c.org_id.in_(orgs))
                if classes:
                    taken = sa.select(t.classes.c.course_id).where(
                        t.classes.c.sourced_id.in_(classes)
                    )
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

    # --- relations --------------------------------------------------------------------------------

    async def _ids(self, stmt: sa.Select[Any]) -> frozenset[str]:
        conn = await self._conn()
        return frozenset(i for i in (await conn.execute(stmt)).scalars().all() if i is not None)

    async def classes_of_user(
        self, user_id: str, *, roles: Iterable[str] | None = None
    ) -> frozenset[str]:
        e = t.enrollments
        stmt = sa.select(e.c.class_id).where(e.c.user_id == user_id)
        if roles is not None:
            stmt = stmt.where(e.c.role.in_(list(roles)))
        return await self._ids(stmt)

    async def _members(self, class_ids: Iterable[str], role: str) -> frozenset[str]:
        e = t.enrollments
        ids = list(class_ids)
        if not ids:
            return frozenset()
        return await self._ids(
            sa.select(e.c.user_id).where(e.c.class_id.in_(ids), e.c.role == role)
        )

    async def students_of_class(self, class_id: str) -> frozenset[str]:
        return await self._members([class_id], "student")

    async def teachers_of_class(self, class_id: str) -> frozenset[str]:
        return await self._members([class_id], "teacher")

    async def students_of_classes(self, class_ids: Iterable[str]) -> frozenset[str]:
        return await self._members(class_ids, "student")

    async def agents_of(self, user_id: str) -> frozenset[str]:
        ua = t.user_agents
        return await self._ids(sa.select(ua.c.agent_id).where(ua.c.user_id == user_id))

    async def agent_for(self, user_id: str) -> frozenset[str]:
        ua = t.user_agents
        return await self._ids(sa.select(ua.c.user_id).where(ua.c.agent_id == user_id))

    async def classes_of_school(self, org_id: str) -> frozenset[str]:
        c = t.classes
        return await self._ids(sa.select(c.c.sourced_id).where(c.c.school_id == org_id))

    async def orgs_of_user(self, user_id: str) -> frozenset[str]:
        ur = t.user_roles
        return await self._ids(sa.select(ur.c.org_id).where(ur.c.user_id == user_id))

    async def orgs_of_class(self, class_id: str) -> frozenset[str]:
        c = t.classes
        return await self._ids(sa.select(c.c.school_id).where(c.c.sourced_id == class_id))

    async def org_subtree(self, org_ids: Iterable[str]) -> frozenset[str]:
        found = set(org_ids)
        frontier = set(found)
        while frontier:
            children: set[str] = set()
            for chunk in _chunks(sorted(frontier), BATCH):
                children |= await self._ids(
                    sa.select(t.orgs.c.sourced_id).where(t.orgs.c.parent_id.in_(chunk))
                )
            frontier = children - found
            found |= frontier
        return frozenset(found)

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
