"""The TimeBack HTTP client and its health probe.

One long-lived client per process (built by the composition root): OAuth 2 client credentials with
HTTP Basic, as Cognito and timeback-oneroster do; explicit timeouts and connection limits.
"""

from __future__ import annotations

import httpx

from adapters.http.oauth import ClientCredentialsClient
from adapters.http.options import client_options
from adapters.http.probe import HttpProbe
from adapters.timeback.errors import FAMILY, raise_for_status

ORGS_PATH = "/ims/oneroster/rostering/v1p2/orgs"


def make_timeback_client(
    *,
    base_url: str,
    token_url: str,
    client_id: str,
    client_secret: str,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None,
) -> httpx.AsyncClient:
    client: httpx.AsyncClient = ClientCredentialsClient(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint=token_url,
        auth_method="client_secret_basic",
        **client_options(base_url=base_url, timeout=timeout, transport=transport),
    )
    return client


class TimebackProbe(HttpProbe):
    """Token (fetched when needed) plus ``GET /orgs?limit=1``: the cheapest authenticated read."""

    name = "timeback"
    family = FAMILY

    def requirements(self) -> list[tuple[str, bool]]:
        token_url = (
            self._client.token_endpoint if isinstance(self._client, ClientCredentialsClient) else ""
        )
        return [*super().requirements(), ("token URL", bool(token_url))]

    async def call(self) -> str:
        response = raise_for_status(await self._client.get(ORGS_PATH, params={"limit": 1}))
        total = response.headers.get("x-total-count") or response.json()["totalCount"]
        return f"OneRoster answered; {total} orgs"
