from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.roster.entities import EntityKind, RosterRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class SourcePage:
    """One page read from the roster's system of record."""

    records: Sequence[RosterRecord]
    offset: int
    #: rows the whole listing has, when the source says
    total: int | None
    page_size: int


class RosterSource(Protocol):
    """Where the roster comes from (TimeBack's OneRoster API)."""

    def pages(
        self, kind: EntityKind, *, since: datetime | None, offset: int
    ) -> AsyncIterator[SourcePage]:
        """Every page of ``kind`` from ``offset`` on, in order, with bounded memory.

        With ``since``, only objects modified at or after it (``tobedeleted`` ones included, so
        deletions reach the cache). Order must be stable across pages, so a resumed read continues
        where an interrupted one stopped."""
        ...

    async def present(self, kind: EntityKind, sourced_ids: Sequence[str]) -> Sequence[RosterRecord]:
        """The records of ``kind`` among these ids that the source has now (``tobedeleted`` ones
        included, as such): how a full sync tells a record that is gone from one its listing
        missed while the pages moved under it."""
        ...
