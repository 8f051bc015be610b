"""PowerPath, declared once for the composition root (the descriptor: ``adapters/upstream.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.powerpath.settings import PowerPathSettings
from adapters.timeback.upstream import service_client
from adapters.upstream import Upstream

if TYPE_CHECKING:
    import httpx

    from domain.ports import UpstreamProbe


def _probe(s: PowerPathSettings, client: httpx.AsyncClient) -> UpstreamProbe:
    from adapters.powerpath.client import PowerPathProbe

    secret_set = bool(s.client_secret.get_secret_value())
    return PowerPathProbe(client, client_id=s.client_id, secret_set=secret_set)


POWERPATH = Upstream(
    name="powerpath",
    settings=PowerPathSettings,
    client=service_client,
    probe=_probe,
    simulator="simulators.powerpath:PowerPathSimulator",
    hosts=("powerpath.timeback.sim",),
    cli_name="powerpath",
    compose=("client_id",),
)

__all__ = ["POWERPATH", "PowerPathSettings"]
