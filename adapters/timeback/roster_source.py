"""The roster source: TimeBack's OneRoster lists, read page by page (concurrently once the total is
known), as domain records."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from datetime import datetime

from adapters.timeback.oneroster import OneRosterClient
from domain.ports.roster_source import RosterSource, SourcePage
from domain.roster.entities import EntityKind, RosterRecord
from domain.roster.filters import Comparison, Op, format_filter
from domain.roster.refs import record_from_upstream

#: Sorted by sourcedId so an interrupted read resumes at the same place.
STABLE_SORT = "sourcedId"
#: ids asked for in one filter (``sourcedId@'a,b,...'``): a URL stays far below common limits
PRESENT_CHUNK = 50


class TimebackRosterSource(RosterSource):
    def __init__(
        self, client: OneRosterClient, *, page_size: int = 1000, concurrency: int = 4
    ) -> None:
        self._client = client
        self._page_size = page_size
        self._concurrency = concurrency

    async def pages(
        self, kind: EntityKind, *, since: datetime | None, offset: int
    ) -> AsyncIterator[SourcePage]:
        query: dict[str, str] = {"sort": STABLE_SORT, "order_by": "asc"}
        if since is not None:
            stamp = since.isoformat().replace("+00:00", "Z")
            query["filter"] = format_filter(Comparison("dateLastModified", Op.GE, stamp))
        stream = self._client.stream_concurrent(
            kind.value,
            concurrency=self._concurrency,
            page_size=self._page_size,
            offset=offset,
            **query,
        )
        async with aclosing(stream) as pages:
            async for page in pages:
                yield SourcePage(
                    records=[record_from_upstream(kind, item) for item in page.items],
                    offset=page.offset,
                    total=page.total,
                    page_size=self._page_size,
                )

    async def present(self, kind: EntityKind, sourced_ids: Sequence[str]) -> Sequence[RosterRecord]:
        found: list[RosterRecord] = []
        ids = sorted(set(sourced_ids))
        for start in range(0, len(ids), PRESENT_CHUNK):
            chunk = ids[start : start + PRESENT_CHUNK]
            wanted = format_filter(Comparison("sourcedId", Op.IN, ",".join(chunk)))
            stream = self._client.stream_concurrent(
                kind.value,
                concurrency=1,
                page_size=self._page_size,
                offset=0,
                sort=STABLE_SORT,
                order_by="asc",
                filter=wanted,
            )
            async with aclosing(stream) as pages:
                async for page in pages:
                    found.extend(record_from_upstream(kind, item) for item in page.items)
        return found
