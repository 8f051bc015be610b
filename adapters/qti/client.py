"""The QTI HTTP client and its health probe.

QTI lives on its own host but behind TimeBack's identity provider: the client is TimeBack's
(:func:`adapters.timeback.client.make_timeback_client`), built with the process's token registry,
so QTI and OneRoster share one token per token URL and client id, and its retry and renewal rules.
"""

from __future__ import annotations

from adapters.http.probe import HttpProbe
from adapters.qti.errors import FAMILY, raise_for_status

ITEMS_PATH = "/assessment-items"


class QtiProbe(HttpProbe):
    """Token (TimeBack's, fetched when needed) plus ``GET /assessment-items?limit=1``."""

    name = "qti"
    family = FAMILY

    async def call(self) -> str:
        response = raise_for_status(await self._client.get(ITEMS_PATH, params={"limit": 1}))
        return f"QTI answered; {response.json()['total']} assessment items"
