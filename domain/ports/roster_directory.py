from __future__ import annotations

from typing import Protocol

from domain.models.roster import Person


class RosterDirectory(Protocol):
    """Reads roster people. TimeBack live for now; the local roster cache once it exists."""

    async def person(self, sourced_id: str) -> Person | None: ...
