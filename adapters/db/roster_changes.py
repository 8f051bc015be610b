"""The roster cache's change feed: appended in the transaction of the write it records, read by
cursor (``/v1/roster/changes``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.db import bulk
from adapters.db import roster_tables as t
from adapters.db.roster_session import OnSession, aware
from domain.ports.roster_store import RosterChangeFeed
from domain.roster.entities import EntityKind
from domain.roster.sync import Change, ChangeOp


async def append_changes(
    conn: AsyncConnection, kind: EntityKind, ids: list[str], op: ChangeOp, at: datetime
) -> None:
    await bulk.insert_many(
        conn,
        t.changes,
        [{"kind": kind.value, "sourced_id": i, "op": op.value, "at": at} for i in ids],
    )


class SqlRosterChangeFeed(OnSession, RosterChangeFeed):
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
                at=aware(row.at),
            )
            for row in rows
        ]
        return changes, changes[-1].cursor if changes else cursor
