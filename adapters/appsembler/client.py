"""The Appsembler (Open edX) HTTP client and its health probe.

Tokens come from Open edX's own DOT endpoint (``/oauth2/access_token`` on the LMS), credentials in
the form body, ``token_type=bearer`` asked for explicitly (``jwt`` would change the header scheme).
"""

from __future__ import annotations

import httpx

from adapters.appsembler.errors import FAMILY, raise_for_status
from adapters.http.oauth import ClientCredentialsClient
from adapters.http.options import client_options
from adapters.http.probe import HttpProbe

TOKEN_PATH = "/oauth2/access_token"  # noqa: S105 (a path, not a secret)
ACCOUNTS_BATCH_PATH = "/appsembler_api/v0/analytics/accounts/batch"


def make_appsembler_client(
    *,
    base_url: str,
    client_id: str,
    client_secret: str,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None,
) -> httpx.AsyncClient:
    client: httpx.AsyncClient = ClientCredentialsClient(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint=base_url.rstrip("/") + TOKEN_PATH,
        auth_method="client_secret_post",
        token_params={"token_type": "bearer"},
        **client_options(base_url=base_url, timeout=timeout, transport=transport),
    )
    return client


class AppsemblerProbe(HttpProbe):
    """Token (fetched when needed) plus the accounts batch filtered to "joined after now".

    The batch is unpaginated, so an unfiltered call would return every account on the site; the
    filter keeps the answer empty while still exercising auth, permission and the database.
    """

    name = "appsembler"
    family = FAMILY

    async def call(self) -> str:
        since = self._now().strftime("%Y-%m-%dT%H:%M:%SZ")
        response = await self._client.get(ACCOUNTS_BATCH_PATH, params={"updated_min": since})
        rows = raise_for_status(response).json()
        if not isinstance(rows, list):
            raise TypeError("accounts batch is not a list")
        return "Appsembler API answered"
