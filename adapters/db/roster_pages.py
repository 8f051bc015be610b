"""Cached roster pages on the read engine (``adapters.db.read_engine``): one statement a page,
carrying its count and the cache's version, outside any unit of work."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from adapters.db import roster_tables as t
from adapters.db.filter_sql import order_by, table_of
from adapters.db.read_engine import ReadEngine
from adapters.db.roster_payloads import payload_text
from adapters.db.roster_queries import parsed_record, query_condition
from domain.ports.roster_pages import JsonPage, RecordPage, RosterPages
from domain.roster.fields import select
from domain.roster.query import RosterQuery

#: The change feed's newest cursor: every change to any cached record appends to the feed.
VERSION = sa.select(sa.func.coalesce(sa.func.max(t.changes.c.id), 0)).scalar_subquery()
#: The same, alone, as SQL text for the driver (a revalidation runs only this statement, and
#: SQLAlchemy's execution machinery cost more than the query); it binds nothing but the literal 0.
READ_VERSION = str(sa.select(VERSION).compile(compile_kwargs={"literal_binds": True}))


class SqlRosterPages(RosterPages):
    def __init__(self, reads: ReadEngine) -> None:
        self._reads = reads

    async def version(self) -> int:
        return int(await self._reads.value(READ_VERSION))

    async def page_json(self, q: RosterQuery) -> JsonPage:
        rows, total, version = await self._page(q)
        if q.fields is None:
            # The stored text is the payload as ``payload_text`` wrote it: served without parsing.
            items = [text for _, text in rows]
        else:
            items = [
                payload_text(select(parsed_record(q.kind, digest, text).payload, q.fields))
                for digest, text in rows
            ]
        return JsonPage(items=items, total=total, version=version)

    async def page(self, q: RosterQuery) -> RecordPage:
        rows, total, version = await self._page(q)
        records = []
        for digest, text in rows:
            record = parsed_record(q.kind, digest, text)
            if q.fields is not None:
                record = replace(record, payload=select(record.payload, q.fields))
            records.append(record)
        return RecordPage(items=records, total=total, version=version)

    async def _page(self, q: RosterQuery) -> tuple[list[tuple[str, str]], int, int]:
        """The page's (payload hash, payload text) rows, the total matching and the version."""
        table = table_of(q.kind)
        condition = query_condition(q)
        count = sa.select(sa.func.count()).select_from(table).where(condition).scalar_subquery()
        statement = (
            sa.select(table.c.payload_hash, sa.cast(table.c.payload, sa.Text()), count, VERSION)
            .where(condition)
            .order_by(*order_by(q.kind, q.sort, q.order))
            .limit(q.limit)
            .offset(q.offset)
        )
        rows = await self._reads.rows(statement)
        if rows:
            return [(r[0], r[1]) for r in rows], int(rows[0][2]), int(rows[0][3])
        # Nothing matched, or the page is past the last: no row carries the count and version.
        found = await self._reads.rows(sa.select(count, VERSION))
        return [], int(found[0][0]), int(found[0][1])
