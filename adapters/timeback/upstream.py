"""TimeBack, declared once for the composition root (the descriptor: ``adapters/upstream.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.timeback.settings import TimebackSettings
from adapters.upstream import Upstream

if TYPE_CHECKING:
    import httpx

    from adapters.http.oauth import TokenRegistry
    from domain.ports import UpstreamProbe


def _client(
    s: TimebackSettings, transport: httpx.AsyncBaseTransport | None, tokens: TokenRegistry
) -> httpx.AsyncClient:
    from adapters.timeback.client import make_timeback_client

    return make_timeback_client(
        base_url=s.base_url,
        token_url=s.token_url,
        client_id=s.client_id,
        client_secret=s.client_secret.get_secret_value(),
        timeout=s.timeout_seconds,
        transport=transport,
        tokens=tokens,
    )


def _probe(s: TimebackSettings, client: httpx.AsyncClient) -> UpstreamProbe:
    from adapters.timeback.client import TimebackProbe

    secret_set = bool(s.client_secret.get_secret_value())
    return TimebackProbe(client, client_id=s.client_id, secret_set=secret_set)


TIMEBACK = Upstream(
    name="timeback",
    settings=TimebackSettings,
    client=_client,
    probe=_probe,
    simulator="simulators.timeback:TimebackSimulator",
    hosts=("timeback.sim",),
    cli_name="timeback",
    compose=("client_id",),
)

__all__ = ["TIMEBACK", "TimebackSettings"]
