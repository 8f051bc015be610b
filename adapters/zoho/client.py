"""The Zoho accounts-server client and the Zoho health probe.

Zoho's OAuth is per user (each teacher grants the BFF a refresh token), so there is no
application-wide token: the accounts client is plain httpx and the probe calls the one public
accounts endpoint, ``/oauth/serverinfo``.
"""

from __future__ import annotations

import httpx

from adapters.http.options import client_options
from adapters.http.probe import HttpProbe
from adapters.zoho.errors import FAMILY, ZohoUnavailable, raise_for_status

SERVERINFO_PATH = "/oauth/serverinfo"
LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=5, keepalive_expiry=30)


def make_zoho_accounts_client(
    *, accounts_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    options = client_options(
        base_url=accounts_url, timeout=timeout, limits=LIMITS, transport=transport
    )
    return httpx.AsyncClient(**options)


class ZohoProbe(HttpProbe):
    name = "zoho"
    family = FAMILY
    base_url_label = "accounts URL"

    async def call(self) -> str:
        body = raise_for_status(await self._client.get(SERVERINFO_PATH)).json()
        if body.get("result") != "success":
            raise ZohoUnavailable(f"serverinfo result {body.get('result')!r}")
        locations = len(body.get("locations") or {})
        return f"accounts server answered; {locations} data centres"
