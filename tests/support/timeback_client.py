"""The real TimeBack adapter client, pointed at a simulator with the sandbox credentials (tests only:
a simulator never imports the BFF's code)."""

from __future__ import annotations

import httpx

from adapters.timeback.client import make_timeback_client
from simulators.timeback.seed import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

DEFAULT_URL = "http://timeback.sim"


def sandbox_client(
    transport: httpx.AsyncBaseTransport | None,
    *,
    base_url: str = DEFAULT_URL,
    secret: str = SANDBOX_CLIENT_SECRET,
    timeout: float = 5.0,
) -> httpx.AsyncClient:
    """``transport`` reaches the simulator (a ``SimulatorTransport``, say); None: the network."""
    return make_timeback_client(
        base_url=base_url,
        token_url=f"{base_url}/oauth2/token",
        client_id=SANDBOX_CLIENT_ID,
        client_secret=secret,
        timeout=timeout,
        transport=transport,
    )
