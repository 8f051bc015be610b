"""The Zoho accounts-server client and the Zoho health probe.

Zoho's OAuth is per user (each teacher grants the BFF a refresh token), so there is no
application-wide token: the accounts client is plain httpx and the probe calls the one public
accounts endpoint, ``/oauth/serverinfo``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from adapters.zoho.errors import ZohoUnavailable, as_zoho_error, raise_for_status
from domain.models.system import ComponentStatus, UpstreamCheck
from domain.ports import UpstreamProbe

SERVERINFO_PATH = "/oauth/serverinfo"
LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=5, keepalive_expiry=30)


def make_zoho_accounts_client(
    *, accounts_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=accounts_url,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=LIMITS,
        transport=transport,
        headers={"Accept": "application/json"},
    )


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ZohoProbe(UpstreamProbe):
    name = "zoho"

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
        missing = [
            what
            for what, present in (
                ("client id", bool(self._client_id)),
                ("client secret", self._secret_set),
                ("accounts URL", bool(str(self._client.base_url).strip("/"))),
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
            body = raise_for_status(await self._client.get(SERVERINFO_PATH)).json()
            if body.get("result") != "success":
                raise ZohoUnavailable(f"serverinfo result {body.get('result')!r}")
            locations = len(body.get("locations") or {})
        except Exception as exc:  # a probe reports failures, it never raises them
            return self._result(ok=False, started=started, detail=str(as_zoho_error(exc)))
        return self._result(
            ok=True, started=started, detail=f"accounts server answered; {locations} data centres"
        )

    def _result(self, *, ok: bool, started: float | None, detail: str) -> UpstreamCheck:
        latency = 0.0 if started is None else (time.perf_counter() - started) * 1000
        return UpstreamCheck(
            upstream=self.name,
            ok=ok,
            latency_ms=round(latency, 2),
            detail=detail[:200],
            checked_at=self._now(),
        )
