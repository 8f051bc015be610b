"""QTI, declared once for the composition root (the descriptor: ``adapters/upstream.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.qti.settings import QtiSettings
from adapters.timeback.upstream import service_client
from adapters.upstream import Upstream

if TYPE_CHECKING:
    import httpx

    from domain.ports import UpstreamProbe


def _probe(s: QtiSettings, client: httpx.AsyncClient) -> UpstreamProbe:
    from adapters.qti.client import QtiProbe

    return QtiProbe(
        client, client_id=s.client_id, secret_set=bool(s.client_secret.get_secret_value())
    )


QTI = Upstream(
    name="qti",
    settings=QtiSettings,
    client=service_client,
    probe=_probe,
    simulator="simulators.qti:QtiSimulator",
    hosts=("qti.timeback.sim",),
    cli_name="qti",
    compose=("client_id",),
)

__all__ = ["QTI", "QtiSettings"]
