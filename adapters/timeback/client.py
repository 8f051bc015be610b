"""The TimeBack HTTP client and its health probe.

One long-lived client per host per process (built by the composition root): OAuth 2 client
credentials with HTTP Basic, as Cognito and timeback-oneroster do; explicit timeouts and connection
limits. Every client built with the same :class:`~adapters.http.oauth.TokenRegistry` shares one token per token URL (and
client id), so rostering, gradebook and resources (one host) and QTI or PowerPath (other hosts) fetch
it once; authlib renews it ``leeway`` seconds before it expires, and a 401 renews it and retries once.
"""

from __future__ import annotations

import httpx

from adapters.http.oauth import ClientCredentialsClient, TokenRegistry
from adapters.http.options import DEFAULT_LIMITS, client_options
from adapters.http.probe import HttpProbe
from adapters.timeback.errors import FAMILY, raise_for_status
from adapters.timeback.settings import TimebackServiceSettings

ORGS_PATH = "/ims/oneroster/rostering/v1p2/orgs"
#: seconds before expiry at which a token is renewed (timeback and timeback-common use 60 too)
TOKEN_LEEWAY = 60


def make_timeback_client(
    *,
    base_url: str,
    token_url: str,
    client_id: str,
    client_secret: str,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None,
    tokens: TokenRegistry | None = None,
    token_params: dict[str, str] | None = None,
    leeway: int = TOKEN_LEEWAY,
    max_connections: int | None = None,
) -> httpx.AsyncClient:
    """A client for one TimeBack host; pass the same ``tokens`` to every client of the process so
    they share one token per token URL (``token_params``: e.g. the scope LearnWith.AI wants)."""
    shared = tokens.for_url(token_url, client_id) if tokens is not None else None
    client: httpx.AsyncClient = ClientCredentialsClient(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint=token_url,
        auth_method="client_secret_basic",
        token_params=token_params,
        shared_token=shared,
        leeway=leeway,
        **client_options(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            limits=connection_limits(max_connections),
        ),
    )
    return client


def make_service_client(
    settings: TimebackServiceSettings,
    *,
    transport: httpx.AsyncBaseTransport | None,
    tokens: TokenRegistry | None,
) -> httpx.AsyncClient:
    """The client of one TimeBack host, from its settings group."""
    return make_timeback_client(
        base_url=settings.base_url,
        token_url=settings.token_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        timeout=settings.timeout_seconds,
        transport=transport,
        tokens=tokens,
        max_connections=settings.max_connections,
    )


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


def connection_limits(max_connections: int | None) -> httpx.Limits:
    """The pool of one host's client; a pool made larger than the default keeps as many idle
    connections as it may open, so a burst of learners does not reconnect for each call (D98)."""
    if max_connections is None or max_connections == DEFAULT_LIMITS.max_connections:
        return DEFAULT_LIMITS
    return httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=DEFAULT_LIMITS.keepalive_expiry,
    )
