"""The PowerPath HTTP client and its health probe.

The client is a TimeBack client (:func:`adapters.timeback.client.make_timeback_client`): given the
process's token registry it uses the token TimeBack's other hosts already fetched.
"""

from __future__ import annotations

import httpx

from adapters.http.oauth import TokenRegistry
from adapters.http.probe import HttpProbe
from adapters.powerpath.errors import FAMILY, raise_for_status
from adapters.timeback.client import make_timeback_client

#: the cheapest authenticated read: one question-free placement lookup would need a student, so
#: the admin list of test assignments, one row
PROBE_PATH = "/powerpath/test-assignments/admin"


def make_powerpath_client(
    *,
    base_url: str,
    token_url: str,
    client_id: str,
    client_secret: str,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None,
    tokens: TokenRegistry | None = None,
) -> httpx.AsyncClient:
    return make_timeback_client(
        base_url=base_url,
        token_url=token_url,
        client_id=client_id,
        client_secret=client_secret,
        timeout=timeout,
        transport=transport,
        tokens=tokens,
    )


class PowerPathProbe(HttpProbe):
    """Token (fetched when needed) plus ``GET /powerpath/test-assignments/admin?limit=1``."""

    name = "powerpath"
    family = FAMILY

    async def call(self) -> str:
        response = raise_for_status(await self._client.get(PROBE_PATH, params={"limit": 1}))
        return f"PowerPath answered; {response.json()['totalCount']} test assignments"
