"""Whether TimeBack stored an event: ``GET /caliper/events/{externalId}`` (decision D61).

A read, so retried on 429, 502-504 and transport failures like the sink's job reads. A 404 is the
answer "not stored"; anything else that is not an event maps through :mod:`adapters.caliper.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from adapters.caliper.errors import as_caliper_error, raise_for_status, to_domain_error
from adapters.http.paths import seg
from adapters.timeback.retrying import RetryPolicy
from domain.ports.caliper import StoredEvent
from domain.ports.caliper_lookup import CaliperLookup

EVENT_PATH = "/caliper/events/{}"


class TimebackCaliperLookup(CaliperLookup):
    def __init__(self, client: httpx.AsyncClient, *, retry: RetryPolicy | None = None) -> None:
        self._client = client
        self._retry = retry or RetryPolicy()

    async def stored(self, external_id: str) -> StoredEvent | None:
        path = EVENT_PATH.format(seg(external_id))

        async def get() -> httpx.Response:
            return await self._client.get(path)

        try:
            response = await self._retry.call("GET", get)
            if response.status_code == 404:
                return None
            body = raise_for_status(response).json()
            raw = body.get("event", body) if isinstance(body, Mapping) else None
            if not isinstance(raw, Mapping) or raw.get("id") is None:
                raise TypeError("an event lookup answered without an event")
            return StoredEvent(
                allocated_id=str(raw["id"]), external_id=str(raw.get("externalId", external_id))
            )
        except Exception as exc:
            raise to_domain_error(as_caliper_error(exc)) from exc
