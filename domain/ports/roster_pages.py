"""Cached roster pages read outside any unit of work: what the list and get routes read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from domain.roster.entities import RosterRecord

if TYPE_CHECKING:
    from domain.roster.query import RosterQuery  # see domain/ports/roster_store.py for why


@dataclass(frozen=True, slots=True)
class JsonPage:
    """One page as the stored JSON text of each record, the total matching, and the version of
    the cache it was read from."""

    items: Sequence[str]
    total: int
    version: int


@dataclass(frozen=True, slots=True)
class RecordPage:
    """One page of records, the total matching, and the version of the cache it was read from."""

    items: Sequence[RosterRecord]
    total: int
    version: int


class RosterPages(Protocol):
    """Each read is one statement, so the page, its count and the version agree."""

    async def page(self, q: RosterQuery) -> RecordPage:
        """Records of a page (``q.fields`` trims each)."""
        ...

    async def page_json(self, q: RosterQuery) -> JsonPage:
        """A page with each payload as compact JSON text, for a response that splices the stored
        text instead of parsing and encoding every record."""
        ...

    async def version(self) -> int:
        """The cache's version: it grows with every change to any cached record (it is the
        change feed's newest cursor), so equal versions mean equal contents."""
        ...
