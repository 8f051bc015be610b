"""TimeBack, declared once for the composition root (the descriptor: ``adapters/upstream.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.timeback.settings import TimebackServiceSettings, TimebackSettings
from adapters.upstream import Upstream

if TYPE_CHECKING:
    import httpx

    from adapters.http.oauth import TokenRegistry
    from domain.ports import UpstreamProbe


def service_client(
    s: TimebackServiceSettings, transport: httpx.AsyncBaseTransport | None, tokens: TokenRegistry
) -> httpx.AsyncClient:
    """The ``client`` factory of every TimeBack host's declaration (OneRoster, QTI, PowerPath,
    Caliper): their clients share one token through ``tokens``."""
    from adapters.timeback.client import make_service_client

    return make_service_client(s, transport=transport, tokens=tokens)


def _probe(s: TimebackSettings, client: httpx.AsyncClient) -> UpstreamProbe:
    from adapters.timeback.client import TimebackProbe

    secret_set = bool(s.client_secret.get_secret_value())
    return TimebackProbe(client, client_id=s.client_id, secret_set=secret_set)


TIMEBACK = Upstream(
    name="timeback",
    settings=TimebackSettings,
    client=service_client,
    probe=_probe,
    simulator="simulators.timeback:TimebackSimulator",
    hosts=("timeback.sim",),
    cli_name="timeback",
    compose=("client_id",),
)

__all__ = ["TIMEBACK", "TimebackServiceSettings", "TimebackSettings", "service_client"]
