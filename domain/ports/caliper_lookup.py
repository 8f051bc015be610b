"""Asking TimeBack whether it stored an event: what settles a send whose outcome is unknown."""

from __future__ import annotations

from typing import Protocol

from domain.ports.caliper import StoredEvent


class CaliperLookup(Protocol):
    async def stored(self, external_id: str) -> StoredEvent | None:
        """The event TimeBack stored under this ``externalId`` (``GET /caliper/events/{id}``),
        or None when it has none. Errors as ``CaliperSink``'s."""
        ...
