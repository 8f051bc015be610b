"""The TimeBack HTTP client and its health probe.

One long-lived client per process (built by the composition root): OAuth 2 client credentials with
HTTP Basic, as Cognito and timeback-oneroster do; explicit timeouts and connection limits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from adapters.timeback.errors import as_timeback_error, raise_for_status
from adapters.timeback.oauth import ClientCredentialsClient
from domain.models.system import ComponentStatus, UpstreamCheck
from domain.ports import UpstreamProbe

ORGS_PATH = "/ims/oneroster/rostering/v1p2/orgs"
LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30)


def make_timeback_client(
    *,
    base_url: str,
    token_url: str,
    client_id: str,
    client_secret: str,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None,
) -> httpx.AsyncClient:
    client: httpx.AsyncClient = ClientCredentialsClient(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint=token_url,
        auth_method="client_secret_basic",
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=LIMITS,
        transport=transport,
        headers={"Accept": "application/json"},
    )
    return client


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TimebackProbe(UpstreamProbe):
    """Token (fetched when needed) plus ``GET /orgs?limit=1``: the cheapest authenticated read."""

    name = "timeback"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        client_id: str,
        secret_set: bool,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._client = client
        self._client_id = client_id
        self._secret_set = secret_set
        self._now = now

    def configured(self) -> ComponentStatus:
        token_url = (
            self._client.token_endpoint if isinstance(self._client, ClientCredentialsClient) else ""
        )
        missing = [
            what
            for what, present in (
                ("client id", bool(self._client_id)),
                ("client secret", self._secret_set),
                ("base URL", bool(str(self._client.base_url).strip("/"))),
                ("token URL", bool(token_url)),
            )
            if not present
        ]
        if missing:
            return ComponentStatus(name=self.name, ok=False, detail="missing " + ", ".join(missing))
        return ComponentStatus(name=self.name, ok=True, detail=f"client {self._client_id}")

    async def check(self) -> UpstreamCheck:
        configured = self.configured()
        if not configured.ok:
            return self._result(
                ok=False, started=None, detail=f"not configured: {configured.detail}"
            )
        started = time.perf_counter()
        try:
            response = raise_for_status(await self._client.get(ORGS_PATH, params={"limit": 1}))
            total = response.headers.get("x-total-count") or response.json()["totalCount"]
        except Exception as exc:  # a probe reports failures, it never raises them
            return self._result(ok=False, started=started, detail=str(as_timeback_error(exc)))
        return self._result(ok=True, started=started, detail=f"OneRoster answered; {total} orgs")

    def _result(self, *, ok: bool, started: float | None, detail: str) -> UpstreamCheck:
        latency = 0.0 if started is None else (time.perf_counter() - started) * 1000
        return UpstreamCheck(
            upstream=self.name,
            ok=ok,
            latency_ms=round(latency, 2),
            detail=detail[:200],
            checked_at=self._now(),
        )
