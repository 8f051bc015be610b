"""TimeBack's roster itself (not the cache): writes, and reads that must not wait for a sync."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from domain.roster.entities import EntityKind, JsonObject, RosterRecord
from domain.roster.query import SortOrder


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveQuery:
    """A page of an upstream collection (``users``, ``students``, ``academicSessions``...), with
    the OneRoster parameters passed through as the caller wrote them (already validated)."""

    collection: str
    filter: str | None = None
    sort: str | None = None
    order: SortOrder = SortOrder.ASC
    fields: Sequence[str] | None = None
    search: str | None = None
    limit: int = 100
    offset: int = 0


class RosterLiveReader(Protocol):
    async def fetch(self, kind: EntityKind, sourced_id: str) -> RosterRecord | None:
        """The record as the system of record has it now (``tobedeleted`` included); None when
        it does not know the id."""
        ...

    async def page(self, query: LiveQuery) -> tuple[Sequence[JsonObject], int]:
        """One page and the total the upstream reports (the page's length when it reports none)."""
        ...


class RosterWriter(Protocol):
    """Writes to the roster's system of record. Refusals raise domain errors: ``InvalidInput``
    (the upstream found the data wrong), ``NotFound``, ``Conflict``; outages ``UpstreamError``."""

    async def create(self, kind: EntityKind, entity: Mapping[str, Any]) -> str:
        """Create; returns the sourcedId the upstream allocated."""
        ...

    async def replace(self, kind: EntityKind, sourced_id: str, entity: Mapping[str, Any]) -> None:
        """Replace the whole entity with ``entity``."""
        ...

    async def delete(self, kind: EntityKind, sourced_id: str) -> None:
        """Delete (TimeBack marks the entity ``tobedeleted``)."""
        ...

    async def enroll(
        self, class_id: str, user_id: str, role: str, details: Mapping[str, Any]
    ) -> str:
        """Enroll a user in a class as ``student`` or ``teacher``; returns the enrollment's id."""
        ...

    async def add_agent(self, user_id: str, agent_id: str) -> None: ...

    async def remove_agent(self, user_id: str, agent_id: str) -> None: ...
