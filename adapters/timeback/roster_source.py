"""The roster source: TimeBack's OneRoster lists, read page by page (concurrently once the total is
known), as domain records."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from datetime import datetime

from adapters.timeback.oneroster import RESOURCES, OneRosterClient
from domain.ports.roster_source import RosterSource, SourcePage
from domain.roster.entities import EntityKind, RosterRecord
from domain.roster.filters import Comparison, Op, format_filter
from domain.roster.refs import record_from_upstream

#: Sorted by sourcedId so an interrupted read resumes at the same place.
STABLE_SORT = "sourcedId"
#: ids asked for in one filter (``sourcedId@'a,b,...'``): a URL stays far below common limits
PRESENT_CHUNK = 50
#: where a kind is listed, when not at its own name on the rostering service
PATHS: dict[EntityKind, str] = {
    EntityKind.COURSE_COMPONENTS: "courses/components",
    EntityKind.COMPONENT_RESOURCES: "courses/component-resources",
}


class TimebackRosterSource(RosterSource):
    def __init__(
        self,
        client: OneRosterClient,
        *,
        page_size: int = 1000,
        concurrency: int = 4,
        resources: OneRosterClient | None = None,
    ) -> None:
        """``client`` is the rostering service's; ``resources`` the resources service's (by
        default on the same host and token as ``client``, as TimeBack serves both)."""
        self._client = client
        self._resources = resources or OneRosterClient(client.http, RESOURCES, retry=client.retry)
        self._page_size = page_size
        self._concurrency = concurrency

    def _listing(self, kind: EntityKind) -> tuple[OneRosterClient, str]:
        if kind is EntityKind.RESOURCES:
            return self._resources, "resources"
        return self._client, PATHS.get(kind, kind.value)

    async def pages(
        self, kind: EntityKind, *, since: datetime | None, offset: int
    ) -> AsyncIterator[SourcePage]:
        query: dict[str, str] = {"sort": STABLE_SORT, "order_by": "asc"}
        if since is not None:
            stamp = since.isoformat().replace("+00:00", "Z")
            query["filter"] = format_filter(Comparison("dateLastModified", Op.GE, stamp))
        client, path = self._listing(kind)
        stream = client.stream_concurrent(
            path,
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
        client, path = self._listing(kind)
        for start in range(0, len(ids), PRESENT_CHUNK):
            chunk = ids[start : start + PRESENT_CHUNK]
            wanted = format_filter(Comparison("sourcedId", Op.IN, ",".join(chunk)))
            stream = client.stream_concurrent(
                path,
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
