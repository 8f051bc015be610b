"""Sync bookkeeping in the roster cache: per kind its watermark and checkpoint, and the runs
with each kind's progress (decision D17)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from adapters.db import roster_tables as t
from adapters.db.roster_session import OnSession, aware, dialect_insert
from domain.ports.roster_store import SyncBookkeeping
from domain.roster.entities import EntityKind
from domain.roster.sync import (
    EntityProgress,
    SyncCheckpoint,
    SyncKind,
    SyncRun,
    SyncStatus,
)


class SqlSyncBookkeeping(OnSession, SyncBookkeeping):
    async def _put(self, table: sa.Table, keys: list[str], values: dict[str, Any]) -> None:
        conn = await self._conn()
        stmt = dialect_insert(conn, table).values(values)
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
        return None if value is None else aware(value)

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
            updated_at=aware(row.updated_at),
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

    async def mark_run(
        self,
        run_id: str,
        *,
        status: SyncStatus,
        waiting_for: str | None = None,
        joined: str | None = None,
    ) -> None:
        conn = await self._conn()
        await conn.execute(
            sa.update(t.sync_runs)
            .where(t.sync_runs.c.id == run_id)
            .values(status=status.value, waiting_for=waiting_for, joined=joined)
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
                started_at=aware(row.started_at),
                finished_at=aware(row.finished_at) if row.finished_at else None,
                error=row.error,
                entities=tuple(progress[row.id]),
                waiting_for=row.waiting_for,
                joined=row.joined,
            )
            for row in rows
        ]
        return runs, int(total)
