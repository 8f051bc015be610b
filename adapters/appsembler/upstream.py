"""Appsembler (Open edX), declared once for the composition root (``adapters/upstream.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.appsembler.settings import AppsemblerSettings
from adapters.upstream import Upstream

if TYPE_CHECKING:
    import httpx

    from adapters.http.oauth import TokenRegistry
    from domain.ports import UpstreamProbe


def _client(
    s: AppsemblerSettings, transport: httpx.AsyncBaseTransport | None, tokens: TokenRegistry
) -> httpx.AsyncClient:
    from adapters.appsembler.client import make_appsembler_client

    return make_appsembler_client(
        base_url=s.base_url,
        client_id=s.client_id,
        client_secret=s.client_secret.get_secret_value(),
        timeout=s.timeout_seconds,
        transport=transport,
    )


def _probe(s: AppsemblerSettings, client: httpx.AsyncClient) -> UpstreamProbe:
    from adapters.appsembler.client import AppsemblerProbe

    secret_set = bool(s.client_secret.get_secret_value())
    return AppsemblerProbe(client, client_id=s.client_id, secret_set=secret_set)


APPSEMBLER = Upstream(
    name="appsembler",
    settings=AppsemblerSettings,
    client=_client,
    probe=_probe,
    simulator="simulators.appsembler:AppsemblerSimulator",
    hosts=("appsembler.sim",),
    cli_name="appsembler",
    compose=("client_id",),
)

__all__ = ["APPSEMBLER", "AppsemblerSettings"]
