"""PowerPath, declared once for the composition root (the descriptor: ``adapters/upstream.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.powerpath.settings import PowerPathSettings
from adapters.upstream import Upstream

if TYPE_CHECKING:
    import httpx

    from adapters.http.oauth import TokenRegistry
    from domain.ports import UpstreamProbe


def _client(
    s: PowerPathSettings, transport: httpx.AsyncBaseTransport | None, tokens: TokenRegistry
) -> httpx.AsyncClient:
    from adapters.powerpath.client import make_powerpath_client

    return make_powerpath_client(
        base_url=s.base_url,
        token_url=s.token_url,
        client_id=s.client_id,
        client_secret=s.client_secret.get_secret_value(),
        timeout=s.timeout_seconds,
        transport=transport,
        tokens=tokens,
    )


def _probe(s: PowerPathSettings, client: httpx.AsyncClient) -> UpstreamProbe:
    from adapters.powerpath.client import PowerPathProbe

    secret_set = bool(s.client_secret.get_secret_value())
    return PowerPathProbe(client, client_id=s.client_id, secret_set=secret_set)


POWERPATH = Upstream(
    name="powerpath",
    settings=PowerPathSettings,
    client=_client,
    probe=_probe,
    simulator="simulators.powerpath:PowerPathSimulator",
    hosts=("powerpath.timeback.sim",),
    cli_name="powerpath",
    compose=("client_id",),
)

__all__ = ["POWERPATH", "PowerPathSettings"]
