"""Caliper, declared once for the composition root (the descriptor: ``adapters/upstream.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.caliper.settings import CaliperSettings
from adapters.timeback.upstream import service_client
from adapters.upstream import Upstream

if TYPE_CHECKING:
    import httpx

    from domain.ports import UpstreamProbe


def _probe(s: CaliperSettings, client: httpx.AsyncClient) -> UpstreamProbe:
    from adapters.caliper.client import CaliperProbe

    secret_set = bool(s.client_secret.get_secret_value())
    return CaliperProbe(client, client_id=s.client_id, secret_set=secret_set)


CALIPER = Upstream(
    name="caliper",
    settings=CaliperSettings,
    client=service_client,
    probe=_probe,
    simulator="simulators.caliper:CaliperSimulator",
    hosts=("caliper.timeback.sim",),
    cli_name="caliper",
    compose=("client_id",),
)

__all__ = ["CALIPER", "CaliperSettings"]
