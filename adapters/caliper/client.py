"""The Caliper HTTP client and its health probe.

The client is a TimeBack client (:func:`adapters.timeback.client.make_timeback_client`) on the
Caliper host: built with the process's :class:`~adapters.http.oauth.TokenRegistry`, it shares
TimeBack's token (same token URL and client), as the real Caliper host accepts it.
"""

from __future__ import annotations

from adapters.caliper.errors import FAMILY, raise_for_status
from adapters.http.oauth import ClientCredentialsClient
from adapters.http.probe import HttpProbe

EVENTS_PATH = "/caliper/events"


class CaliperProbe(HttpProbe):
    """Token (fetched when needed) plus ``GET /caliper/events?limit=1``: the cheapest read."""

    name = "caliper"
    family = FAMILY

    def requirements(self) -> list[tuple[str, bool]]:
        token_url = (
            self._client.token_endpoint if isinstance(self._client, ClientCredentialsClient) else ""
        )
        return [*super().requirements(), ("token URL", bool(token_url))]

    async def call(self) -> str:
        response = raise_for_status(await self._client.get(EVENTS_PATH, params={"limit": 1}))
        total = response.json()["pagination"]["total"]
        return f"Caliper answered; {total} events stored"
