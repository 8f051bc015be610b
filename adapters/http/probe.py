"""The frame every upstream health probe shares: configuration check, one timed call, a report.

A probe subclass names itself, lists what it needs beyond a client id, a secret and a base URL,
and makes its one cheap authenticated call; failures are described through the adapter's
:class:`~adapters.http.errors.ErrorFamily` and never raised.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from adapters.http.errors import ErrorFamily
from domain.models.system import ComponentStatus, UpstreamCheck
from domain.ports import UpstreamProbe


def _utcnow() -> datetime:
    return datetime.now(UTC)


class HttpProbe(UpstreamProbe):
    name: str
    family: ClassVar[ErrorFamily[Any]]
    #: how :meth:`configured` names the client's base URL when it is missing
    base_url_label: ClassVar[str] = "base URL"

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

    @abstractmethod
    async def call(self) -> str:
        """The probe's one call; returns what to report on success, raises on failure."""

    def requirements(self) -> list[tuple[str, bool]]:
        """What the probe needs, each with whether it is there."""
        return [
            ("client id", bool(self._client_id)),
            ("client secret", self._secret_set),
            (self.base_url_label, bool(str(self._client.base_url).strip("/"))),
        ]

    def configured(self) -> ComponentStatus:
        missing = [what for what, present in self.requirements() if not present]
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
            detail = await self.call()
        except Exception as exc:  # a probe reports failures, it never raises them
            return self._result(ok=False, started=started, detail=str(self.family.wrap(exc)))
        return self._result(ok=True, started=started, detail=detail)

    def _result(self, *, ok: bool, started: float | None, detail: str) -> UpstreamCheck:
        latency = 0.0 if started is None else (time.perf_counter() - started) * 1000
        return UpstreamCheck(
            upstream=self.name,
            ok=ok,
            latency_ms=round(latency, 2),
            detail=detail[:200],
            checked_at=self._now(),
        )
