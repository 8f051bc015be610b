from __future__ import annotations

from typing import Protocol

from domain.models.system import ComponentStatus, UpstreamCheck


class DatabaseProbe(Protocol):
    async def check(self) -> ComponentStatus:
        """Reachable, and the schema is at the newest migration."""
        ...


class UpstreamProbe(Protocol):
    name: str

    def configured(self) -> ComponentStatus:
        """Whether the adapter has what it needs to call the upstream (no network)."""
        ...

    async def check(self) -> UpstreamCheck:
        """One cheap authenticated call to the upstream; never raises."""
        ...
