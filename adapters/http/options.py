"""How every upstream client is built: explicit timeouts, connection limits, JSON."""

from __future__ import annotations

from typing import Any

import httpx

#: a connection attempt gives up sooner than a slow answer
MAX_CONNECT_SECONDS = 10.0
#: one process's connections to one upstream
DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30)


def client_options(
    *,
    base_url: str,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None,
    limits: httpx.Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Keyword arguments for ``httpx.AsyncClient`` (or a subclass) talking to one upstream."""
    return {
        "base_url": base_url,
        "timeout": httpx.Timeout(timeout, connect=min(timeout, MAX_CONNECT_SECONDS)),
        "limits": limits,
        "transport": transport,
        "headers": {"Accept": "application/json"},
    }
