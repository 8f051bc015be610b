"""The Appsembler (Open edX) HTTP client and its health probe.

Tokens come from Open edX's own DOT endpoint (``/oauth2/access_token`` on the LMS), credentials in
the form body, ``token_type=bearer`` asked for explicitly (``jwt`` would change the header scheme).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from adapters.appsembler.errors import as_appsembler_error, raise_for_status
from adapters.timeback.oauth import ClientCredentialsClient
from domain.models.system import ComponentStatus, UpstreamCheck
from domain.ports import UpstreamProbe

TOKEN_PATH = "/oauth2/access_token"  # noqa: S105 (a path, not a secret)
ACCOUNTS_BATCH_PATH = "/appsembler_api/v0/analytics/accounts/batch"
LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30)


def make_appsembler_client(
    *,
    base_url: str,
    client_id: str,
    client_secret: str,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None,
) -> httpx.AsyncClient:
    client: httpx.AsyncClient = ClientCredentialsClient(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint=base_url.rstrip("/") + TOKEN_PATH,
        auth_method="client_secret_post",
        token_params={"token_type": "bearer"},
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=LIMITS,
        transport=transport,
        headers={"Accept": "application/json"},
    )
    return client


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AppsemblerProbe(UpstreamProbe):
    """Token (fetched when needed) plus the accounts batch filtered to "joined after now".

    The batch is unpaginated, so an unfiltered call would return every account on the site; the
    filter keeps the answer empty while still exercising auth, permission and the database.
    """

    name = "appsembler"

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
                ("base URL", bool(str(self._client.base_url).strip("/"))),
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
        since = self._now().strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            response = await self._client.get(ACCOUNTS_BATCH_PATH, params={"updated_min": since})
            rows = raise_for_status(response).json()
            if not isinstance(rows, list):
                raise TypeError("accounts batch is not a list")
        except Exception as exc:  # a probe reports failures, it never raises them
            return self._result(ok=False, started=started, detail=str(as_appsembler_error(exc)))
        return self._result(ok=True, started=started, detail="Appsembler API answered")

    def _result(self, *, ok: bool, started: float | None, detail: str) -> UpstreamCheck:
        latency = 0.0 if started is None else (time.perf_counter() - started) * 1000
        return UpstreamCheck(
            upstream=self.name,
            ok=ok,
            latency_ms=round(latency, 2),
            detail=detail[:200],
            checked_at=self._now(),
        )
