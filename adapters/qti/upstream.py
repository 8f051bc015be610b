"""QTI, declared once for the composition root (the descriptor: ``adapters/upstream.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.qti.settings import QtiSettings
from adapters.upstream import Upstream

if TYPE_CHECKING:
    import httpx

    from adapters.http.oauth import TokenRegistry
    from domain.ports import UpstreamProbe


def _client(
    s: QtiSettings, transport: httpx.AsyncBaseTransport | None, tokens: TokenRegistry
) -> httpx.AsyncClient:
    from adapters.qti.client import make_qti_client

    return make_qti_client(s, transport=transport, tokens=tokens)


def _probe(s: QtiSettings, client: httpx.AsyncClient) -> UpstreamProbe:
    from adapters.qti.client import QtiProbe

    return QtiProbe(
        client, client_id=s.client_id, secret_set=bool(s.client_secret.get_secret_value())
    )


QTI = Upstream(
    name="qti",
    settings=QtiSettings,
    client=_client,
    probe=_probe,
    simulator="simulators.qti:QtiSimulator",
    hosts=("qti.timeback.sim",),
    cli_name="qti",
    compose=("client_id",),
)

__all__ = ["QTI", "QtiSettings"]
